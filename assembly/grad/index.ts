// Dispatch by opcode to each op family's grad prepare (at trainPlan: scratch and node-state
// needs, checks) and grad (in backward, accumulating into the inputs' gradients).
import * as OP from "../ops/opcodes";
import { nOpcode } from "../graph";
import { prepareGradGemm, gradGemm, prepareGradMatMul, gradMatMul } from "./gemm";
import { prepareGradConv, gradConv } from "./conv";
import { prepareGradMaxPool, gradMaxPool, prepareGradAveragePool, gradAveragePool } from "./pool";
import { gradUnary } from "./unary";
import { gradBinary } from "./binary";
import { gradSoftmax } from "./softmax";
import { gradReshape, gradConcat, gradTranspose, gradPad } from "./shape";
import { gradChannelAffine, gradGlobalPool } from "./channel";
import { prepareGradBatchNorm, gradBatchNorm } from "./batchnorm";
import { prepareGradDropout, gradDropout } from "./dropout";
import { gradBinarySign } from "./binary-sign";
import { gradQuantizeLinear } from "./quantize-linear";
import { gradChannelShuffle } from "./channel-shuffle";

export function prepareGrad(n: u32): bool {
  const op = nOpcode(n);
  switch (op) {
    case OP.OP_GEMM: return prepareGradGemm(n);
    case OP.OP_MATMUL: return prepareGradMatMul(n);
    case OP.OP_CONV: return prepareGradConv(n);
    case OP.OP_MAXPOOL: return prepareGradMaxPool(n);
    case OP.OP_AVERAGEPOOL: return prepareGradAveragePool(n);
    case OP.OP_BATCHNORM: return prepareGradBatchNorm(n);
    case OP.OP_DROPOUT: return prepareGradDropout(n);
  }
  return true;
}

export function grad(n: u32): void {
  const op = nOpcode(n);
  switch (op) {
    case OP.OP_GEMM: gradGemm(n); return;
    case OP.OP_MATMUL: gradMatMul(n); return;
    case OP.OP_CONV: gradConv(n); return;
    case OP.OP_MAXPOOL: gradMaxPool(n); return;
    case OP.OP_AVERAGEPOOL: gradAveragePool(n); return;
    case OP.OP_GLOBALAVERAGEPOOL:
    case OP.OP_GLOBALMAXPOOL: gradGlobalPool(n); return;
    case OP.OP_CHANNELAFFINE: gradChannelAffine(n); return;
    case OP.OP_PRELU:
    case OP.OP_ADD: case OP.OP_SUB: case OP.OP_MUL: case OP.OP_DIV: gradBinary(n); return;
    case OP.OP_SOFTMAX: case OP.OP_LOGSOFTMAX: gradSoftmax(n); return;
    case OP.OP_CONCAT: gradConcat(n); return;
    case OP.OP_RESHAPE: gradReshape(n); return;
    case OP.OP_TRANSPOSE: gradTranspose(n); return;
    case OP.OP_PAD: gradPad(n); return;
    case OP.OP_BATCHNORM: gradBatchNorm(n); return;
    case OP.OP_DROPOUT: gradDropout(n); return;
    case OP.OP_BINARYSIGN: gradBinarySign(n); return;
    case OP.OP_QUANTIZELINEAR: case OP.OP_DEQUANTIZELINEAR: gradQuantizeLinear(n); return;
    case OP.OP_CHANNELSHUFFLE: gradChannelShuffle(n); return;
  }
  gradUnary(n);
}

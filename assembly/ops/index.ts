// Dispatch by opcode (docs/FORMAT.md §4.1) to each op family's prepare/run, plus MAC counts.
import * as OP from "./opcodes";
import { nOpcode, nIn, nInCount, nOut, nAttrI, tDim, tRank, tSize, tIsCsr, tEncoding, gTens, fail } from "../graph";
import { prepareGemm, runGemm } from "./gemm";
import { prepareMatMul, runMatMul } from "./matmul";
import { prepareConv, runConv } from "./conv";
import { prepareMaxPool, runMaxPool, prepareAveragePool, runAveragePool } from "./pool";
import { prepareUnary, runUnary } from "./unary";
import { prepareBinary, runBinary } from "./binary";
import { prepareSoftmax, runSoftmax } from "./softmax";
import { prepareConcat, runConcat } from "./concat";
import { prepareReshape, runReshape } from "./reshape";
import { prepareTranspose, runTranspose } from "./transpose";
import { preparePad, runPad } from "./pad";
import { prepareChannelAffine, runChannelAffine } from "./channel-affine";
import { prepareGlobalPool, runGlobalPool } from "./global-pool";
import { prepareBatchNorm, runBatchNorm } from "./batchnorm";
import { prepareDropout, runDropout } from "./dropout";
import { runBinarySign } from "./binary-sign";
import { prepareQuantizeLinear, runQuantizeLinear } from "./quantize-linear";
import { prepareChannelShuffle, runChannelShuffle } from "./channel-shuffle";

export function prepareNode(n: u32): bool {
  const op = nOpcode(n);
  // Only the kernels of these two read the sparse form (decode/csr.ts).
  for (let i = 0; i < nInCount(n); i++) {
    if (tIsCsr(nIn(n, i)) && !(i == 1 && (op == OP.OP_GEMM || op == OP.OP_CONV))) {
      return fail("input %d is CSR-encoded; only Gemm and Conv weights may be sparse", i);
    }
    const e = tEncoding(nIn(n, i));
    if ((e == 2 || e == 6) && !(i == 1 && (op == OP.OP_GEMM || op == OP.OP_CONV))) {
      return fail(e == 2 ? "input %d \"%s\" is int8; only Gemm and Conv read it as W" : "input %d \"%s\" is binary; only Gemm and Conv read it as W", i, load<u32>(gTens + <usize>nIn(n, i) * 48));
    }
  }
  switch (op) {
    case OP.OP_GEMM: return prepareGemm(n);
    case OP.OP_MATMUL: return prepareMatMul(n);
    case OP.OP_CONV: return prepareConv(n);
    case OP.OP_MAXPOOL: return prepareMaxPool(n);
    case OP.OP_AVERAGEPOOL: return prepareAveragePool(n);
    case OP.OP_GLOBALAVERAGEPOOL:
    case OP.OP_GLOBALMAXPOOL: return prepareGlobalPool(n);
    case OP.OP_CHANNELAFFINE: return prepareChannelAffine(n);
    case OP.OP_PRELU:
    case OP.OP_ADD: case OP.OP_SUB: case OP.OP_MUL: case OP.OP_DIV: return prepareBinary(n);
    case OP.OP_SOFTMAX: case OP.OP_LOGSOFTMAX: return prepareSoftmax(n);
    case OP.OP_CONCAT: return prepareConcat(n);
    case OP.OP_RESHAPE: return prepareReshape(n);
    case OP.OP_TRANSPOSE: return prepareTranspose(n);
    case OP.OP_PAD: return preparePad(n);
    case OP.OP_BATCHNORM: return prepareBatchNorm(n);
    case OP.OP_DROPOUT: return prepareDropout(n);
    case OP.OP_QUANTIZELINEAR: case OP.OP_DEQUANTIZELINEAR: return prepareQuantizeLinear(n);
    case OP.OP_CHANNELSHUFFLE: return prepareChannelShuffle(n);
  }
  return prepareUnary(n);
}

export function runNode(n: u32): void {
  const op = nOpcode(n);
  switch (op) {
    case OP.OP_GEMM: runGemm(n); return;
    case OP.OP_MATMUL: runMatMul(n); return;
    case OP.OP_CONV: runConv(n); return;
    case OP.OP_MAXPOOL: runMaxPool(n); return;
    case OP.OP_AVERAGEPOOL: runAveragePool(n); return;
    case OP.OP_GLOBALAVERAGEPOOL:
    case OP.OP_GLOBALMAXPOOL: runGlobalPool(n); return;
    case OP.OP_CHANNELAFFINE: runChannelAffine(n); return;
    case OP.OP_PRELU:
    case OP.OP_ADD: case OP.OP_SUB: case OP.OP_MUL: case OP.OP_DIV: runBinary(n); return;
    case OP.OP_SOFTMAX: case OP.OP_LOGSOFTMAX: runSoftmax(n); return;
    case OP.OP_CONCAT: runConcat(n); return;
    case OP.OP_RESHAPE: runReshape(n); return;
    case OP.OP_TRANSPOSE: runTranspose(n); return;
    case OP.OP_PAD: runPad(n); return;
    case OP.OP_BATCHNORM: runBatchNorm(n); return;
    case OP.OP_DROPOUT: runDropout(n); return;
    case OP.OP_BINARYSIGN: runBinarySign(n); return;
    case OP.OP_QUANTIZELINEAR: case OP.OP_DEQUANTIZELINEAR: runQuantizeLinear(n); return;
    case OP.OP_CHANNELSHUFFLE: runChannelShuffle(n); return;
  }
  runUnary(n);
}

/**
 * Multiply-accumulates of node n at the planned batch, as src/ir/ops.ts counts them: elementwise
 * ops one per output, data movement none.
 */
export function nodeMacs(n: u32): f64 {
  const op = nOpcode(n);
  if (op == OP.OP_RESHAPE || op == OP.OP_CONCAT || op == OP.OP_TRANSPOSE || op == OP.OP_PAD || op == OP.OP_DROPOUT || op == OP.OP_CHANNELSHUFFLE) return 0;
  const out = <f64>tSize(nOut(n, 0));
  if (op == OP.OP_GEMM) return out * <f64>tDim(nIn(n, 0), 1);
  if (op == OP.OP_MATMUL) { const a = nIn(n, 0); return out * <f64>tDim(a, tRank(a) - 1); }
  if (op == OP.OP_CONV) { const w = nIn(n, 1); return out * <f64>tSize(w) / <f64>tDim(w, 0); }
  if (op == OP.OP_MAXPOOL || op == OP.OP_AVERAGEPOOL) return out * <f64>(nAttrI(n, 0) * nAttrI(n, 1));
  if (op == OP.OP_GLOBALAVERAGEPOOL || op == OP.OP_GLOBALMAXPOOL) return <f64>tSize(nIn(n, 0));
  return out;
}

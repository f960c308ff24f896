// Runtime opcodes: mirror of `code` in src/ir/ops.ts (docs/FORMAT.md §4.1).
export const OP_GEMM: u32 = 1;
export const OP_MATMUL: u32 = 2;
export const OP_CONV: u32 = 3;
export const OP_MAXPOOL: u32 = 4;
export const OP_AVERAGEPOOL: u32 = 5;
export const OP_GLOBALAVERAGEPOOL: u32 = 6;
export const OP_GLOBALMAXPOOL: u32 = 7;
export const OP_CHANNELAFFINE: u32 = 8;
export const OP_RELU: u32 = 9;
export const OP_LEAKYRELU: u32 = 10;
export const OP_PRELU: u32 = 11;
export const OP_CLIP: u32 = 12;
export const OP_SIGMOID: u32 = 13;
export const OP_TANH: u32 = 14;
export const OP_HARDSIGMOID: u32 = 15;
export const OP_HARDSWISH: u32 = 16;
export const OP_SOFTMAX: u32 = 17;
export const OP_LOGSOFTMAX: u32 = 18;
export const OP_ADD: u32 = 19;
export const OP_SUB: u32 = 20;
export const OP_MUL: u32 = 21;
export const OP_DIV: u32 = 22;
export const OP_CONCAT: u32 = 23;
export const OP_RESHAPE: u32 = 24;
export const OP_TRANSPOSE: u32 = 25;
export const OP_PAD: u32 = 26;
export const OP_BATCHNORM: u32 = 27;
export const OP_DROPOUT: u32 = 28;
export const OP_BINARYSIGN: u32 = 29;
export const OP_QUANTIZELINEAR: u32 = 30;
export const OP_DEQUANTIZELINEAR: u32 = 31;
export const OP_CHANNELSHUFFLE: u32 = 32;
export const OP_LAST: u32 = 32;

/** Op name for messages (graph.ts say's %o): its UTF-8 entry in the list, ended by "|" or NUL. */
export function opName(code: u32): usize {
  return item("?|Gemm|MatMul|Conv|MaxPool|AveragePool|GlobalAveragePool|GlobalMaxPool|ChannelAffine|Relu|LeakyRelu|PRelu|Clip|Sigmoid|Tanh|HardSigmoid|HardSwish|Softmax|LogSoftmax|Add|Sub|Mul|Div|Concat|Reshape|Transpose|Pad|BatchNormalization|Dropout|BinarySign|QuantizeLinear|DequantizeLinear|ChannelShuffle",
    code <= OP_LAST ? code : 0);
}
/** Entry k of a "|"-separated list (a literal made UTF-8 by assembly/transform/utf8-templates.mjs). */
function item(list: usize, k: u32): usize {
  for (; k; list++) if (load<u8>(list) == 124) k--;
  return list;
}

/** Input count range and attribute count rule per opcode (docs/FORMAT.md §4.1).
 *  attrs < 0 means "at least -attrs - 1 plus a list": Transpose rank, Pad 2·rank. */
export function opMinIn(code: u32): i32 {
  return code == OP_BATCHNORM ? 5 : code == OP_GEMM || code == OP_QUANTIZELINEAR || code == OP_DEQUANTIZELINEAR || code == OP_CONV || code == OP_CHANNELAFFINE ? 3
    : code == OP_MATMUL || code == OP_PRELU || (code >= OP_ADD && code <= OP_DIV) ? 2 : 1;
}
export function opMaxIn(code: u32): i32 {
  return code == OP_CONCAT ? 64 : opMinIn(code);
}
/** Fixed attribute count, or -1 for ops with a list (Transpose, Pad) checked by prepare. */
export function opAttrs(code: u32): i32 {
  if (code == OP_GEMM) return 3;
  if (code == OP_CONV) return 14;
  if (code == OP_MAXPOOL) return 10;
  if (code == OP_QUANTIZELINEAR) return 3;
  if (code == OP_AVERAGEPOOL) return 11;
  if (code == OP_LEAKYRELU || code == OP_CONCAT || code == OP_DEQUANTIZELINEAR || code == OP_CHANNELSHUFFLE) return 1;
  if (code == OP_CLIP || code == OP_HARDSIGMOID || code == OP_SOFTMAX || code == OP_LOGSOFTMAX) return 2;
  if (code == OP_BATCHNORM || code == OP_DROPOUT) return 2;
  if (code == OP_TRANSPOSE || code == OP_PAD) return -1;
  return 0;
}

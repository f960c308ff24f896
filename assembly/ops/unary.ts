// Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSigmoid, HardSwish: y = f(x), same shape.
import { nIn, nOut, nOpcode, nAttrF, tData, tSize } from "../graph";
import { OP_RELU, OP_LEAKYRELU, OP_CLIP, OP_SIGMOID, OP_TANH, OP_HARDSIGMOID } from "./opcodes";
import { expectShape } from "./shape";
import { f32Vclamp, f32Vlrelu, f32Vhsigmoid, f32Vsigmoid, f32Vtanh } from "../kernels/f32-vunary";

export function prepareUnary(n: u32): bool {
  return expectShape(nOut(n, 0), nIn(n, 0));
}

export function runUnary(n: u32): void {
  const x = tData(nIn(n, 0)), y = tData(nOut(n, 0)), len = tSize(nIn(n, 0));
  const op = nOpcode(n);
  if (op == OP_RELU) f32Vclamp(x, y, len, 0, Infinity);
  else if (op == OP_LEAKYRELU) f32Vlrelu(x, y, len, nAttrF(n, 0));
  else if (op == OP_CLIP) f32Vclamp(x, y, len, nAttrF(n, 0), nAttrF(n, 1));
  else if (op == OP_SIGMOID) f32Vsigmoid(x, y, len);
  else if (op == OP_TANH) f32Vtanh(x, y, len);
  else if (op == OP_HARDSIGMOID) f32Vhsigmoid(x, y, len, nAttrF(n, 0), nAttrF(n, 1), false);
  else f32Vhsigmoid(x, y, len, 1.0 / 6.0, 0.5, true);
}

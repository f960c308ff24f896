// Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSigmoid, HardSwish: y = f(x), same shape.
import { nIn, nOut, nOpcode, nAttrF, tData, tSize } from "../graph";
import { OP_RELU, OP_LEAKYRELU, OP_CLIP, OP_SIGMOID, OP_TANH, OP_HARDSIGMOID } from "./opcodes";
import { expectShape } from "./shape";
import { f32_vclamp, f32_vlrelu, f32_vhsigmoid, f32_vsigmoid, f32_vtanh } from "../kernels/f32-vunary";

export function prepareUnary(n: u32): bool {
  return expectShape(nOut(n, 0), nIn(n, 0));
}

export function runUnary(n: u32): void {
  const x = tData(nIn(n, 0)), y = tData(nOut(n, 0)), len = tSize(nIn(n, 0));
  const op = nOpcode(n);
  if (op == OP_RELU) f32_vclamp(x, y, len, 0, Infinity);
  else if (op == OP_LEAKYRELU) f32_vlrelu(x, y, len, nAttrF(n, 0));
  else if (op == OP_CLIP) f32_vclamp(x, y, len, nAttrF(n, 0), nAttrF(n, 1));
  else if (op == OP_SIGMOID) f32_vsigmoid(x, y, len);
  else if (op == OP_TANH) f32_vtanh(x, y, len);
  else if (op == OP_HARDSIGMOID) f32_vhsigmoid(x, y, len, nAttrF(n, 0), nAttrF(n, 1), false);
  else f32_vhsigmoid(x, y, len, 1.0 / 6.0, 0.5, true);
}

// Activation backward, dX += dY·f′: Relu, LeakyRelu, Clip, HardSigmoid, HardSwish from X;
// Sigmoid (y(1−y)) and Tanh (1−y²) from Y. Elementwise and cheap next to the GEMMs: scalar.
import { nIn, nOut, nOpcode, nAttrF, tData, tSize } from "../graph";
import { OP_RELU, OP_LEAKYRELU, OP_CLIP, OP_SIGMOID, OP_TANH, OP_HARDSIGMOID } from "../ops/opcodes";
import { gradPtr, wantGrad } from "./state";

export function gradUnary(n: u32): void {
  const xt = nIn(n, 0), yt = nOut(n, 0);
  if (!wantGrad(xt)) return;
  const x = tData(xt), y = tData(yt), dy = gradPtr(yt), dx = gradPtr(xt), len = tSize(xt);
  const op = nOpcode(n);
  const a = op == OP_LEAKYRELU || op == OP_CLIP || op == OP_HARDSIGMOID ? nAttrF(n, 0) : <f32>1 / 6;
  const b = op == OP_CLIP || op == OP_HARDSIGMOID ? nAttrF(n, 1) : <f32>0.5;
  for (let i = 0; i < len; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(x + o), g = load<f32>(dy + o);
    let d: f32;
    if (op == OP_RELU) d = v > 0 ? g : 0;
    else if (op == OP_LEAKYRELU) d = v < 0 ? g * a : g;
    else if (op == OP_CLIP) d = v >= a && v <= b ? g : 0;
    else if (op == OP_SIGMOID) { const s = load<f32>(y + o); d = g * s * (1 - s); }
    else if (op == OP_TANH) { const t = load<f32>(y + o); d = g * (1 - t * t); }
    else {
      const h = v * a + b, inside = h > 0 && h < 1;
      if (op == OP_HARDSIGMOID) d = inside ? g * a : 0;
      else d = g * (inside ? h + v * a : h >= 1 ? 1 : 0); // HardSwish: x·hsig(x)
    }
    store<f32>(dx + o, load<f32>(dx + o) + d);
  }
}

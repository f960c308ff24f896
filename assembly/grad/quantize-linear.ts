// QuantizeLinear / DequantizeLinear backward (docs/FORMAT.md §4.1), straight-through:
// Q: dX += dY/scale where qmin ≤ x/scale + zeroPoint ≤ qmax, else 0 (the clipped STE of
// quantization-aware training: rounding passes the gradient, clamping stops it);
// DQ: dX += dY·scale. scale and zeroPoint get no gradient (the trainer keeps them fixed).
// Elementwise: scalar.
import { nIn, nOut, nOpcode, nAttrI, tData } from "../graph";
import { OP_QUANTIZELINEAR } from "../ops/opcodes";
import { quantSetup, quantRuns, quantLen, quantScale, quantZero } from "../ops/quantize-linear";
import { gradPtr, wantGrad } from "./state";

export function gradQuantizeLinear(n: u32): void {
  const xt = nIn(n, 0);
  if (!wantGrad(xt)) return;
  quantSetup(n);
  const x = tData(xt), dy = gradPtr(nOut(n, 0)), dx = gradPtr(xt);
  const q = nOpcode(n) == OP_QUANTIZELINEAR, lo = <f32>nAttrI(n, 1), hi = <f32>nAttrI(n, 2);
  let o: usize = 0;
  for (let j = 0; j < quantRuns; j++) {
    const s = quantScale(j), z = quantZero(j);
    for (let i = 0; i < quantLen; i++, o += 4) {
      const v = load<f32>(x + o) / s + z;
      if (!q) store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * s);
      else if (v >= lo && v <= hi) store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) / s);
    }
  }
}

// QuantizeLinear / DequantizeLinear backward (docs/FORMAT.md §4.1), straight-through:
// Q: dX += dY/scale where qmin ≤ x/scale + zeroPoint ≤ qmax, else 0 (the clipped STE of
// quantization-aware training: rounding passes the gradient, clamping stops it);
// DQ: dX += dY·scale. scale and zeroPoint get no gradient (the trainer keeps them fixed).
// Elementwise: scalar.
import { nIn, nOut, nOpcode, nAttrI, tData } from "../graph";
import { OP_QUANTIZELINEAR } from "../ops/opcodes";
import { quantRuns } from "../ops/quantize-linear";
import { gradPtr, wantGrad } from "./state";

// Bases of the node being differentiated (a closure may not capture locals).
let bx: usize = 0, bdy: usize = 0, bdx: usize = 0, lo: f32 = 0, hi: f32 = 0;

export function gradQuantizeLinear(n: u32): void {
  const xt = nIn(n, 0);
  if (!wantGrad(xt)) return;
  bx = tData(xt); bdy = gradPtr(nOut(n, 0)); bdx = gradPtr(xt);
  if (nOpcode(n) == OP_QUANTIZELINEAR) {
    lo = <f32>nAttrI(n, 1); hi = <f32>nAttrI(n, 2);
    quantRuns(n, 0, 0, (o: usize, _y: usize, len: i32, s: f32, z: f32): void => {
      for (let i = 0; i < len; i++, o += 4) {
        const v = load<f32>(bx + o) / s + z;
        if (v >= lo && v <= hi) store<f32>(bdx + o, load<f32>(bdx + o) + load<f32>(bdy + o) / s);
      }
    });
  } else {
    quantRuns(n, 0, 0, (o: usize, _y: usize, len: i32, s: f32, _z: f32): void => {
      for (let i = 0; i < len; i++, o += 4) store<f32>(bdx + o, load<f32>(bdx + o) + load<f32>(bdy + o) * s);
    });
  }
}

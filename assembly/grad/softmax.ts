// Softmax backward dX += Y ⊙ (dY − Σ dY⊙Y); LogSoftmax dX += dY − e^Y · Σ dY, per softmax column
// (same axis/toEnd layout as assembly/ops/softmax.ts).
import { nIn, nOut, nOpcode, nAttrI, tData, tRank, tDim } from "../graph";
import { OP_LOGSOFTMAX } from "../ops/opcodes";
import { dimProd, normAxis } from "../ops/shape";
import { gradPtr, wantGrad } from "./state";

export function gradSoftmax(n: u32): void {
  const x = nIn(n, 0), r = tRank(x);
  if (!wantGrad(x)) return;
  const axis = normAxis(nAttrI(n, 0), r);
  const outer = dimProd(x, 0, axis);
  const len = nAttrI(n, 1) ? dimProd(x, axis, r) : tDim(x, axis);
  const inner = nAttrI(n, 1) ? 1 : dimProd(x, axis + 1, r);
  const y = tData(nOut(n, 0)), dy = gradPtr(nOut(n, 0)), dx = gradPtr(x), log = nOpcode(n) == OP_LOGSOFTMAX;
  for (let o = 0; o < outer; o++) {
    for (let c = 0; c < inner; c++) {
      const base = o * len * inner + c;
      let s: f32 = 0;
      for (let k = 0; k < len; k++) {
        const p = <usize>(base + k * inner) << 2;
        s += log ? load<f32>(dy + p) : load<f32>(dy + p) * load<f32>(y + p);
      }
      for (let k = 0; k < len; k++) {
        const p = <usize>(base + k * inner) << 2;
        const g = load<f32>(dy + p), v = load<f32>(y + p);
        store<f32>(dx + p, load<f32>(dx + p) + (log ? g - Mathf.exp(v) * s : v * (g - s)));
      }
    }
  }
}

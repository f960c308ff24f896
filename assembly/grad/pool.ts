// MaxPool / AveragePool backward (docs/TRAINER.md), accumulating into dX. Attributes as
// ops/pool.ts (kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight, countIncludePad);
// output dims are the tensor table's (ceil_mode already applied). MaxPool routes dY to the
// first maximum of each window, recomputed from X (the forward's tie order); AveragePool
// spreads dY with the forward's divisor. Kernels: kernels/f32-pool-grad.ts.
import { nIn, nOut, nAttrI, tData, tDim } from "../graph";
import { gradPtr, wantGrad } from "./state";
import { f32MaxPoolGrad, f32AvgPoolGrad } from "../kernels/f32-pool-grad";

export function prepareGradMaxPool(n: u32): bool { return true; }
export function prepareGradAveragePool(n: u32): bool { return true; }

export function gradMaxPool(n: u32): void {
  const x = nIn(n, 0), y = nOut(n, 0);
  if (!wantGrad(x)) return;
  f32MaxPoolGrad(tDim(x, 0) * tDim(x, 1), tDim(x, 2), tDim(x, 3), tDim(y, 2), tDim(y, 3),
    nAttrI(n, 0), nAttrI(n, 1), nAttrI(n, 2), nAttrI(n, 3), nAttrI(n, 4), nAttrI(n, 5), nAttrI(n, 6), nAttrI(n, 7),
    tData(x), gradPtr(y), gradPtr(x));
}

export function gradAveragePool(n: u32): void {
  const x = nIn(n, 0), y = nOut(n, 0);
  if (!wantGrad(x)) return;
  f32AvgPoolGrad(tDim(x, 0) * tDim(x, 1), tDim(x, 2), tDim(x, 3), tDim(y, 2), tDim(y, 3),
    nAttrI(n, 0), nAttrI(n, 1), nAttrI(n, 2), nAttrI(n, 3), nAttrI(n, 4), nAttrI(n, 5), nAttrI(n, 6), nAttrI(n, 7),
    nAttrI(n, 8), nAttrI(n, 9), nAttrI(n, 10), gradPtr(y), gradPtr(x));
}

// Backward of the data-movement ops: Reshape (and Dropout in inference mode) add dY to dX,
// Concat hands each input its slabs, Transpose and Pad add each dY element into the X element
// the forward read (Pad's reflect/edge/wrap borders sum into the elements they copied).
import { nIn, nInCount, nOut, nAttrI, tRank, tDim, tSize } from "../graph";
import { dimProd, normAxis } from "../ops/shape";
import { gradPtr, wantGrad } from "./state";
import { addTo } from "./act";
import { sourceIndex } from "../ops/pad";

export function gradReshape(n: u32): void {
  const x = nIn(n, 0);
  if (wantGrad(x)) addTo(gradPtr(x), gradPtr(nOut(n, 0)), tSize(x));
}

export function gradConcat(n: u32): void {
  const y = nOut(n, 0), r = tRank(y);
  const axis = normAxis(nAttrI(n, 0), r);
  const outer = dimProd(y, 0, axis), inner = dimProd(y, axis + 1, r);
  const ySlab = tDim(y, axis) * inner;
  let at = gradPtr(y);
  for (let j = 0; j < nInCount(n); j++) {
    const x = nIn(n, j), slab = tDim(x, axis) * inner, gx = gradPtr(x);
    if (wantGrad(x)) for (let o = 0; o < outer; o++) addTo(gx + (<usize>(o * slab) << 2), at + (<usize>(o * ySlab) << 2), slab);
    at += <usize>slab << 2;
  }
}

const IST = memory.data(24); // input element stride of each input axis

export function gradTranspose(n: u32): void {
  const x = nIn(n, 0), y = nOut(n, 0), r = tRank(x);
  if (!wantGrad(x)) return;
  let s = 1;
  for (let a = r - 1; a >= 0; a--) { store<i32>(IST + (<usize>a << 2), s); s *= tDim(x, a); }
  const gx = gradPtr(x), gy = gradPtr(y), total = tSize(y);
  for (let e = 0; e < total; e++) {
    let rest = e, o = 0;
    for (let i = r - 1; i >= 0; i--) {
      const d = tDim(y, i);
      o += (rest % d) * load<i32>(IST + (<usize>nAttrI(n, i) << 2));
      rest /= d;
    }
    const p = gx + (<usize>o << 2);
    store<f32>(p, load<f32>(p) + load<f32>(gy + (<usize>e << 2)));
  }
}

export function gradPad(n: u32): void {
  const x = nIn(n, 0), y = nOut(n, 0), r = tRank(x), mode = nAttrI(n, 0);
  if (!wantGrad(x)) return;
  const gx = gradPtr(x), gy = gradPtr(y), total = tSize(y);
  for (let e = 0; e < total; e++) {
    const src = sourceIndex(n, x, y, e, r - 1, 1, mode);
    if (src < 0) continue;
    const p = gx + (<usize>src << 2);
    store<f32>(p, load<f32>(p) + load<f32>(gy + (<usize>e << 2)));
  }
}

// ChannelAffine backward (dX += dY·scale[c], dscale[c] += Σ dY·X, dshift[c] += Σ dY) and the
// global pools (average: dY/len to every element; max: dY to the first maximum, as recomputed).
import { nIn, nOut, nOpcode, tData, tRank, tDim, tSize } from "../graph";
import { OP_GLOBALMAXPOOL } from "../ops/opcodes";
import { dimProd } from "../ops/shape";
import { f32Rmax } from "../kernels/f32-reduce";
import { gradPtr, wantGrad } from "./state";

export function gradChannelAffine(n: u32): void {
  const x = nIn(n, 0), r = tRank(x);
  const batch = tDim(x, 0), c = tDim(x, 1), inner = dimProd(x, 2, r);
  const px = tData(x), s = tData(nIn(n, 1)), dy = gradPtr(nOut(n, 0));
  const gx = wantGrad(x) ? gradPtr(x) : 0, gs = wantGrad(nIn(n, 1)) ? gradPtr(nIn(n, 1)) : 0;
  const gb = wantGrad(nIn(n, 2)) ? gradPtr(nIn(n, 2)) : 0;
  for (let i = 0; i < batch; i++) {
    for (let ch = 0; ch < c; ch++) {
      const k = load<f32>(s + (<usize>ch << 2)), base = (i * c + ch) * inner;
      let sx: f32 = 0, sd: f32 = 0;
      for (let j = 0; j < inner; j++) {
        const p = <usize>(base + j) << 2, g = load<f32>(dy + p);
        sd += g;
        sx += g * load<f32>(px + p);
        if (gx) store<f32>(gx + p, load<f32>(gx + p) + g * k);
      }
      if (gs) store<f32>(gs + (<usize>ch << 2), load<f32>(gs + (<usize>ch << 2)) + sx);
      if (gb) store<f32>(gb + (<usize>ch << 2), load<f32>(gb + (<usize>ch << 2)) + sd);
    }
  }
}

export function gradGlobalPool(n: u32): void {
  const x = nIn(n, 0);
  if (!wantGrad(x)) return;
  const rows = tSize(nOut(n, 0)), len = dimProd(x, 2, tRank(x));
  const px = tData(x), dy = gradPtr(nOut(n, 0)), dx = gradPtr(x), isMax = nOpcode(n) == OP_GLOBALMAXPOOL;
  const inv = <f32>1 / <f32>len;
  for (let i = 0; i < rows; i++) {
    const g = load<f32>(dy + (<usize>i << 2)), row = <usize>i * <usize>len << 2;
    if (isMax) {
      const m = f32Rmax(px + row, len);
      let j = 0;
      while (j < len - 1 && load<f32>(px + row + (<usize>j << 2)) != m) j++;
      const p = dx + row + (<usize>j << 2);
      store<f32>(p, load<f32>(p) + g);
    } else {
      const d = g * inv;
      for (let j = 0; j < len; j++) {
        const p = dx + row + (<usize>j << 2);
        store<f32>(p, load<f32>(p) + d);
      }
    }
  }
}

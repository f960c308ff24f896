// ChannelAffine: y = x·scale[c] + shift[c] on X[N,C,…] (a BatchNormalization not folded).
import { nIn, nOut, tData, tRank, tDim, tSize, fail } from "../graph";
import { expectShape, dimProd } from "./shape";
import { f32Vmulcaddc } from "../kernels/f32-vmulcaddc";

export function prepareChannelAffine(n: u32): bool {
  const x = nIn(n, 0);
  if (tRank(x) < 2) return fail("X %t needs rank ≥ 2 ([N,C,…])", x);
  const c = tDim(x, 1);
  for (let i = 1; i < 3; i++) {
    const p = nIn(n, i);
    if (tSize(p) != c) return fail(i == 1 ? "scale %t does not have C = %d elements" : "shift %t does not have C = %d elements", p, c);
  }
  return expectShape(nOut(n, 0), x, true);
}

export function runChannelAffine(n: u32): void {
  const x = nIn(n, 0), r = tRank(x);
  const batch = tDim(x, 0), c = tDim(x, 1), inner = dimProd(x, 2, r);
  const px = tData(x), py = tData(nOut(n, 0)), s = tData(nIn(n, 1)), b = tData(nIn(n, 2));
  const step = <usize>c * <usize>inner << 2;
  for (let i = 0; i < batch; i++) f32Vmulcaddc(px + <usize>i * step, py + <usize>i * step, c, inner, s, b);
}

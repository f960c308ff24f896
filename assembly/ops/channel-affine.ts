// ChannelAffine: y = x·scale[c] + shift[c] on X[N,C,…] (a BatchNormalization not folded).
import { nIn, nOut, tData, tRank, tDim, tSize, fail } from "../graph";
import { expectShape, shapeStr, dimProd } from "./shape";
import { f32_vmulcaddc } from "../kernels/f32-vmulcaddc";

export function prepareChannelAffine(n: u32): bool {
  const x = nIn(n, 0);
  if (tRank(x) < 2) return fail("X " + shapeStr(x) + " needs rank ≥ 2 ([N,C,…])");
  const c = tDim(x, 1);
  for (let i = 1; i < 3; i++) {
    const p = nIn(n, i);
    if (tSize(p) != c) return fail((i == 1 ? "scale " : "shift ") + shapeStr(p) + " does not have C = " + c.toString() + " elements");
  }
  return expectShape(nOut(n, 0), x, "X");
}

export function runChannelAffine(n: u32): void {
  const x = nIn(n, 0), r = tRank(x);
  const batch = tDim(x, 0), c = tDim(x, 1), inner = dimProd(x, 2, r);
  const px = tData(x), py = tData(nOut(n, 0)), s = tData(nIn(n, 1)), b = tData(nIn(n, 2));
  const step = <usize>c * <usize>inner << 2;
  for (let i = 0; i < batch; i++) f32_vmulcaddc(px + <usize>i * step, py + <usize>i * step, c, inner, s, b);
}

// BatchNormalization at inference: y = (x − mean[c])·scale[c]/√(var[c] + ε) + bias[c] on X[N,C,…],
// from the running statistics (the trainer's training mode is in assembly/grad/batchnorm.ts).
// Usually folded into ChannelAffine by src/passes/fold.ts; this op runs an unfolded file.
import { nIn, nOut, nAttrF, tData, tRank, tDim, needScratch, scratch, fail } from "../graph";
import { expectShape, dimProd } from "./shape";
import { f32Vmulcaddc } from "../kernels/f32-vmulcaddc";

export function prepareBatchNorm(n: u32): bool {
  const x = nIn(n, 0);
  if (tRank(x) < 2) return fail("X %t needs rank ≥ 2 ([N,C,…])", x);
  const c = tDim(x, 1);
  for (let i = 1; i < 5; i++) {
    const p = nIn(n, i);
    if (tRank(p) != 1 || tDim(p, 0) != c) return fail("input %d is %t but needs [C] = [%d]", i, p, c);
  }
  needScratch(<usize>c << 3);
  return expectShape(nOut(n, 0), x, true);
}

/** Per-channel scale and shift of the running statistics into s[0..C) and s[C..2C). */
export function bnAffine(n: u32, c: i32, s: usize): void {
  const g = tData(nIn(n, 1)), b = tData(nIn(n, 2)), m = tData(nIn(n, 3)), v = tData(nIn(n, 4));
  const eps = nAttrF(n, 0);
  for (let i = 0; i < c; i++) {
    const o = <usize>i << 2;
    const k = load<f32>(g + o) / Mathf.sqrt(load<f32>(v + o) + eps);
    store<f32>(s + o, k);
    store<f32>(s + (<usize>c << 2) + o, load<f32>(b + o) - load<f32>(m + o) * k);
  }
}

export function runBatchNorm(n: u32): void {
  const x = nIn(n, 0), r = tRank(x);
  const batch = tDim(x, 0), c = tDim(x, 1), inner = dimProd(x, 2, r);
  const s = scratch();
  bnAffine(n, c, s);
  const px = tData(x), py = tData(nOut(n, 0)), step = <usize>c * <usize>inner << 2;
  for (let i = 0; i < batch; i++) f32Vmulcaddc(px + <usize>i * step, py + <usize>i * step, c, inner, s, s + (<usize>c << 2));
}

// BinarySign (BNN activation, docs/FORMAT.md §4.1): y = −1 where x < 0, else +1. "x < 0" rather
// than the sign bit, so −0 and NaN give +1 exactly as kernels/x1-pack.ts packs them. Same-shape
// check: prepareUnary (the dispatch default).
import { nIn, nOut, tData, tSize } from "../graph";

export function runBinarySign(n: u32): void {
  const x = tData(nIn(n, 0)), y = tData(nOut(n, 0)), len = tSize(nIn(n, 0));
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1), minus = f32x4.splat(-1), zero = f32x4.splat(0);
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, v128.bitselect(minus, one, f32x4.lt(v128.load(x + o), zero)));
    }
  }
  for (; i < len; i++) store<f32>(y + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) < 0 ? -1 : 1);
}

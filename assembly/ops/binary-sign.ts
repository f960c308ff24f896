// BinarySign (BNN activation, docs/FORMAT.md §4.1): y = −1 where x < 0, else +1. "x < 0" rather
// than the sign bit, so −0 and NaN give +1 exactly as kernels/x1-pack.ts packs them. Same-shape
// check: prepareUnary (the dispatch default). Scalar: an elementwise pass is noise next to the
// GEMMs around it, and the runtime's size budget counts every byte.
import { nIn, nOut, tData, tSize } from "../graph";

export function runBinarySign(n: u32): void {
  const x = tData(nIn(n, 0)), y = tData(nOut(n, 0)), len = tSize(nIn(n, 0));
  for (let i = 0; i < len; i++) store<f32>(y + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) < 0 ? -1 : 1);
}

// MaxPool / AveragePool (2-D, NCHW). attrs: kh, kw, sh, sw, dh, dw, padTop, padLeft,
// padBottom, padRight (+ countIncludePad for AveragePool). The output dims are the tensor
// table's and must be the floor sizes (ceil_mode is imported as extra right pads).
import { nIn, nOut, nAttrI, tData, tRank, tDim, fail } from "../graph";
import { f32MaxPool, f32AvgPool } from "../kernels/f32-pool";

// Output size, floor rule (docs/FORMAT.md §4 check 11, src/ir/ops.ts windowOut): the importer
// turns ceil_mode into extra right pads, so a file's pooled sizes are always the floor ones.
function poolDim(size: i32, padA: i32, padB: i32, k: i32, s: i32, d: i32): i32 {
  return (size + padA + padB - (k - 1) * d - 1) / s + 1;
}

function preparePool(n: u32): bool {
  const x = nIn(n, 0), y = nOut(n, 0);
  if (tRank(x) != 4) return fail("X is %t but must be [N,C,H,W]", x);
  const h = tDim(x, 2), w = tDim(x, 3);
  const kh = nAttrI(n, 0), kw = nAttrI(n, 1), sh = nAttrI(n, 2), sw = nAttrI(n, 3), dh = nAttrI(n, 4), dw = nAttrI(n, 5);
  const pt = nAttrI(n, 6), pl = nAttrI(n, 7), pb = nAttrI(n, 8), pr = nAttrI(n, 9);
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1) return fail("kernel, strides and dilations must be ≥ 1");
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0) return fail("pads must be ≥ 0");
  if (h + pt + pb < (kh - 1) * dh + 1 || w + pl + pr < (kw - 1) * dw + 1) return fail("the window is larger than the padded input %t", x);
  if (tRank(y) != 4 || tDim(y, 0) != tDim(x, 0) || tDim(y, 1) != tDim(x, 1)) return fail("Y is %t but X is %t: N and C must match", y, x);
  const oh = tDim(y, 2), ow = tDim(y, 3);
  const fh = poolDim(h, pt, pb, kh, sh, dh), fw = poolDim(w, pl, pr, kw, sw, dw);
  if (oh != fh || ow != fw) return fail("Y is %t but pooling X %t gives %d×%d", y, x, fh, fw);
  return true;
}

export function prepareMaxPool(n: u32): bool { return preparePool(n); }

export function prepareAveragePool(n: u32): bool {
  const inc = nAttrI(n, 10);
  return preparePool(n) && (inc == 0 || inc == 1 || fail("countIncludePad is %i, not 0 or 1", inc));
}

export function runMaxPool(n: u32): void {
  const x = nIn(n, 0), y = nOut(n, 0);
  f32MaxPool(tDim(x, 0) * tDim(x, 1), tDim(x, 2), tDim(x, 3), tDim(y, 2), tDim(y, 3),
    nAttrI(n, 0), nAttrI(n, 1), nAttrI(n, 2), nAttrI(n, 3), nAttrI(n, 4), nAttrI(n, 5), nAttrI(n, 6), nAttrI(n, 7),
    tData(x), tData(y));
}

export function runAveragePool(n: u32): void {
  const x = nIn(n, 0), y = nOut(n, 0);
  f32AvgPool(tDim(x, 0) * tDim(x, 1), tDim(x, 2), tDim(x, 3), tDim(y, 2), tDim(y, 3),
    nAttrI(n, 0), nAttrI(n, 1), nAttrI(n, 2), nAttrI(n, 3), nAttrI(n, 4), nAttrI(n, 5), nAttrI(n, 6), nAttrI(n, 7),
    nAttrI(n, 8), nAttrI(n, 9), nAttrI(n, 10), tData(x), tData(y));
}

// Transpose (rank ≤ 6): output axis i is input axis perm[i]. Size-1 axes are dropped and runs
// of output axes that stay adjacent in the input are merged, so an inner run that stays
// contiguous is one memory.copy per row.
import { nIn, nOut, nAttrI, tData, tRank, tDim, tSize, fail } from "../graph";

const DIM = memory.data(24);  // merged output axis sizes
const STR = memory.data(24);  // input element stride of each merged axis
const IST = memory.data(24);  // input element stride of each input axis

export function prepareTranspose(n: u32): bool {
  const x = nIn(n, 0), y = nOut(n, 0), r = tRank(x);
  let seen = 0;
  for (let i = 0; i < r; i++) {
    const p = nAttrI(n, i);
    if (p < 0 || p >= r || (seen & (1 << p))) return fail("perm is not a permutation of 0..%d (entry %d is %i)", r - 1, i, p);
    seen |= 1 << p;
  }
  let ok = tRank(y) == r;
  for (let i = 0; ok && i < r; i++) ok = tDim(y, i) == tDim(x, nAttrI(n, i));
  return ok || fail("output %t is not input %t permuted", y, x);
}

export function runTranspose(n: u32): void {
  const x = nIn(n, 0), y = nOut(n, 0), r = tRank(x);
  let s = 1;
  for (let a = r - 1; a >= 0; a--) { store<i32>(IST + (<usize>a << 2), s); s *= tDim(x, a); }
  let k = 0, prev = -2;
  for (let i = 0; i < r; i++) {
    const p = nAttrI(n, i), d = tDim(x, p);
    if (d == 1) continue;
    if (p == prev + 1) store<i32>(DIM + (<usize>(k - 1) << 2), load<i32>(DIM + (<usize>(k - 1) << 2)) * d);
    else { store<i32>(DIM + (<usize>k << 2), d); k++; }
    store<i32>(STR + (<usize>(k - 1) << 2), load<i32>(IST + (<usize>p << 2)));
    prev = p;
  }
  const px = tData(x), py = tData(y);
  if (k == 0) { store<f32>(py, load<f32>(px)); return; }
  const len = load<i32>(DIM + (<usize>(k - 1) << 2)), inner = load<i32>(STR + (<usize>(k - 1) << 2));
  const rows = tSize(y) / len;
  for (let row = 0; row < rows; row++) {
    let rest = row, o = 0;
    for (let j = k - 2; j >= 0; j--) {
      const d = load<i32>(DIM + (<usize>j << 2));
      o += (rest % d) * load<i32>(STR + (<usize>j << 2));
      rest /= d;
    }
    const src = px + (<usize>o << 2), dst = py + (<usize>(row * len) << 2);
    if (inner == 1) memory.copy(dst, src, <usize>len << 2);
    else for (let i = 0; i < len; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>(i * inner) << 2)));
  }
}

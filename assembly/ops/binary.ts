// Add, Sub, Mul, Div, PRelu with numpy broadcasting (rank ≤ 6). Axes of size 1 are dropped and
// neighbours broadcast the same way are merged, so same-shape, scalar and per-channel operands
// all become a few long rows of the f32-vbinary kernel.
import { nIn, nOut, nOpcode, tData, tRank, tDim, tSize, fail } from "../graph";
import { OP_PRELU, OP_ADD } from "./opcodes";
import { expectShape } from "./shape";
import { f32Vbinary } from "../kernels/f32-vbinary";

const DIM = memory.data(24);  // merged axis sizes
const SA = memory.data(24);   // element strides of A per merged axis (0: broadcast)
const SB = memory.data(24);

/** Dim of t on output axis i of an output of rank r (1 where t has no such axis). */
// @ts-ignore: decorator
@inline function dimAt(t: u32, i: i32, r: i32): i32 {
  const k = i - (r - tRank(t));
  return k < 0 ? 1 : tDim(t, k);
}

export function prepareBinary(n: u32): bool {
  const a = nIn(n, 0), b = nIn(n, 1), y = nOut(n, 0);
  if (nOpcode(n) == OP_PRELU) {
    if (tRank(b) > tRank(a)) return fail("slope %t has a higher rank than X %t", b, a);
    for (let i = 0; i < tRank(a); i++) {
      const d = dimAt(b, i, tRank(a));
      if (d != 1 && d != tDim(a, i)) return fail("slope %t does not broadcast to X %t", b, a);
    }
    return expectShape(y, a, true);
  }
  const r = max(tRank(a), tRank(b));
  if (tRank(y) != r) return fail("output rank %d is not the broadcast rank %d of %t and %t", tRank(y), r, a, b);
  for (let i = 0; i < r; i++) {
    const da = dimAt(a, i, r), db = dimAt(b, i, r);
    if (da != db && da != 1 && db != 1) return fail("shapes %t and %t do not broadcast (axis %d)", a, b, i);
    if (tDim(y, i) != max(da, db)) return fail("output shape %t is not the broadcast of %t and %t", y, a, b);
  }
  return true;
}

export function runBinary(n: u32): void {
  const a = nIn(n, 0), b = nIn(n, 1), y = nOut(n, 0);
  const op = <i32>(nOpcode(n) == OP_PRELU ? 4 : nOpcode(n) - OP_ADD);
  const r = tRank(y);
  // merge axes (outermost first) into k groups with the same (A varies, B varies) pattern
  let k = 0, prev = -1;
  for (let i = 0; i < r; i++) {
    const d = tDim(y, i);
    if (d == 1) continue;
    const pat = (dimAt(a, i, r) == d ? 1 : 0) | (dimAt(b, i, r) == d ? 2 : 0);
    if (pat == prev) store<i32>(DIM + (<usize>(k - 1) << 2), load<i32>(DIM + (<usize>(k - 1) << 2)) * d);
    else { store<i32>(DIM + (<usize>k << 2), d); store<i32>(SA + (<usize>k << 2), pat & 1); store<i32>(SB + (<usize>k << 2), pat >> 1); k++; prev = pat; }
  }
  // flags → element strides, innermost first
  let ca = 1, cb = 1;
  for (let j = k - 1; j >= 0; j--) {
    const d = load<i32>(DIM + (<usize>j << 2));
    if (load<i32>(SA + (<usize>j << 2))) { store<i32>(SA + (<usize>j << 2), ca); ca *= d; }
    if (load<i32>(SB + (<usize>j << 2))) { store<i32>(SB + (<usize>j << 2), cb); cb *= d; }
  }
  const pa = tData(a), pb = tData(b), py = tData(y);
  if (k == 0) { f32Vbinary(op, pa, 0, pb, 0, py, 1); return; }
  const len = load<i32>(DIM + (<usize>(k - 1) << 2));
  const ia = load<i32>(SA + (<usize>(k - 1) << 2)), ib = load<i32>(SB + (<usize>(k - 1) << 2));
  const rows = tSize(y) / len;
  for (let row = 0; row < rows; row++) {
    let rest = row, oa = 0, ob = 0;
    for (let j = k - 2; j >= 0; j--) {
      const d = load<i32>(DIM + (<usize>j << 2));
      const q = rest % d;
      rest /= d;
      oa += q * load<i32>(SA + (<usize>j << 2));
      ob += q * load<i32>(SB + (<usize>j << 2));
    }
    f32Vbinary(op, pa + (<usize>oa << 2), ia, pb + (<usize>ob << 2), ib, py + (<usize>(row * len) << 2), len);
  }
}

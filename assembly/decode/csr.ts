// Load-time decoding of csr rows (docs/FORMAT.md §3.2, and §3.3–3.5 for codebook values), once
// format/reader.ts has checked nnz, byteLength, rowEnd and the padding: one walk of the gaps
// checks every column and writes either dense f32 (zeroed first) or the sparse form the
// kernels read (docs/RUNTIME.md):
//   head  usize[8]  rowPtr, cols, vals, kept, lut, lutStride, 0, 0
//   rowPtr u32[rows + 1]  entry index of each row's start (absolute, so a row range is a slice)
//   cols   u32[kept]      column of each entry
//   vals   f32[kept]      its value, or u8[kept] codebook indices when lut ≠ 0: the value is
//                         f32 lut[row · lutStride / 4 + index] (lutStride 0: one codebook)
// Entries whose value is 0 (fillers among them) are dropped from the sparse form.
// A dense codebook tensor kept as indices has the same head with rowPtr = 0 and vals = u8[elements].

export const HEAD: usize = 32;

/** Column of the first out-of-range entry (for the reader's message). */
export let csrBadColumn: u32 = 0;

/** Value of entry j of row r: f32 vals[j], or the centroid of index idx[j]. */
// @ts-ignore: decorator
@inline export function entryValue(vals: usize, idx: usize, lut: usize, stride: u32, r: u32, j: u32): f32 {
  return idx ? load<f32>(lut + <usize>r * stride + (<usize>load<u8>(idx + j) << 2)) : load<f32>(vals + (<usize>j << 2));
}

/** Entries ≠ 0 among the rows ending at rowEnd[r] (values as entryValue). */
export function csrKept(rowEnd: usize, rows: u32, vals: usize, idx: usize, lut: usize, stride: u32): u32 {
  let k: u32 = 0, j: u32 = 0;
  for (let r: u32 = 0; r < rows; r++) {
    for (const end = load<u32>(rowEnd + (<usize>r << 2)); j < end; j++) if (entryValue(vals, idx, lut, stride, r, j) != 0) k++;
  }
  return k;
}

/**
 * Walks the rows (rowEnd table, gaps packed b bits LSB-first) into `dense` (when ≠ 0) or the
 * sparse block `sp` (head + tables sized for head.kept; u8 indices when keepIdx). Returns -1, or
 * the first entry whose column is ≥ cols (its column in csrBadColumn).
 */
export function csrDecode(rowEnd: usize, rows: u32, cols: u32, gaps: usize, b: u32, vals: usize, idx: usize, lut: usize, stride: u32,
  keepIdx: bool, dense: usize, sp: usize): i32 {
  const rowPtr = sp + HEAD, colOut = rowPtr + (<usize>(rows + 1) << 2);
  const valOut = colOut + (<usize>load<u32>(sp, 12) << 2);
  if (!dense) {
    store<usize>(sp, rowPtr); store<usize>(sp, colOut, 4); store<usize>(sp, valOut, 8);
    store<usize>(sp, keepIdx ? lut : 0, 16); store<u32>(sp, stride, 20); store<u32>(rowPtr, 0);
  }
  const mask: u32 = (1 << b) - 1;
  let acc: u32 = 0, have: u32 = 0, g = gaps, j: u32 = 0, k: u32 = 0;
  for (let r: u32 = 0; r < rows; r++) {
    const end = load<u32>(rowEnd + (<usize>r << 2));
    for (let c: i32 = -1; j < end; j++) {
      while (have < b) { acc |= <u32>load<u8>(g++) << have; have += 8; }
      c += 1 + <i32>(acc & mask);
      acc >>>= b; have -= b;
      if (<u32>c >= cols) { csrBadColumn = c; return <i32>j; }
      const v = entryValue(vals, idx, lut, stride, r, j);
      if (dense) store<f32>(dense + (<usize>(r * cols + c) << 2), v);
      else if (v != 0) {
        store<u32>(colOut + (<usize>k << 2), c);
        if (keepIdx) store<u8>(valOut + k, load<u8>(idx + j));
        else store<f32>(valOut + (<usize>k << 2), v);
        k++;
      }
    }
    if (!dense) store<u32>(rowPtr + (<usize>(r + 1) << 2), k);
  }
  return -1;
}

/** Unpacks n values of `bits` each (LSB-first) at p into bytes at out. */
export function unpackBits(p: usize, n: u32, bits: u32, out: usize): void {
  const mask: u32 = (1 << bits) - 1;
  let acc: u32 = 0, have: u32 = 0;
  for (let j: u32 = 0; j < n; j++) {
    while (have < bits) { acc |= <u32>load<u8>(p++) << have; have += 8; }
    store<u8>(out + j, <u8>(acc & mask));
    acc >>>= bits; have -= bits;
  }
}

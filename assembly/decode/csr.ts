// Load-time decoding of encoding 3, csr (docs/FORMAT.md §3.2), once format/reader.ts has checked
// nnz, byteLength, rowEnd and the padding: one walk of the gaps checks every column and writes
// either dense f32 (zeroed first) or the sparse form the kernels read (docs/RUNTIME.md):
//   head  usize[4]  rowPtr, cols, vals, kept
//   rowPtr u32[rows + 1]  entry index of each row's start (absolute, so a row range is a slice)
//   cols   u32[kept]      column of each entry
//   vals   f32[kept]      its value
// Fillers and other zero values are dropped from the sparse form.

/** Column of the first out-of-range entry (for the reader's message). */
export let csrBadColumn: u32 = 0;

/** Values ≠ 0 among the nnz stored ones at `vals`. */
export function csrKept(vals: usize, nnz: u32): u32 {
  let k: u32 = 0;
  for (let j: u32 = 0; j < nnz; j++) if (load<f32>(vals + (<usize>j << 2)) != 0) k++;
  return k;
}

/**
 * Walks the csr bytes at p (rows × cols, gap width b) into `dense` (when ≠ 0) or the sparse
 * block `sp` (head + tables sized for `kept`). Returns -1, or the first entry whose column is
 * ≥ cols (its column in csrBadColumn).
 */
export function csrDecode(p: usize, rows: u32, cols: u32, b: u32, dense: usize, sp: usize): i32 {
  const nnz = load<u32>(p), vals = p + 4 + (<usize>rows << 2), gaps = vals + (<usize>nnz << 2);
  const rowPtr = sp + 16, colOut = rowPtr + (<usize>(rows + 1) << 2);
  const valOut = colOut + (<usize>load<u32>(sp, 12) << 2);
  if (!dense) { store<usize>(sp, rowPtr); store<usize>(sp, colOut, 4); store<usize>(sp, valOut, 8); store<u32>(rowPtr, 0); }
  const mask: u32 = (1 << b) - 1;
  let acc: u32 = 0, have: u32 = 0, g = gaps, j: u32 = 0, k: u32 = 0;
  for (let r: u32 = 0; r < rows; r++) {
    const end = load<u32>(p + 4 + (<usize>r << 2));
    for (let c: i32 = -1; j < end; j++) {
      while (have < b) { acc |= <u32>load<u8>(g++) << have; have += 8; }
      c += 1 + <i32>(acc & mask);
      acc >>>= b; have -= b;
      if (<u32>c >= cols) { csrBadColumn = c; return <i32>j; }
      const v = load<f32>(vals + (<usize>j << 2));
      if (dense) store<f32>(dense + (<usize>(r * cols + c) << 2), v);
      else if (v != 0) { store<u32>(colOut + (<usize>k << 2), c); store<f32>(valOut + (<usize>k << 2), v); k++; }
    }
    if (!dense) store<u32>(rowPtr + (<usize>(r + 1) << 2), k);
  }
  return -1;
}

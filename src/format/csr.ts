// Encoding 3, csr (docs/FORMAT.md §3.2): rows of (value, b-bit column gap) entries, gaps wider
// than 2^b − 1 bridged by zero-valued fillers. The writer's encoder and the readers' decoder.

/** Stored entries of `data` viewed as rows × cols at gap width b: non-zero bit patterns + fillers. */
function entryCount(words: Uint32Array, rows: number, cols: number, b: number): number {
  let n = 0;
  for (let r = 0; r < rows; r++) {
    let prev = -1;
    for (let c = 0; c < cols; c++) {
      if (!words[r * cols + c]) continue;
      n += 1 + ((c - prev - 1) >> b);
      prev = c;
    }
  }
  return n;
}

export const csrBytes = (rows: number, nnz: number, b: number): number => 4 + 4 * rows + 4 * nnz + Math.ceil((nnz * b) / 8);

/** The gap width 1..16 with the fewest bytes (the smaller on a tie). */
export function bestCsrBits(data: Float32Array, rows: number): number {
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length), cols = data.length / rows;
  let best = 1, bestBytes = Infinity;
  for (let b = 1; b <= 16; b++) {
    const bytes = csrBytes(rows, entryCount(words, rows, cols, b), b);
    if (bytes < bestBytes) [best, bestBytes] = [b, bytes];
  }
  return best;
}

/** `data` (rows × cols, row-major) as csr bytes with gap width b. */
export function encodeCsr(data: Float32Array, rows: number, b: number): Uint8Array {
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length), cols = data.length / rows;
  const nnz = entryCount(words, rows, cols, b), max = (1 << b) - 1;
  const out = new Uint8Array(csrBytes(rows, nnz, b));
  const dv = new DataView(out.buffer);
  const valuesAt = 4 + 4 * rows, gapsAt = valuesAt + 4 * nnz;
  dv.setUint32(0, nnz, true);
  let j = 0;
  const put = (word: number, gap: number) => {
    dv.setUint32(valuesAt + 4 * j, word, true);
    for (let k = 0; k < b; k++) if ((gap >> k) & 1) out[gapsAt + ((j * b + k) >> 3)] |= 1 << ((j * b + k) & 7);
    j++;
  };
  for (let r = 0; r < rows; r++) {
    let prev = -1;
    for (let c = 0; c < cols; c++) {
      const w = words[r * cols + c];
      if (!w) continue;
      let gap = c - prev - 1;
      for (; gap > max; gap -= max + 1) put(0, max);
      put(w, gap);
      prev = c;
    }
    dv.setUint32(4 + 4 * r, j, true);
  }
  return out;
}

/**
 * Checks the csr bytes at file offset `at` (§3.2 order, from nnz on; the caller checked rank,
 * param and byteLength ≥ 4) and decodes them to dense f32 words. `bad(section, offset, msg)`
 * throws; offsets are absolute, `lengthAt` is the record's byteLength field.
 */
export function decodeCsr(dv: DataView, at: number, byteLength: number, lengthAt: number, rows: number, elements: number,
  b: number, what: string, bad: (section: "TENS" | "WGTS", offset: number, msg: string) => never): Uint32Array {
  const cols = elements / rows;
  const nnz = dv.getUint32(at, true);
  if (nnz > elements) bad("WGTS", at, `${what}: csr nnz ${nnz} exceeds the ${elements} elements`);
  const want = csrBytes(rows, nnz, b);
  if (byteLength !== want) bad("TENS", lengthAt, `${what}: byteLength ${byteLength}, expected ${want} for csr of ${nnz} entries`);
  let prevEnd = 0;
  for (let r = 0; r < rows; r++) {
    const e = dv.getUint32(at + 4 + 4 * r, true);
    if (e < prevEnd) bad("WGTS", at + 4 + 4 * r, `${what}: csr rowEnd[${r}] = ${e} is below the previous ${prevEnd}`);
    prevEnd = e;
  }
  if (prevEnd !== nnz) bad("WGTS", at + 4 * rows, `${what}: csr rowEnd[${rows - 1}] = ${prevEnd}, expected nnz = ${nnz}`);
  const valuesAt = at + 4 + 4 * rows, gapsAt = valuesAt + 4 * nnz, used = nnz * b;
  if (used & 7 && dv.getUint8(gapsAt + (used >> 3)) >> (used & 7))
    bad("WGTS", gapsAt + (used >> 3), `${what}: csr padding bits of the last gap byte are not 0`);
  const out = new Uint32Array(elements);
  let j = 0;
  for (let r = 0; r < rows; r++) {
    const end = dv.getUint32(at + 4 + 4 * r, true);
    for (let c = -1; j < end; j++) {
      let gap = 0;
      for (let k = 0; k < b; k++) gap |= ((dv.getUint8(gapsAt + ((j * b + k) >> 3)) >> ((j * b + k) & 7)) & 1) << k;
      c += 1 + gap;
      if (c >= cols) bad("WGTS", gapsAt + ((j * b) >> 3), `${what}: csr entry ${j} has column ${c}, expected < ${cols}`);
      out[r * cols + c] = dv.getUint32(valuesAt + 4 * j, true);
    }
  }
  return out;
}

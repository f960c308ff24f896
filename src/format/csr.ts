// Encoding 3, csr (docs/FORMAT.md §3.2): rows of (value, b-bit column gap) entries, gaps wider
// than 2^b − 1 bridged by zero-valued fillers. The writer's encoder and the readers' decoder;
// the row, gap and column pieces also serve the codebook layouts (codebook.ts).

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

/**
 * The bit patterns the compressed layouts store, with −0.0 turned into +0.0: pruning by a 0/1
 * multiply (PyTorch's prune, a mask step) leaves −0.0 behind, and it must count as pruned.
 */
export function wordsOf(data: Float32Array): Uint32Array {
  const words = new Uint32Array(data.buffer, data.byteOffset, data.length).slice();
  for (let i = 0; i < words.length; i++) if (words[i] === 0x80000000) words[i] = 0;
  return words;
}
export const csrBytes = (rows: number, nnz: number, b: number): number => 4 + 4 * rows + 4 * nnz + Math.ceil((nnz * b) / 8);

/** The gap width 1..`max` whose `cost(b, nnz)` is least (the smaller b on a tie). */
export function bestBits(words: Uint32Array, rows: number, max: number, cost: (b: number, nnz: number) => number): number {
  let best = 1, bestBytes = Infinity;
  for (let b = 1; b <= max; b++) {
    const bytes = cost(b, entryCount(words, rows, words.length / rows, b));
    if (bytes < bestBytes) [best, bestBytes] = [b, bytes];
  }
  return best;
}

/** The gap width 1..16 with the fewest bytes for f32 values. */
export const bestCsrBits = (data: Float32Array, rows: number): number =>
  bestBits(wordsOf(data), rows, 16, (b, nnz) => csrBytes(rows, nnz, b));

/** The entries of `words` (rows × cols) at gap width b: value words (0 for fillers), gaps, rowEnd. */
export function csrEntries(words: Uint32Array, rows: number, b: number) {
  const cols = words.length / rows, max = (1 << b) - 1;
  const values: number[] = [], gaps: number[] = [], rowOf: number[] = [], rowEnd = new Uint32Array(rows);
  for (let r = 0; r < rows; r++) {
    let prev = -1;
    for (let c = 0; c < cols; c++) {
      const w = words[r * cols + c];
      if (!w) continue;
      let gap = c - prev - 1;
      for (; gap > max; gap -= max + 1) { values.push(0); gaps.push(max); rowOf.push(r); }
      values.push(w); gaps.push(gap); rowOf.push(r);
      prev = c;
    }
    rowEnd[r] = values.length;
  }
  return { values, gaps, rowOf, rowEnd };
}

/** `values` packed `bits` each, LSB-first, zero-padded to a byte. */
export function packBits(values: ArrayLike<number>, bits: number): Uint8Array {
  const out = new Uint8Array(Math.ceil((values.length * bits) / 8));
  for (let j = 0; j < values.length; j++) {
    for (let k = 0; k < bits; k++) if ((values[j] >> k) & 1) out[(j * bits + k) >> 3] |= 1 << ((j * bits + k) & 7);
  }
  return out;
}

/** Little-endian u32 words. */
export const u32Bytes = (words: ArrayLike<number>): Uint8Array => new Uint8Array(Uint32Array.from(words).buffer);

/** `data` (rows × cols, row-major) as csr bytes with gap width b. */
export function encodeCsr(data: Float32Array, rows: number, b: number): Uint8Array {
  const { values, gaps, rowEnd } = csrEntries(wordsOf(data), rows, b);
  return concat([u32Bytes([values.length]), u32Bytes(rowEnd), u32Bytes(values), packBits(gaps, b)]);
}

export function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}

export type Bad = (section: "TENS" | "WGTS", offset: number, msg: string) => never;

/** §3.2 nnz ≤ elements (the caller checked byteLength ≥ 4). */
export function checkNnz(dv: DataView, at: number, elements: number, what: string, bad: Bad): number {
  const nnz = dv.getUint32(at, true);
  if (nnz > elements) bad("WGTS", at, `${what}: csr nnz ${nnz} exceeds the ${elements} elements`);
  return nnz;
}

/** §3.2 rowEnd at `at` + 4: non-decreasing, last = nnz. */
export function checkRowEnds(dv: DataView, at: number, rows: number, nnz: number, what: string, bad: Bad): void {
  let prevEnd = 0;
  for (let r = 0; r < rows; r++) {
    const e = dv.getUint32(at + 4 + 4 * r, true);
    if (e < prevEnd) bad("WGTS", at + 4 + 4 * r, `${what}: csr rowEnd[${r}] = ${e} is below the previous ${prevEnd}`);
    prevEnd = e;
  }
  if (prevEnd !== nnz) bad("WGTS", at + 4 * rows, `${what}: csr rowEnd[${rows - 1}] = ${prevEnd}, expected nnz = ${nnz}`);
}

/** The n values of `bits` each packed at `at` (LSB-first); checks the padding bits (`msg`). */
export function unpackBits(dv: DataView, at: number, n: number, bits: number, msg: string, bad: Bad): number[] {
  const used = n * bits;
  if (used & 7 && dv.getUint8(at + (used >> 3)) >> (used & 7)) bad("WGTS", at + (used >> 3), msg);
  const out: number[] = [];
  for (let j = 0; j < n; j++) {
    let v = 0;
    for (let k = 0; k < bits; k++) v |= ((dv.getUint8(at + ((j * bits + k) >> 3)) >> ((j * bits + k) & 7)) & 1) << k;
    out.push(v);
  }
  return out;
}

/**
 * §3.2 column walk: entry j of row r has the word value(j, r); returns dense words. A bad
 * column is reported at gapAt(j).
 */
export function csrColumns(dv: DataView, at: number, rows: number, elements: number, gaps: number[],
  value: (j: number, r: number) => number, gapAt: (j: number) => number, what: string, bad: Bad): Uint32Array {
  const cols = elements / rows, out = new Uint32Array(elements);
  let j = 0;
  for (let r = 0; r < rows; r++) {
    const end = dv.getUint32(at + 4 + 4 * r, true);
    for (let c = -1; j < end; j++) {
      c += 1 + gaps[j];
      if (c >= cols) bad("WGTS", gapAt(j), `${what}: csr entry ${j} has column ${c}, expected < ${cols}`);
      out[r * cols + c] = value(j, r);
    }
  }
  return out;
}

/**
 * Checks the csr bytes at file offset `at` (§3.2 order, from nnz on; the caller checked rank,
 * param and byteLength ≥ 4) and decodes them to dense f32 words. `bad(section, offset, msg)`
 * throws; offsets are absolute, `lengthAt` is the record's byteLength field.
 */
export function decodeCsr(dv: DataView, at: number, byteLength: number, lengthAt: number, rows: number, elements: number,
  b: number, what: string, bad: Bad): Uint32Array {
  const nnz = checkNnz(dv, at, elements, what, bad);
  const want = csrBytes(rows, nnz, b);
  if (byteLength !== want) bad("TENS", lengthAt, `${what}: byteLength ${byteLength}, expected ${want} for csr of ${nnz} entries`);
  checkRowEnds(dv, at, rows, nnz, what, bad);
  const valuesAt = at + 4 + 4 * rows, gapsAt = valuesAt + 4 * nnz;
  const gaps = unpackBits(dv, gapsAt, nnz, b, `${what}: csr padding bits of the last gap byte are not 0`, bad);
  return csrColumns(dv, at, rows, elements, gaps, (j) => dv.getUint32(valuesAt + 4 * j, true), (j) => gapsAt + ((j * b) >> 3), what, bad);
}

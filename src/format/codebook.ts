// Codebook layouts (docs/FORMAT.md §3.3–3.5): csr with codebook indices (tag 3, v ≠ 0), dense
// codebook (tag 4) and their Huffman-coded forms (tag 5). The writer's layout choice and the
// readers' checked decoder; csr.ts supplies rows, gaps and columns, huffman.ts the streams.
import type { Tensor } from "../ir/graph.js";
import { SlimnetError } from "../runtime/errors.js";
import { decodeHuffman, encodeHuffman } from "./huffman.js";
import {
  bestBits, checkNnz, checkRowEnds, concat, csrBytes, csrColumns, csrEntries, encodeCsr, packBits, u32Bytes, unpackBits,
  wordsOf, type Bad,
} from "./csr.js";

export const ENC_CSR = 3, ENC_CODEBOOK = 4, ENC_HUFFMAN = 5;

/** What inspect shows of a tag 3–5 tensor (docs/FORMAT.md §3.2–3.5). */
export interface Storage {
  nnz: number;
  indexBits?: number;
  gapBits?: number;
  codebook?: number;
  huffman?: boolean;
  indexStreamBytes?: number;
  gapStreamBytes?: number;
}

export const param = (b: number, v: number, perRow: boolean): number => b | (v << 8) | (perRow ? 1 << 12 : 0);

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const valueOf = (word: number): number => { u32[0] = word; return f32[0]; };

/** Codebook of `words` (grouped by `groupOf`): sorted distinct words per group, +0.0-padded to 2^v. */
function makeCodebook(words: ArrayLike<number>, groupOf: (i: number) => number, groups: number) {
  const sets = Array.from({ length: groups }, () => new Set<number>());
  for (let i = 0; i < words.length; i++) sets[groupOf(i)].add(words[i]);
  const v = Math.max(1, ...sets.map((s) => Math.ceil(Math.log2(Math.max(s.size, 1)))));
  if (v > 8) return undefined;
  const book = new Uint32Array(groups << v), index = sets.map(() => new Map<number, number>());
  sets.forEach((s, g) => [...s].sort((a, b) => valueOf(a) - valueOf(b) || a - b).forEach((w, i) => {
    book[(g << v) + i] = w;
    index[g].set(w, i);
  }));
  return { v, book, indices: Uint8Array.from({ length: words.length }, (_, i) => index[groupOf(i)].get(words[i])!) };
}

export interface Layout { tag: number; param: number; bytes: Uint8Array }

/**
 * The smallest layout the tensor's tag allows (docs/FORMAT.md §3.5, "what the writer stores"),
 * in candidate order, the first on a tie; f32 (tag 0) when nothing is smaller. `csrBits` fixes
 * the gap width of the sparse candidates.
 */
export function chooseLayout(t: Tensor, csrBits?: number): Layout {
  const data = t.data!, words = wordsOf(data), what = `tensor ${JSON.stringify(t.name)}`;
  const enc = t.encoding, coded = enc === "codebook" || enc === "huffman" || (enc === "csr" && t.indexBits !== undefined);
  const rows = t.shape.length ? t.shape[0] : 1, cols = data.length / rows, perRow = !!t.codebookPerRow;
  const groups = perRow ? rows : 1;
  let best: Layout = { tag: 0, param: 0, bytes: new Uint8Array(0) };
  let bestLength = 4 * data.length;
  const offer = (tag: number, p: number, parts: Uint8Array[]) => {
    const n = parts.reduce((s, x) => s + x.length, 0);
    if (n < bestLength) { best = { tag, param: p, bytes: concat(parts) }; bestLength = n; }
  };
  if (coded) {
    const ib = t.indexBits;
    if (!(Number.isInteger(ib) && ib! >= 1 && ib! <= 8)) throw new SlimnetError(`${what}: indexBits ${ib} is not an integer in 1..8`);
    const bad = words.findIndex((w) => !Number.isFinite(valueOf(w)));
    if (bad >= 0) throw new SlimnetError(`${what}: value ${valueOf(words[bad])} at ${bad} cannot be in a codebook`);
    for (let g = 0; g < groups; g++) {
      const part = perRow ? words.subarray(g * cols, (g + 1) * cols) : words;
      const distinct = new Set(part.filter((w) => w)).size;
      if (distinct > 2 ** ib!) {
        throw new SlimnetError(`${what}: ${distinct} distinct non-zero values${perRow ? ` in row ${g}` : ""} exceed indexBits ${ib} (${2 ** ib!})`);
      }
    }
  }
  const sparse = t.shape.length >= 2;
  const sparseCodebook = (b: number) => {
    const e = csrEntries(words, rows, b);
    const cb = makeCodebook(e.values, (j) => (perRow ? e.rowOf[j] : 0), groups);
    return cb && { ...e, ...cb, head: [u32Bytes([e.values.length]), u32Bytes(e.rowEnd), u32Bytes(cb.book)] };
  };
  if (sparse) {
    const b = csrBits ?? bestBits(words, rows, 16, (b, nnz) => csrBytes(rows, nnz, b));
    offer(ENC_CSR, b, [encodeCsr(data, rows, b)]);
  }
  if (!coded) return best;
  if (sparse) {
    const size = (b: number) => {
      const s = sparseCodebook(b);
      return s ? 4 * (1 + rows + s.book.length) + Math.ceil((s.values.length * (s.v + b)) / 8) : Infinity;
    };
    let b = csrBits ?? 1;
    if (csrBits === undefined) for (let k = 2, least = size(1); k <= 16; k++) if (size(k) < least) [b, least] = [k, size(k)];
    const s = sparseCodebook(b);
    if (s) offer(ENC_CSR, param(b, s.v, perRow), [...s.head, packBits(s.indices, s.v), packBits(s.gaps, b)]);
  }
  if (enc === "csr") return best;
  const dense = makeCodebook(words, (i) => (perRow ? Math.floor(i / cols) : 0), groups);
  if (dense) offer(ENC_CODEBOOK, param(0, dense.v, perRow), [u32Bytes(dense.book), packBits(dense.indices, dense.v)]);
  if (enc !== "huffman") return best;
  if (dense) offer(ENC_HUFFMAN, param(0, dense.v, perRow), [u32Bytes(dense.book), encodeHuffman(dense.indices, 1 << dense.v)]);
  if (sparse) {
    for (let b = csrBits ?? 1; b <= (csrBits ?? 8) && b <= 8; b++) {
      const s = sparseCodebook(b);
      if (s) offer(ENC_HUFFMAN, param(b, s.v, perRow), [...s.head, encodeHuffman(s.indices, 1 << s.v), encodeHuffman(s.gaps, 1 << b)]);
    }
  }
  return best;
}

/** Record fields a codebook decode needs: file offsets of the rank, byteLength and param fields. */
export interface CodedRecord { tag: number; param: number; dims: number[]; elements: number; byteLength: number; rankAt: number; lengthAt: number; paramAt: number }

/**
 * Checks a tag 3 (v ≠ 0), 4 or 5 tensor whose bytes start at file offset `at`, in the order of
 * docs/FORMAT.md §3.5, and decodes it to dense f32 words. Tag 3 with v = 0 goes to decodeCsr.
 */
export function decodeCoded(bytes: Uint8Array, at: number, r: CodedRecord, what: string, bad: Bad): { dense: Uint32Array; storage: Storage } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const { tag, param: p, dims, elements, byteLength } = r;
  const b = p & 0xff, v = (p >> 8) & 15, perRow = (p >> 12) & 1, sparse = tag === ENC_CSR || b !== 0;
  if (sparse && dims.length < 2) bad("TENS", r.rankAt, `${what}: csr needs rank ≥ 2, got ${dims.length}`);
  if (tag === ENC_CSR && (b < 1 || b > 16)) bad("TENS", r.paramAt, `${what}: csr gap bits (param) ${b} is outside 1..16`);
  if (p >>> 13 || v < 1 || v > 8 || (tag === ENC_CODEBOOK && b) || (tag === ENC_HUFFMAN && b > 8))
    bad("TENS", r.paramAt, `${what}: param 0x${p.toString(16)} is invalid for encoding ${tag}`);
  const rows = dims.length ? dims[0] : 1, cols = elements / rows, book = (perRow ? rows : 1) << v;
  const end = at + byteLength;
  let nnz = elements, q = at;
  if (sparse) {
    if (byteLength < 4) bad("TENS", r.lengthAt, `${what}: byteLength ${byteLength} cannot hold the csr nnz`);
    nnz = checkNnz(dv, at, elements, what, bad);
    q += 4 + 4 * rows;
  }
  if (tag !== ENC_HUFFMAN) {
    const want = q - at + 4 * book + Math.ceil((nnz * v) / 8) + (sparse ? Math.ceil((nnz * b) / 8) : 0);
    if (byteLength !== want) bad("TENS", r.lengthAt, `${what}: byteLength ${byteLength}, expected ${want}`);
  }
  if (sparse) checkRowEnds(dv, at, rows, nnz, what, bad);
  if (q + 4 * book > end) bad("WGTS", q, `${what}: huffman data runs past byteLength`);
  const lut = new Uint32Array(book);
  for (let i = 0; i < book; i++) {
    lut[i] = dv.getUint32(q + 4 * i, true);
    if (!Number.isFinite(valueOf(lut[i]))) bad("WGTS", q + 4 * i, `${what}: codebook value ${i} is not finite`);
  }
  q += 4 * book;
  const storage: Storage = { nnz, indexBits: v, codebook: book };
  let indices: ArrayLike<number>, gaps: number[] = [], gapsAt = q;
  const pad = `${what}: padding bits of the last index byte are not 0`;
  const huff = (n: number, alphabet: number) => {
    const h = decodeHuffman(bytes, q, end, n, alphabet, what, (o, m) => bad("WGTS", o, m));
    const size = h.next - q;
    q = h.next;
    return { values: h.values, size };
  };
  if (tag === ENC_HUFFMAN) {
    const h = huff(nnz, 1 << v);
    indices = h.values;
    Object.assign(storage, { huffman: true, indexStreamBytes: h.size });
    if (sparse) {
      gapsAt = q;
      const g = huff(nnz, 1 << b);
      gaps = [...g.values];
      storage.gapStreamBytes = g.size;
    }
    if (q !== end) bad("TENS", r.lengthAt, `${what}: byteLength ${byteLength}, expected ${q - at}`);
  } else {
    indices = unpackBits(dv, q, nnz, v, pad, bad);
    gapsAt = q + Math.ceil((nnz * v) / 8);
    if (sparse) gaps = unpackBits(dv, gapsAt, nnz, b, `${what}: csr padding bits of the last gap byte are not 0`, bad);
  }
  const centroid = (j: number, row: number) => lut[(perRow ? row << v : 0) + indices[j]];
  if (!sparse) return { dense: Uint32Array.from({ length: elements }, (_, i) => centroid(i, Math.floor(i / cols))), storage };
  storage.gapBits = b;
  // Huffman gaps have no bit position of their own: a bad column is reported at the gap stream.
  const gapAt = (j: number) => (tag === ENC_HUFFMAN ? gapsAt : gapsAt + ((j * b) >> 3));
  return { dense: csrColumns(dv, at, rows, elements, gaps, centroid, gapAt, what, bad), storage };
}

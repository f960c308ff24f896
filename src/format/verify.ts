// Every ✔ check of docs/FORMAT.md, in the order of its §10 (header, section table, STRS, TENS,
// GRPH ids, NODE, GRPH writers, PLAN, WGTS, EXIT). Untrusted bytes in, a decoded `SlimFile`
// out, or a FormatError naming the section, the byte offset and what was expected.
// assembly/format/ applies the same checks in the same order; keep the two in step.
import { OPS, type OpName } from "../ir/ops.js";
import type { Attrs, Encoding } from "../ir/graph.js";
import { FormatError, ShapeError } from "../runtime/errors.js";
import { crc32 } from "./crc32.js";
import { liveRanges, rangesIntersect } from "../plan/arena.js";
import { decodeCsr } from "./csr.js";
import { decodeCoded, ENC_CSR, type Storage } from "./codebook.js";
import { decodeF16 } from "./f16.js";
import { decodeInt8, type Int8Decoded } from "./int8.js";
import { decodeBinary, ENC_BINARY } from "./binary.js";

export const MAGIC = [0x53, 0x4c, 0x49, 0x4d] as const; // "SLIM"
/** The newest file version this code reads (2 adds early exits, docs/FORMAT.md §8). */
export const VERSION = 2;
export const HEADER_BYTES = 32;
export const ENTRY_BYTES = 16;
export const TENSOR_BYTES = 48;
export const NODE_HEAD_BYTES = 12;
export const PLAN_BYTES = 16;
/** One EXIT record (docs/FORMAT.md §8). */
export const EXIT_BYTES = 20;
export const MAX_SECTIONS = 32;
export const MAX_TENSORS = 65536;
export const MAX_NODES = 65536;
export const MAX_IO = 64;
export const MAX_RANK = 6;
export const MAX_STRING = 4096;
export const FLAG_BATCH_DYNAMIC = 1;
export const DTYPE_F32 = 1;
export const KIND_ACTIVATION = 0;
export const KIND_CONSTANT = 1;
export const SECTION_KINDS = ["STRS", "TENS", "NODE", "GRPH", "PLAN", "WGTS", "EXIT"] as const;
export type SectionKind = (typeof SECTION_KINDS)[number];
const REQUIRED: readonly SectionKind[] = ["STRS", "TENS", "NODE", "GRPH", "PLAN"];
/** Encoding tag = index (§3.1); v1 enables f32, csr, codebook, huffman and binary. */
export const ENCODINGS: readonly Encoding[] = ["f32", "f16", "int8", "csr", "codebook", "huffman", "binary"];
export const ENC_F32 = 0;

export interface Limits {
  /** Largest element count of one tensor (default 2^28). */
  maxTensorElements: number;
  /** Largest arena at batch 1, in bytes (default 1 GiB). */
  maxArenaBytes: number;
}
export const DEFAULT_LIMITS: Limits = { maxTensorElements: 2 ** 28, maxArenaBytes: 2 ** 30 };

export const OP_BY_CODE: ReadonlyMap<number, OpName> = new Map(
  (Object.keys(OPS) as OpName[]).map((op) => [OPS[op].code, op]));

/** Number of packed attribute words of `op` whose first input has rank `rank` (§4.1). */
export function attrCount(op: OpName, rank: number): number {
  let n = 0;
  for (const [name, kind] of OPS[op].attrs) {
    if (kind !== "i[]") n++;
    else n += name === "pads" ? 2 * rank : rank;
  }
  return n;
}

export interface SectionEntry { kind: SectionKind; offset: number; length: number; crc: number }
export interface TensorRecord {
  name: string;
  kind: number;
  encoding: number;
  dims: number[];
  /** Arena offset (activation) or offset inside WGTS (constant). */
  offset: number;
  byteLength: number;
  param: number;
  /** Tags 3–5: the decoded dense f32 bit patterns and what inspect shows of the layout. */
  dense?: Uint32Array;
  storage?: Storage;
  /** Tag 2: scales and input quantization (docs/FORMAT.md §3.7). */
  int8?: Int8Decoded;
}
export interface NodeRecord {
  name: string;
  op: OpName;
  inputs: number[];
  outputs: number[];
  /** Named attributes as the IR holds them (Reshape gets `shape` = its output dims). */
  attrs: Attrs;
}
export interface SlimFile {
  version: number;
  batchDynamic: boolean;
  fileLength: number;
  sections: SectionEntry[];
  /** The string at STRS offset 0. */
  graphName: string;
  tensors: TensorRecord[];
  nodes: NodeRecord[];
  inputs: number[];
  outputs: number[];
  arenaBytes: number;
  /** File offset of WGTS (0 when absent): constant c's bytes start at weightsOffset + c.offset. */
  weightsOffset: number;
  exits: ExitRecord[];
}
export interface ExitRecord { y: number; first: number; last: number; rule: number; values: number; threshold: number }

interface ExitContext {
  bytes: Uint8Array;
  u32: (o: number) => number;
  tensors: TensorRecord[];
  nodes: NodeRecord[];
  writer: Int32Array;
  graphInput: Uint8Array;
  outputs: number[];
  tensorAt: (id: number) => string;
}

/** §8: the EXIT section of a version 2 file (a version 1 file may only have count 0). */
function verifyExits(exit: SectionEntry | undefined, version: number, c: ExitContext): ExitRecord[] {
  const ES = `section "EXIT"`, { u32, tensors, nodes } = c;
  if (!exit) {
    if (version >= 2) fail("header", 4, `version ${version} file has no EXIT section (version 2 means early exits; a file without them is version 1)`);
    return [];
  }
  if (exit.length < 4) fail(ES, exit.offset, `length is ${exit.length}, expected at least 4`);
  const count = u32(exit.offset);
  if (version < 2 && count) fail(ES, exit.offset, `exit count ${fmt(count)}; version 1 requires 0 (early exits need a version 2 file)`);
  if (version >= 2 && !count) fail(ES, exit.offset, `exit count 0; a version 2 file has at least one exit`);
  if (exit.length !== 4 + EXIT_BYTES * count) fail(ES, exit.offset, `length is ${fmt(exit.length)}, expected 4 + ${EXIT_BYTES} × ${fmt(count)} = ${fmt(4 + EXIT_BYTES * count)}`);
  if (count && c.outputs.length !== 1) fail(ES, exit.offset, `a file with exits has exactly one graph output, this one has ${c.outputs.length}`);
  const out = count ? c.outputs[0] : 0, dv = new DataView(c.bytes.buffer, c.bytes.byteOffset, c.bytes.byteLength);
  const records: ExitRecord[] = [];
  for (let k = 0; k < count; k++) {
    const r = exit.offset + 4 + EXIT_BYTES * k, what = `exit ${k}`;
    const y = u32(r), first = u32(r + 4), last = u32(r + 8), rule = c.bytes[r + 12], values = c.bytes[r + 13];
    if (y >= tensors.length) fail(ES, r, `${what}: tensor ${fmt(y)}, but there are ${fmt(tensors.length)} tensors`);
    if (tensors[y].kind !== KIND_ACTIVATION) fail(ES, r, `${what}: ${c.tensorAt(y)} is a constant, expected an activation`);
    if (c.graphInput[y] || c.outputs.includes(y)) fail(ES, r, `${what}: ${c.tensorAt(y)} is a graph ${c.graphInput[y] ? "input" : "output"}`);
    const yd = tensors[y].dims, od = tensors[out].dims;
    if (yd.join() !== od.join()) fail(ES, r, `${what}: ${c.tensorAt(y)} is [${yd}] but the graph output ${c.tensorAt(out)} is [${od}]`);
    if (first > last) fail(ES, r + 4, `${what}: first node ${fmt(first)} is after last node ${fmt(last)}`);
    if (last >= nodes.length) fail(ES, r + 8, `${what}: last node ${fmt(last)}, but there are ${fmt(nodes.length)} nodes`);
    if (c.writer[y] !== last) fail(ES, r + 8, `${what}: node ${fmt(last)} does not write ${c.tensorAt(y)} (${c.writer[y] < 0 ? "no node does" : `node ${c.writer[y]} does`})`);
    if (rule > 1) fail(ES, r + 12, `${what}: rule ${rule} is not 0 (max-softmax) or 1 (entropy)`);
    if (values > 1) fail(ES, r + 13, `${what}: values ${values} is not 0 (logits) or 1 (probabilities)`);
    if (c.bytes[r + 14] || c.bytes[r + 15]) fail(ES, r + 14, `${what}: reserved is ${c.bytes[r + 14] | c.bytes[r + 15] << 8}, expected 0`);
    const threshold = dv.getFloat32(r + 16, true);
    if (!Number.isFinite(threshold) || threshold < 0 || (rule === 0 && threshold > 1))
      fail(ES, r + 16, `${what}: threshold ${threshold} is not ${rule === 0 ? "in [0, 1]" : "a finite number ≥ 0"}`);
    records.push({ y, first, last, rule, values, threshold });
  }
  // File-level: heads in order, disjoint, self-contained; the graph output not written in one.
  records.forEach((e, k) => {
    const r = exit.offset + 4 + EXIT_BYTES * k, what = `exit ${k}`;
    if (k && e.first <= records[k - 1].last) fail(ES, r + 4, `${what}: first node ${fmt(e.first)} is not after exit ${k - 1}'s last node ${fmt(records[k - 1].last)} (exits go in execution order, heads do not overlap)`);
    if (c.writer[out] >= e.first && c.writer[out] <= e.last) fail(ES, r + 4, `${what}: its head (nodes ${e.first}..${e.last}) writes the graph output ${c.tensorAt(out)}`);
    nodes.forEach((n, j) => {
      if (j >= e.first && j <= e.last) return;
      for (const t of n.inputs) {
        if (c.writer[t] >= e.first && c.writer[t] <= e.last)
          fail(ES, r + 4, `${what}: node ${j} ${JSON.stringify(n.name)} outside the head (nodes ${e.first}..${e.last}) reads ${c.tensorAt(t)}, written inside it`);
      }
    });
  });
  return records;
}

const fmt = (n: number): string => n.toLocaleString("en-US");
const hex = (n: number): string => "0x" + n.toString(16);

function fail(place: string, offset: number, msg: string): never {
  throw new FormatError(`${place} at offset ${hex(offset)}: ${msg}`);
}

/** Checks `bytes` against every rule of docs/FORMAT.md and decodes it. */
export function verify(bytes: Uint8Array, limits: Partial<Limits> = {}): SlimFile {
  const lim = { ...DEFAULT_LIMITS, ...limits };
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length;
  const u32 = (o: number) => dv.getUint32(o, true);
  const u16 = (o: number) => dv.getUint16(o, true);
  const H = "header";

  // §1.1 header
  if (n < 4) fail(H, 0, `file is ${n} bytes, shorter than the ${HEADER_BYTES}-byte header (truncated)`);
  if (MAGIC.some((b, i) => bytes[i] !== b)) {
    const got = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0").toUpperCase()).join(" ");
    fail(H, 0, `magic is ${got}, expected 53 4C 49 4D ("SLIM"): not a .slim file`);
  }
  if (n < HEADER_BYTES) fail(H, n, `file is ${n} bytes, shorter than the ${HEADER_BYTES}-byte header (truncated)`);
  const version = u16(4);
  if (version > VERSION) fail(H, 4, `file version ${version} is newer than this runtime (${VERSION}); upgrade slimnet`);
  if (version < 1) fail(H, 4, `version 0 is not a .slim version`);
  const flags = u16(6);
  if (flags & ~FLAG_BATCH_DYNAMIC) fail(H, 6, `flags ${hex(flags)} set undefined bits (only bit 0, batch-dynamic, exists)`);
  const sectionCount = u32(8);
  if (sectionCount < 1 || sectionCount > MAX_SECTIONS) fail(H, 8, `sectionCount ${fmt(sectionCount)} is outside 1..${MAX_SECTIONS}`);
  const fileLength = u32(12);
  if (fileLength !== n) fail(H, 12, `fileLength is ${fmt(fileLength)} but the file has ${fmt(n)} bytes (truncated or padded)`);
  const tableEnd = HEADER_BYTES + ENTRY_BYTES * sectionCount;
  if (tableEnd > n) fail("section table", HEADER_BYTES, `${sectionCount} entries end at ${fmt(tableEnd)}, past the end of the file (${fmt(n)})`);
  const headerCrc = crc32(bytes.subarray(HEADER_BYTES, tableEnd), crc32(bytes.subarray(0, 16)));
  if (u32(16) !== headerCrc) fail(H, 16, `headerCrc is ${hex(u32(16))} but bytes 0..15 and the section table give ${hex(headerCrc)}`);
  for (let o = 20; o < HEADER_BYTES; o++) if (bytes[o]) fail(H, o, `reserved byte is ${bytes[o]}, expected 0`);

  // §1.2 section table
  const sections: SectionEntry[] = [];
  const byKind = new Map<SectionKind, SectionEntry>();
  for (let i = 0; i < sectionCount; i++) {
    const e = HEADER_BYTES + ENTRY_BYTES * i;
    const kind = String.fromCharCode(...bytes.subarray(e, e + 4)) as SectionKind;
    const T = "section table";
    if (!SECTION_KINDS.includes(kind)) fail(T, e, `entry ${i} has unknown kind ${JSON.stringify(kind)} (known: ${SECTION_KINDS.join(", ")})`);
    if (byKind.has(kind)) fail(T, e, `section "${kind}" appears twice`);
    const offset = u32(e + 4), length = u32(e + 8), crc = u32(e + 12);
    const S = `section "${kind}"`;
    if (offset % 16) fail(S, offset, `offset ${fmt(offset)} is not a multiple of 16`);
    if (offset < tableEnd) fail(S, offset, `offset ${fmt(offset)} lies inside the header or section table (ends at ${fmt(tableEnd)})`);
    if (offset + length > n) fail(S, offset, `offset ${fmt(offset)} + length ${fmt(length)} exceeds the file (${fmt(n)})`);
    const actual = crc32(bytes.subarray(offset, offset + length));
    if (crc !== actual) fail(S, offset, `crc32 is ${hex(actual)} but the section table says ${hex(crc)} (corrupted)`);
    const entry = { kind, offset, length, crc };
    sections.push(entry);
    byKind.set(kind, entry);
  }
  for (const a of sections) for (const b of sections) {
    if (a !== b && a.offset < b.offset + b.length && b.offset < a.offset + a.length && a.offset <= b.offset)
      fail(`section "${b.kind}"`, b.offset, `overlaps section "${a.kind}" (${fmt(a.offset)}..${fmt(a.offset + a.length)})`);
  }
  for (const k of REQUIRED) if (!byKind.has(k)) fail("section table", HEADER_BYTES, `required section "${k}" is missing`);
  const sec = (k: SectionKind) => byKind.get(k) ?? { kind: k, offset: 0, length: 0, crc: 0 };

  // §2 STRS: a reference is checked where it is used; `at` is the file offset of the field.
  const strs = sec("STRS");
  const decoder = new TextDecoder();
  const str = (ref: number, place: string, at: number): string => {
    const len = strs.length;
    if (ref + 4 > len) fail(place, at, `string reference ${fmt(ref)} is past the end of STRS (${fmt(len)} bytes)`);
    const size = u32(strs.offset + ref);
    if (size > MAX_STRING) fail(place, at, `string at ${fmt(ref)} claims ${fmt(size)} bytes, above ${MAX_STRING}`);
    if (ref + 4 + size > len) fail(place, at, `string at ${fmt(ref)} of ${fmt(size)} bytes runs past the end of STRS (${fmt(len)} bytes)`);
    return decoder.decode(bytes.subarray(strs.offset + ref + 4, strs.offset + ref + 4 + size));
  };
  const graphName = str(0, `section "STRS"`, strs.offset);

  // §3 TENS
  const tens = sec("TENS");
  const TS = `section "TENS"`;
  if (tens.length < 4) fail(TS, tens.offset, `length ${tens.length} cannot hold the tensor count`);
  const tCount = u32(tens.offset);
  if (tCount < 1 || tCount > MAX_TENSORS) fail(TS, tens.offset, `tensor count ${fmt(tCount)} is outside 1..${fmt(MAX_TENSORS)}`);
  if (tens.length !== 4 + TENSOR_BYTES * tCount)
    fail(TS, tens.offset, `length is ${fmt(tens.length)}, expected 4 + 48 × ${fmt(tCount)} = ${fmt(4 + TENSOR_BYTES * tCount)}`);
  const wgtsLength = sec("WGTS").length;
  const tensors: TensorRecord[] = [];
  for (let id = 0; id < tCount; id++) {
    const r = tens.offset + 4 + TENSOR_BYTES * id;
    const name = str(u32(r), TS, r);
    const what = `tensor ${id} ${JSON.stringify(name)}`;
    const kind = bytes[r + 4], dtype = bytes[r + 5], rank = bytes[r + 6], encoding = bytes[r + 7];
    if (kind > KIND_CONSTANT) fail(TS, r + 4, `${what}: kind ${kind} is neither 0 (activation) nor 1 (constant)`);
    if (dtype !== DTYPE_F32) fail(TS, r + 5, `${what}: dtype ${dtype} is not 1 (f32, the only dtype of version 1)`);
    if (rank > MAX_RANK) fail(TS, r + 6, `${what}: rank ${rank} is above ${MAX_RANK}`);
    if (kind === KIND_ACTIVATION && encoding !== 0) fail(TS, r + 7, `${what}: an activation has encoding ${encoding}, expected 0 (f32)`);
    if (encoding >= ENCODINGS.length) fail(TS, r + 7, `${what}: unknown encoding tag ${encoding}`);
    const dims: number[] = [];
    let elements = 1;
    for (let a = 0; a < MAX_RANK; a++) {
      const d = u32(r + 8 + 4 * a);
      if (a < rank && d < 1) fail(TS, r + 8 + 4 * a, `${what}: dims[${a}] is 0, expected ≥ 1`);
      if (a >= rank && d !== 0) fail(TS, r + 8 + 4 * a, `${what}: dims[${a}] is ${fmt(d)} beyond rank ${rank}, expected 0`);
      if (a < rank) {
        dims.push(d);
        elements *= d;
        if (elements > lim.maxTensorElements)
          fail(TS, r + 8, `${what}: dims [${dims.join(", ")}${a + 1 < rank ? ", …" : ""}] exceed maxTensorElements (${fmt(lim.maxTensorElements)})`);
      }
    }
    const offset = u32(r + 32), byteLength = u32(r + 36), param = u32(r + 40);
    if (offset % 16) fail(TS, r + 32, `${what}: offset ${fmt(offset)} is not a multiple of 16`);
    if (kind === KIND_ACTIVATION && byteLength !== 4 * elements)
      fail(TS, r + 36, `${what}: byteLength ${fmt(byteLength)}, expected 4 × ${fmt(elements)} elements`);
    if (kind === KIND_CONSTANT) {
      if (offset + byteLength > wgtsLength)
        fail(TS, r + 32, `${what}: offset ${fmt(offset)} + byteLength ${fmt(byteLength)} exceeds WGTS (${fmt(wgtsLength)} bytes)`);
      if (encoding === 0 && byteLength !== 4 * elements)
        fail(TS, r + 36, `${what}: byteLength ${fmt(byteLength)}, expected 4 × ${fmt(elements)} elements (f32)`);
    }
    if (encoding === ENC_F32 && param !== 0) fail(TS, r + 40, `${what}: param ${fmt(param)}, expected 0 for f32`);
    if (u32(r + 44) !== 0) fail(TS, r + 44, `${what}: reserved word is ${fmt(u32(r + 44))}, expected 0`);
    let dense: Uint32Array | undefined, storage: Storage | undefined, int8: Int8Decoded | undefined;
    const bad = (s: "TENS" | "WGTS", at: number, msg: string) => fail(`section "${s}"`, at, msg);
    const at = sec("WGTS").offset + offset;
    if (encoding === ENC_BINARY) {
      dense = decodeBinary(dv, at, { dims, elements, byteLength, param, rankAt: r + 6, lengthAt: r + 36, paramAt: r + 40 }, what, bad);
    } else if (encoding === ENC_CSR && param >>> 8 === 0) {
      if (rank < 2) fail(TS, r + 6, `${what}: csr needs rank ≥ 2, got ${rank}`);
      if (param < 1 || param > 16) fail(TS, r + 40, `${what}: csr gap bits (param) ${fmt(param)} is outside 1..16`);
      if (byteLength < 4) fail(TS, r + 36, `${what}: byteLength ${byteLength} cannot hold the csr nnz`);
      dense = decodeCsr(dv, at, byteLength, r + 36, dims[0], elements, param, what, bad);
      storage = { nnz: dv.getUint32(at, true), gapBits: param };
    } else if (encoding >= ENC_CSR) {
      ({ dense, storage } = decodeCoded(bytes, at, { tag: encoding, param, dims, elements, byteLength, rankAt: r + 6, lengthAt: r + 36, paramAt: r + 40 }, what, bad));
    } else if (encoding === 1 || encoding === 2) {
      const rec = { dims, param, elements, byteLength, rankAt: r + 6, lengthAt: r + 36, paramAt: r + 40 };
      if (encoding === 1) dense = decodeF16(dv, at, rec, what, bad);
      else ({ dense } = int8 = decodeInt8(dv, at, rec, what, bad));
    }
    tensors.push({ name, kind, encoding, dims, offset, byteLength, param, dense, storage, int8 });
  }
  const tensorAt = (id: number) => `tensor ${id} ${JSON.stringify(tensors[id].name)}`;
  const isActivation = (id: number) => tensors[id].kind === KIND_ACTIVATION;

  // §5, first part: counts, ids, activations (NODE's checks need the graph inputs).
  const grph = sec("GRPH");
  const GS = `section "GRPH"`;
  const ioList = (at: number, what: string): number[] => {
    if (at + 4 > grph.offset + grph.length) fail(GS, at, `section ends before the ${what} count`);
    const count = u32(at);
    if (count < 1 || count > MAX_IO) fail(GS, at, `${what} count ${fmt(count)} is outside 1..${MAX_IO}`);
    if (at + 4 + 4 * count > grph.offset + grph.length) fail(GS, at, `${count} ${what} ids run past the end of the section`);
    const ids: number[] = [];
    for (let i = 0; i < count; i++) {
      const o = at + 4 + 4 * i, id = u32(o);
      if (id >= tCount) fail(GS, o, `${what} ${i} is tensor ${fmt(id)}, but there are ${fmt(tCount)} tensors`);
      if (!isActivation(id)) fail(GS, o, `${what} ${i} is ${tensorAt(id)}, a constant; expected an activation`);
      ids.push(id);
    }
    return ids;
  };
  const inputs = ioList(grph.offset, "input");
  const outputsAt = grph.offset + 4 + 4 * inputs.length;
  const outputs = ioList(outputsAt, "output");
  const grphEnd = outputsAt + 4 + 4 * outputs.length;
  if (grphEnd !== grph.offset + grph.length)
    fail(GS, grphEnd, `records end at ${fmt(grphEnd - grph.offset)} but the section is ${fmt(grph.length)} bytes`);

  // §4 NODE
  const node = sec("NODE");
  const NS = `section "NODE"`;
  const end = node.offset + node.length;
  if (node.length < 4) fail(NS, node.offset, `length ${node.length} cannot hold the node count`);
  const nCount = u32(node.offset);
  if (nCount < 1 || nCount > MAX_NODES) fail(NS, node.offset, `node count ${fmt(nCount)} is outside 1..${fmt(MAX_NODES)}`);
  const writer = new Int32Array(tCount).fill(-1);
  const graphInput = new Uint8Array(tCount);
  for (const id of inputs) graphInput[id] = 1;
  const nodes: NodeRecord[] = [];
  let p = node.offset + 4;
  for (let k = 0; k < nCount; k++) {
    if (p + NODE_HEAD_BYTES > end) fail(NS, p, `node ${k} starts past the end of the section (${nCount} nodes declared)`);
    const name = str(u32(p), NS, p);
    const code = u16(p + 4), nIn = bytes[p + 6], nOut = bytes[p + 7], nAttr = u32(p + 8);
    const op = OP_BY_CODE.get(code);
    if (!op) fail(NS, p + 4, `node ${k} ${JSON.stringify(name)}: unknown opcode ${code}`);
    const what = `node ${k} ${JSON.stringify(name)} (${op})`;
    const [minIn, maxIn] = OPS[op].inputs;
    if (nIn < minIn || nIn > maxIn)
      fail(NS, p + 6, `${what}: ${nIn} inputs, expected ${minIn === maxIn ? minIn : `${minIn}..${maxIn}`}`);
    if (nOut !== 1) fail(NS, p + 7, `${what}: ${nOut} outputs, expected 1`);
    const ioAt = p + NODE_HEAD_BYTES;
    const recEnd = ioAt + 4 * (nIn + nOut + nAttr);
    if (recEnd > end) fail(NS, p, `${what}: record of ${fmt(recEnd - p)} bytes runs past the end of the section`);
    const ids: number[] = [];
    for (let i = 0; i < nIn + nOut; i++) {
      const id = u32(ioAt + 4 * i);
      if (id >= tCount) fail(NS, ioAt + 4 * i, `${what}: ${i < nIn ? `input ${i}` : "output"} is tensor ${fmt(id)}, but there are ${fmt(tCount)} tensors`);
      ids.push(id);
    }
    const nodeInputs = ids.slice(0, nIn), nodeOutputs = ids.slice(nIn);
    const rank = tensors[nodeInputs[0]].dims.length;
    const want = attrCount(op, rank);
    if (nAttr !== want) fail(NS, p + 8, `${what}: ${fmt(nAttr)} attributes, expected ${want}`);
    for (const [i, id] of nodeOutputs.entries()) {
      const o = ioAt + 4 * (nIn + i);
      if (!isActivation(id)) fail(NS, o, `${what}: output ${tensorAt(id)} is a constant`);
      if (writer[id] >= 0) fail(NS, o, `${what}: output ${tensorAt(id)} is already written by node ${writer[id]}`);
    }
    for (const [i, id] of nodeInputs.entries()) {
      if (isActivation(id) && !graphInput[id] && writer[id] < 0)
        fail(NS, ioAt + 4 * i, `${what}: input ${tensorAt(id)} is read before any node writes it (cycle or wrong order)`);
    }
    for (const [i, id] of nodeInputs.entries()) {
      const e = tensors[id].encoding;
      if ((e === 2 || e === 6) && !(i === 1 && (op === "Gemm" || op === "Conv")))
        fail(NS, ioAt + 4 * i, `${what}: input ${i} ${JSON.stringify(tensors[id].name)} is ${ENCODINGS[e]}; only Gemm and Conv read it as W`);
    }
    for (const id of nodeOutputs) writer[id] = k;
    const words = new Int32Array(nAttr);
    for (let i = 0; i < nAttr; i++) words[i] = dv.getInt32(recEnd - 4 * nAttr + 4 * i, true);
    const attrAt = (name: string) => {
      const i = OPS[op].attrs.findIndex(([a]) => a === name);
      return i < 0 ? p : recEnd - 4 * nAttr + 4 * i;
    };
    const inShapes = nodeInputs.map((id) => tensors[id].dims), outShape = tensors[nodeOutputs[0]].dims;
    checkAttrs(op, words, inShapes, outShape, (name, msg) => fail(NS, attrAt(name), `${what}: ${msg}`));
    const attrs = unpackAttrs(op, words, outShape);
    // The op's own shape rule (what the runtime's prepare checks).
    let inferred: number[];
    try {
      inferred = OPS[op].infer(inShapes, attrs)[0];
    } catch (e) {
      if (!(e instanceof ShapeError)) throw e;
      fail(NS, p, `${what}: ${e.message}`);
    }
    if (inferred.join(",") !== outShape.join(","))
      fail(NS, ioAt + 4 * nIn, `${what}: output ${tensorAt(nodeOutputs[0])} is [${outShape}] but the inputs give [${inferred}]`);
    nodes.push({ name, op, inputs: nodeInputs, outputs: nodeOutputs, attrs });
    p = recEnd;
  }
  if (p !== end) fail(NS, p, `records end at ${fmt(p - node.offset)} but the section is ${fmt(node.length)} bytes`);

  // §5, second part: who writes the graph inputs and outputs.
  inputs.forEach((id, i) => {
    if (writer[id] >= 0) fail(GS, grph.offset + 4 + 4 * i, `input ${tensorAt(id)} is written by node ${writer[id]}`);
  });
  outputs.forEach((id, i) => {
    if (writer[id] < 0 && !graphInput[id]) fail(GS, outputsAt + 4 + 4 * i, `output ${tensorAt(id)} is neither written by a node nor an input`);
  });

  // §6 PLAN
  const plan = sec("PLAN");
  const PS = `section "PLAN"`;
  if (plan.length !== PLAN_BYTES) fail(PS, plan.offset, `length is ${plan.length}, expected ${PLAN_BYTES}`);
  const arenaBytes = u32(plan.offset);
  if (arenaBytes > lim.maxArenaBytes) fail(PS, plan.offset, `arenaBytes ${fmt(arenaBytes)} exceeds maxArenaBytes (${fmt(lim.maxArenaBytes)})`);
  for (let o = 4; o < PLAN_BYTES; o += 4) if (u32(plan.offset + o)) fail(PS, plan.offset + o, `reserved word is ${fmt(u32(plan.offset + o))}, expected 0`);
  const recordAt = (id: number) => tens.offset + 4 + TENSOR_BYTES * id;
  tensors.forEach((t, id) => {
    if (t.kind === KIND_ACTIVATION && t.offset + t.byteLength > arenaBytes)
      fail(TS, recordAt(id) + 32, `${tensorAt(id)}: arena bytes ${fmt(t.offset)}..${fmt(t.offset + t.byteLength)} exceed arenaBytes (${fmt(arenaBytes)})`);
  });
  const ranges = liveRanges(nodes, inputs, outputs, isActivation);
  /** §6 Concat slice: x is an input of the Concat writing y, read last there, at its slice of y. */
  const concatSlice = (x: number, y: number): boolean => {
    const w = writer[y], n = nodes[w];
    if (w === undefined || w < 0 || n.op !== "Concat" || ranges.get(x)!.last !== w) return false;
    const j = n.inputs.indexOf(x);
    return j >= 0 && tensors[x].offset === tensors[y].offset + n.inputs.slice(0, j).reduce((a, i) => a + tensors[i].byteLength, 0);
  };
  const live = [...ranges.keys()].sort((a, b) => tensors[a].offset - tensors[b].offset);
  for (let i = 0; i < live.length; i++) {
    const a = tensors[live[i]], ra = ranges.get(live[i])!;
    for (let j = i + 1; j < live.length && tensors[live[j]].offset < a.offset + a.byteLength; j++) {
      const rb = ranges.get(live[j])!;
      if (rangesIntersect(ra, rb) && !concatSlice(live[i], live[j]) && !concatSlice(live[j], live[i]))
        fail(TS, recordAt(live[j]) + 32, `${tensorAt(live[j])} at arena ${fmt(tensors[live[j]].offset)} overlaps ` +
          `${tensorAt(live[i])} (${fmt(a.offset)}..${fmt(a.offset + a.byteLength)}) while both are live ` +
          `(nodes ${Math.max(ra.first, rb.first)}..${Math.min(ra.last, rb.last)})`);
    }
  }

  // §7 WGTS: placement was checked with TENS. §8 EXIT
  const exits = verifyExits(byKind.get("EXIT"), version, { bytes, u32, tensors, nodes, writer, graphInput, outputs, tensorAt });
  return {
    version, batchDynamic: (flags & FLAG_BATCH_DYNAMIC) !== 0, fileLength, sections, graphName,
    tensors, nodes, inputs, outputs, arenaBytes, weightsOffset: sec("WGTS").offset, exits,
  };
}

/** Attribute words to named IR attributes ("i" int, "f" f32 bits, "i[]" the rest). */
export function unpackAttrs(op: OpName, words: Int32Array, outShape: readonly number[]): Attrs {
  const attrs: Attrs = {};
  const bits = new Int32Array(1), f = new Float32Array(bits.buffer);
  OPS[op].attrs.forEach(([name, kind], i) => {
    if (kind === "i") attrs[name] = words[i];
    else if (kind === "f") {
      bits[0] = words[i];
      attrs[name] = f[0];
    } else attrs[name] = [...words.subarray(i)];
  });
  if (op === "Reshape") attrs.shape = [...outShape]; // not packed: the output's dims say it all
  return attrs;
}

const WINDOW = ["kh", "kw", "sh", "sw", "dh", "dw"] as const;
const PADS = ["padTop", "padLeft", "padBottom", "padRight"] as const;

/** The attribute-value checks of §4.1; `bad(attr, msg)` throws. */
function checkAttrs(op: OpName, words: Int32Array, ins: number[][], out: number[],
  bad: (attr: string, msg: string) => never): void {
  const spec = OPS[op].attrs;
  const get = (name: string) => words[spec.findIndex(([a]) => a === name)];
  const has = (name: string) => spec.some(([a]) => a === name);
  if (has("act") && (get("act") < 0 || get("act") > 3)) bad("act", `act ${get("act")} is not 0..3`);
  if (has("kh")) {
    for (const a of WINDOW) if (get(a) < 1) bad(a, `${a} is ${get(a)}, expected ≥ 1`);
    for (const a of PADS) if (get(a) < 0) bad(a, `${a} is ${get(a)}, expected ≥ 0`);
  }
  if (op === "Conv") {
    const g = get("group");
    if (g < 1) bad("group", `group is ${g}, expected ≥ 1`);
    const [x, w] = ins;
    if (x.length === 4 && w.length === 4 && (x[1] % g || w[0] % g))
      bad("group", `group ${g} does not divide C = ${x[1]} and F = ${w[0]}`);
  }
  if (op === "Pad") {
    if (get("mode") < 0 || get("mode") > 3) bad("mode", `mode ${get("mode")} is not 0..3`);
    const at = spec.findIndex(([a]) => a === "pads");
    for (let i = at; i < words.length; i++) if (words[i] < 0) bad("pads", `pads[${i - at}] is ${words[i]}, expected ≥ 0`);
  }
  const float = (name: string): number => new Float32Array(Int32Array.of(get(name)).buffer)[0];
  if (op === "BatchNormalization") {
    if (!(float("epsilon") > 0) || !Number.isFinite(float("epsilon"))) bad("epsilon", `epsilon ${float("epsilon")} is not a finite number > 0`);
    if (!(float("momentum") >= 0 && float("momentum") <= 1)) bad("momentum", `momentum ${float("momentum")} is not in [0, 1]`);
  }
  if (op === "Dropout" && !(float("ratio") >= 0 && float("ratio") < 1)) bad("ratio", `ratio ${float("ratio")} is not in [0, 1)`);
  if (op === "Reshape") {
    const count = (s: number[]) => s.reduce((a, b) => a * b, 1);
    if (count(ins[0]) !== count(out)) bad("", `input has ${count(ins[0])} elements, output ${count(out)}`);
  }
}

// Bounds-checked reader of .slim v1 and v2 (docs/FORMAT.md): every ✔ rule, once, at load. After a
// successful `readFile` the graph.ts tables describe the file and nothing is checked again.
// Arithmetic on file-supplied numbers is done in u64 so no offset + length can wrap.
import { setTables, setStrs, setError, say, tIsConst, tRank, nOut, gTens } from "../graph";
import { csrKept, csrDecode, csrBadColumn, unpackBits, HEAD } from "../decode/csr";
import { huffDecode, hErr, hAt, hA, hB } from "../decode/huffman";
import { readF16 } from "../decode/f16";
import { readInt8 } from "../decode/int8";
import { binCheck, binRow, binWords } from "../decode/binary";
import { GEMV_SPARSE_MAX } from "../ops/gemm";
import { SPMM_SPARSE_MAX } from "../ops/conv";
import { heapAlloc } from "../memory";
import { OP_LAST, OP_TRANSPOSE, OP_CONCAT, opMinIn, opMaxIn, opAttrs } from "../ops/opcodes";

const VERSION: u32 = 2;
const HEADER: u32 = 32;
// Section kinds as little-endian fourcc words; the first five are required.
const STRS: u32 = 0x53525453, TENS: u32 = 0x534E4554, NODE: u32 = 0x45444F4E, GRPH: u32 = 0x48505247;
const PLAN: u32 = 0x4E414C50, WGTS: u32 = 0x53544757, EXIT: u32 = 0x54495845;
// expand "auto" keeps a codebook weight as u8 indices (x8-lut kernels) only when its dense f32
// would pass this many bytes: the f32 kernels are faster (Node 20, SIMD, batch 1, 32 levels:
// LeNet-300 90% pruned 24 µs f32-spmv vs 45 µs x8-lut-spmv; dense 35 µs f32-gemv vs 140 µs
// x8-lut-gemv; LeNet-5 90% pruned 85 µs f32-spmm vs ~100–200 µs x8-lut-spmm), the indices
// take a quarter of the memory (dense) or 5/8 of it (sparse).
const EXPAND_MAX: u64 = 64 << 20;
const KINDS: StaticArray<u32> = [STRS, TENS, NODE, GRPH, PLAN, WGTS, EXIT];

/** Parsed facts runtime.ts needs after load. */
export let rWriter: usize = 0;    // u32 per tensor: 0 unwritten, 1 graph input, 2 + index of the node writing it
export let rLastUse: usize = 0;   // u32 per tensor: last node reading it (node count for a graph output)
export let rExitCount: u32 = 0;
export let rExits: usize = 0;     // address of EXIT record 0 (20 bytes each, docs/FORMAT.md §8)
export let rThresholds: usize = 0; // f32 per exit, the file's after load; JS may overwrite them
export let rHead: usize = 0;      // u8 per node: 1 + the exit whose head holds it, else 0
export let rInputs: usize = 0;   // address of GRPH inputIds
export let rInputCount: u32 = 0;
export let rOutputs: usize = 0;  // address of GRPH outputIds
export let rOutputCount: u32 = 0;
export let rArenaBytes: u32 = 0;
export let rDynamic: bool = false;
export let rData: usize = 0;      // usize per tensor (graph.ts gData)
export let rArenaOff: usize = 0;  // u32 per tensor: arena offset of activations
export let rSparse: usize = 0;    // usize per tensor (graph.ts gSparse)
/** Model.load's `expand`: 0 auto, 1 always (f32 at load), 2 never (codebook indices kept). */
export let rExpand: u32 = 0;
export function setExpand(mode: u32): void { rExpand = mode; }

let crcTable: usize = 0;

function crc32(p: usize, n: usize, crc: u32 = 0xFFFFFFFF): u32 {
  if (!crcTable) {
    crcTable = heap.alloc(1024);
    for (let i: u32 = 0; i < 256; i++) {
      let c = i;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1;
      store<u32>(crcTable + (<usize>i << 2), c);
    }
  }
  for (let e = p + n; p < e; p++) {
    crc = load<u32>(crcTable + (<usize>((crc ^ load<u8>(p)) & 0xFF) << 2)) ^ (crc >>> 8);
  }
  return crc;
}

// Section currently being read and its bounds (for messages and bounds checks).
let file: usize = 0;
let curKind: u32 = 0; // section kind, 0 while reading the header
let secOff: u32 = 0;
let secLen: u32 = 0;

/** Records "<place> at offset 0x…: " + template `t` filled from a..f (graph.ts `say`). */
export function bad(at: u64, t: usize, a: u32 = 0, b: u32 = 0, c: u32 = 0, d: u32 = 0, e: u32 = 0, f: u32 = 0): bool {
  if (curKind) setError("section \"%k\" at offset %x: ", curKind, <u32>at);
  else setError("header at offset %x: ", <u32>at);
  say(t, a, b, c, d, e, f);
  return false;
}

/** For decode/*.ts: the place of the next `bad` is section WGTS (true) or TENS. */
export function inSection(wgts: bool): void { curKind = wgts ? WGTS : TENS; }

/** Section table entry address of `kind` (0 when absent). */
function findSection(table: usize, count: u32, k: u32): usize {
  for (let i: u32 = 0; i < count; i++) {
    const e = table + <usize>i * 16;
    if (load<u32>(e) == k) return e;
  }
  return 0;
}
function enter(e: usize): void {
  curKind = load<u32>(e); secOff = load<u32>(e + 4); secLen = load<u32>(e + 8);
}

let strsOff: u32 = 0;
let strsLen: u32 = 0;
/** ✔ a STRS reference is in bounds and its length ≤ 4096. `at` is the referring field. */
function checkStr(ref: u32, at: u64, what: usize, i: u32): bool {
  if (<u64>ref + 4 > <u64>strsLen) { bad(at, what, i); say(" name reference %d is past STRS (%d bytes)", ref, strsLen); return false; }
  const n = load<u32>(file + strsOff + ref);
  if (n > 4096) { bad(at, what, i); say(" name length %d exceeds 4096", n); return false; }
  if (<u64>ref + 4 + <u64>n > <u64>strsLen) { bad(at, what, i); say(" name of %d bytes at %d runs past STRS (%d bytes)", n, ref, strsLen); return false; }
  return true;
}

/** Parse and verify the file at `base` (`length` bytes). Returns false with an error set. */
export function readFile(base: usize, length: u32, maxElements: u32): bool {
  file = base; curKind = 0;
  if (length < HEADER) return bad(0, "file is truncated: %d bytes, the header alone needs 32", length);
  if (load<u32>(base) != 0x4D494C53) return bad(0, "bad magic \"%k\", expected \"SLIM\" (not a .slim file)", load<u32>(base));
  const version = <u32>load<u16>(base + 4);
  if (version > VERSION) return bad(4, "file version %d is newer than this runtime (2); upgrade slimnet", version);
  if (version == 0) return bad(4, "version 0 is not a valid version");
  const flags = <u32>load<u16>(base + 6);
  if (flags & ~1) return bad(6, "unknown flag bits %x", flags & ~1);
  rDynamic = (flags & 1) != 0;
  const count = load<u32>(base + 8);
  if (count < 1 || count > 32) return bad(8, "section count %d is outside 1..32", count);
  const fileLength = load<u32>(base + 12);
  if (fileLength != length) return bad(12, fileLength > length ? "fileLength says %d bytes but the file has %d (truncated)" : "fileLength says %d bytes but the file has %d", fileLength, length);
  const tableEnd = HEADER + count * 16;
  if (tableEnd > length) return bad(32, "section table of %d entries ends at %d, past the file (%d bytes)", count, tableEnd, length);
  const hcrc = crc32(base + 16 + 16, count * 16, crc32(base, 16)) ^ 0xFFFFFFFF;
  if (hcrc != load<u32>(base + 16)) return bad(16, "header CRC %x does not match the computed %x", load<u32>(base + 16), hcrc);
  for (let i = 20; i < 32; i++) if (load<u8>(base + i)) return bad(i, "reserved byte is %d, expected 0", load<u8>(base + i));

  const table = base + HEADER;
  for (let i: u32 = 0; i < count; i++) {
    const e = table + <usize>i * 16;
    const at: u64 = HEADER + i * 16;
    const kind = load<u32>(e);
    let known = false;
    for (let k = 0; k < KINDS.length; k++) if (kind == unchecked(KINDS[k])) known = true;
    if (!known) return bad(at, "unknown section kind \"%k\"", kind);
    const off = load<u32>(e + 4), len = load<u32>(e + 8);
    if (off & 15) return bad(at + 4, "section %k offset %x is not a multiple of 16", kind, off);
    if (off < tableEnd) return bad(at + 4, "section %k offset %x is inside the header or section table (ends at %x)", kind, off, tableEnd);
    if (<u64>off + <u64>len > <u64>length) return bad(at + 8, "section %k at %x of %d bytes ends past the file (%d bytes)", kind, off, len, length);
    for (let j: u32 = 0; j < i; j++) {
      const f = table + <usize>j * 16;
      if (load<u32>(f) == kind) return bad(at, "section %k appears twice", kind);
      const o2 = load<u32>(f + 4), l2 = load<u32>(f + 8);
      if (<u64>off < <u64>o2 + l2 && <u64>o2 < <u64>off + len) return bad(at + 4, "section %k overlaps section %k", kind, load<u32>(f));
    }
    const c = crc32(base + off, len) ^ 0xFFFFFFFF;
    if (c != load<u32>(e + 12)) {
      curKind = kind;
      return bad(off, "CRC %x does not match the computed %x (corrupt section)", load<u32>(e + 12), c);
    }
  }
  for (let k = 0; k < 5; k++) {
    if (!findSection(table, count, unchecked(KINDS[k]))) return bad(32, "required section %k is missing", unchecked(KINDS[k]));
  }

  // STRS
  const es = findSection(table, count, STRS);
  strsOff = load<u32>(es + 4); strsLen = load<u32>(es + 8);
  setStrs(base + strsOff);
  curKind = STRS;
  if (!checkStr(0, strsOff, "graph", 0)) return false; // §2: the graph name at offset 0

  // WGTS (optional)
  const ew = findSection(table, count, WGTS);
  const wOff: u32 = ew ? load<u32>(ew + 4) : 0;
  const wLen: u32 = ew ? load<u32>(ew + 8) : 0;

  // PLAN
  enter(findSection(table, count, PLAN));
  if (secLen != 16) return bad(secOff, "length expected 16, got %d", secLen);
  rArenaBytes = load<u32>(base + secOff);
  for (let i: u32 = 4; i < 16; i += 4) if (load<u32>(base + secOff + i)) return bad(secOff + i, "reserved field expected 0, got %d", load<u32>(base + secOff + i));

  // TENS
  enter(findSection(table, count, TENS));
  if (secLen < 4) return bad(secOff, "length expected at least 4, got %d", secLen);
  const nT = load<u32>(base + secOff);
  if (nT < 1 || nT > 65536) return bad(secOff, "tensor count %d is outside 1..65536", nT);
  if (<u64>secLen != 4 + <u64>nT * 48) return bad(secOff, "length expected %d for %d tensors, got %d", 4 + nT * 48, nT, secLen);
  const tens = base + secOff + 4;
  rData = heap.alloc(<usize>nT << alignof<usize>());
  const size1 = heap.alloc(<usize>nT << 2);
  rArenaOff = heap.alloc(<usize>nT << 2);
  rSparse = heap.alloc(<usize>nT << alignof<usize>());
  memory.fill(rSparse, 0, <usize>nT << alignof<usize>());
  for (let t: u32 = 0; t < nT; t++) {
    const r = tens + <usize>t * 48;
    const at: u64 = <u64>secOff + 4 + <u64>t * 48;
    if (!checkStr(load<u32>(r), at, "tensor %d", t)) return false;
    const kind = load<u8>(r + 4), dtype = load<u8>(r + 5), rank = load<u8>(r + 6), enc = load<u8>(r + 7);
    if (kind > 1) return bad(at + 4, "tensor %d kind expected 0 (activation) or 1 (constant), got %d", t, kind);
    if (dtype != 1) return bad(at + 5, "tensor %d dtype expected 1 (f32), got %d", t, dtype);
    if (rank > 6) return bad(at + 6, "tensor %d rank %d exceeds 6", t, rank);
    if (kind == 0 && enc != 0) return bad(at + 7, "tensor %d is an activation with encoding expected 0, got %d", t, enc);
    if (enc > 6) return bad(at + 7, "tensor %d encoding %d is unknown", t, enc);
    let elems: u64 = 1;
    for (let i: u32 = 0; i < 6; i++) {
      const d = load<u32>(r + 8 + (<usize>i << 2));
      if (i < rank) {
        if (d < 1) return bad(at + 8 + i * 4, "tensor %d dim %d expected >= 1, got %d", t, i, d);
        elems *= d;
        if (elems > <u64>maxElements) return bad(at + 8 + i * 4, "tensor %d element count exceeds the limit %d (dims too large)", t, maxElements);
      } else if (d != 0) return bad(at + 8 + i * 4, "tensor %d dim %d beyond rank %d expected 0, got %d", t, i, rank, d);
    }
    store<u32>(size1 + (<usize>t << 2), <u32>elems);
    const off = load<u32>(r + 32), blen = load<u32>(r + 36);
    if (off & 15) return bad(at + 32, "tensor %d offset %x is not a multiple of 16", t, off);
    if (enc == 0 && <u64>blen != elems * 4) return bad(at + 36, "tensor %d byteLength expected %d (4 × elements, f32), got %d", t, <u32>elems * 4, blen);
    if (kind == 0) {
      if (<u64>off + <u64>blen > <u64>rArenaBytes) return bad(at + 32, "tensor %d arena range %x+%d exceeds arenaBytes %d", t, off, blen, rArenaBytes);
      store<u32>(rArenaOff + (<usize>t << 2), off);
    } else {
      if (!ew) return bad(at + 4, "tensor %d is a constant but the file has no WGTS section", t);
      if (<u64>off + <u64>blen > <u64>wLen) return bad(at + 32, "tensor %d data %x+%d runs past WGTS (%d bytes)", t, off, blen, wLen);
      store<usize>(rData + (<usize>t << alignof<usize>()), base + wOff + off);
    }
    if (enc == 0 && load<u32>(r + 40)) return bad(at + 40, "tensor %d param expected 0 for f32, got %d", t, load<u32>(r + 40));
    if (load<u32>(r + 44)) return bad(at + 44, "tensor %d reserved field expected 0, got %d", t, load<u32>(r + 44));
    if (enc >= 3 && enc <= 5 && !readCoded(t, r, at, base + wOff + off, blen, <u32>elems, enc)) return false;
    if (enc == 1 || enc == 2) {
      const d = enc == 1 ? readF16(t, r, at, base + wOff + off, <u32>elems) : readInt8(t, r, at, base + wOff + off, <u64>wOff + off, <u32>elems);
      if (!d) return false;
      store<usize>((enc == 1 ? rData : rSparse) + (<usize>t << alignof<usize>()), d);
    }
    if (enc == 6 && !readBinary(t, r, at, base + wOff + off, blen, <u32>elems)) return false;
  }

  // GRPH: parsed before NODE so node inputs can be checked against graph inputs.
  enter(findSection(table, count, GRPH));
  if (secLen < 4) return bad(secOff, "length expected at least 4, got %d", secLen);
  rInputCount = load<u32>(base + secOff);
  if (rInputCount < 1 || rInputCount > 64) return bad(secOff, "input count %d is outside 1..64", rInputCount);
  const oAt: u64 = <u64>secOff + 4 + <u64>rInputCount * 4;
  if (oAt + 4 > <u64>secOff + secLen) return bad(secOff, "length %d is too short for %d inputs", secLen, rInputCount);
  rOutputCount = load<u32>(base + <usize>oAt);
  if (rOutputCount < 1 || rOutputCount > 64) return bad(oAt, "output count %d is outside 1..64", rOutputCount);
  if (<u64>secLen != 8 + (<u64>rInputCount + rOutputCount) * 4) return bad(secOff, "length expected %d, got %d", 8 + (rInputCount + rOutputCount) * 4, secLen);
  rInputs = base + secOff + 4;
  rOutputs = base + <usize>oAt + 4;
  // state per tensor: 0 unwritten, 1 graph input, 2 + node index = written by that node
  const state = heap.alloc(<usize>nT << 2);
  memory.fill(state, 0, <usize>nT << 2);
  const lastUse = heap.alloc(<usize>nT << 2);
  memory.fill(lastUse, 0, <usize>nT << 2);
  for (let i: u32 = 0; i < rInputCount + rOutputCount + 1; i++) {
    if (i == rInputCount) continue;
    const isIn = i < rInputCount;
    const p = isIn ? rInputs + (<usize>i << 2) : rOutputs + (<usize>(i - rInputCount - 1) << 2);
    const j = isIn ? i : i - rInputCount - 1;
    const id = load<u32>(p);
    if (id >= nT) return bad(p - base, isIn ? "input %d tensor id %d is not below the tensor count %d" : "output %d tensor id %d is not below the tensor count %d", j, id, nT);
    if (load<u8>(tens + <usize>id * 48 + 4) != 0) return bad(p - base, isIn ? "input %d tensor %d is a constant, expected an activation" : "output %d tensor %d is a constant, expected an activation", j, id);
    if (isIn) store<u32>(state + (<usize>id << 2), 1);
  }

  // NODE
  enter(findSection(table, count, NODE));
  if (secLen < 4) return bad(secOff, "length expected at least 4, got %d", secLen);
  const nN = load<u32>(base + secOff);
  if (nN < 1 || nN > 65536) return bad(secOff, "node count %d is outside 1..65536", nN);
  const nodes = heap.alloc(<usize>nN << 2);
  const end: u64 = <u64>secOff + secLen;
  let p: u64 = <u64>secOff + 4;
  for (let n: u32 = 0; n < nN; n++) {
    if (p + 12 > end) return bad(p, "node %d record header runs past the section end %x", n, <u32>end);
    const r = base + <usize>p;
    store<u32>(nodes + (<usize>n << 2), <u32>r);
    if (!checkStr(load<u32>(r), p, "node %d", n)) return false;
    const op = <u32>load<u16>(r + 4);
    const nIn = <u32>load<u8>(r + 6), nOut = <u32>load<u8>(r + 7), nAttr = load<u32>(r + 8);
    if (op < 1 || op > OP_LAST) return bad(p + 4, "node %d opcode %d is unknown", n, op);
    // Messages below start "node <n> (<Op>)".
    const lo = <u32>opMinIn(op), hi = <u32>opMaxIn(op);
    if (nIn < lo || nIn > hi) return bad(p + 6, hi != lo ? "node %d (%o) has %d inputs, expected %d..%d" : "node %d (%o) has %d inputs, expected %d", n, op, nIn, lo, hi);
    if (nOut != 1) return bad(p + 7, "node %d (%o) outputs expected 1, got %d", n, op, nOut);
    if (nAttr > 64) return bad(p + 8, "node %d (%o) attribute count %d exceeds 64", n, op, nAttr);
    const need = opAttrs(op);
    if (need >= 0 && nAttr != <u32>need) return bad(p + 8, "node %d (%o) attribute count expected %d, got %d", n, op, need, nAttr);
    const recEnd = p + 12 + (<u64>nIn + nOut + nAttr) * 4;
    if (recEnd > end) return bad(p, "node %d (%o) record of %d bytes runs past the section end %x", n, op, <u32>(recEnd - p), <u32>end);
    for (let i: u32 = 0; i < nIn; i++) {
      const id = load<u32>(r + 12 + (<usize>i << 2));
      const at = p + 12 + i * 4;
      if (id >= nT) return bad(at, "node %d (%o) input %d tensor id %d is not below the tensor count %d", n, op, i, id, nT);
      if (load<u8>(tens + <usize>id * 48 + 4) == 0) {
        if (load<u32>(state + (<usize>id << 2)) == 0) return bad(at, "node %d (%o) reads tensor %d before any node writes it (cycle or wrong order)", n, op, id);
        store<u32>(lastUse + (<usize>id << 2), n);
      }
    }
    if (need < 0) {
      const r0 = <u32>load<u8>(tens + <usize>load<u32>(r + 12) * 48 + 6);
      const want = op == OP_TRANSPOSE ? r0 : 2 + 2 * r0;
      if (nAttr != want) return bad(p + 8, "node %d (%o) attribute count expected %d for input rank %d, got %d", n, op, want, r0, nAttr);
    }
    const oid = load<u32>(r + 12 + (<usize>nIn << 2));
    const oat = p + 12 + nIn * 4;
    if (oid >= nT) return bad(oat, "node %d (%o) output tensor id %d is not below the tensor count %d", n, op, oid, nT);
    if (load<u8>(tens + <usize>oid * 48 + 4) != 0) return bad(oat, "node %d (%o) output tensor %d is a constant, expected an activation", n, op, oid);
    const s = load<u32>(state + (<usize>oid << 2));
    if (s == 1) return bad(oat, "node %d (%o) writes tensor %d which is a graph input", n, op, oid);
    if (s >= 2) return bad(oat, "node %d (%o) writes tensor %d already written by node %d", n, op, oid, s - 2);
    store<u32>(state + (<usize>oid << 2), n + 2);
    store<u32>(lastUse + (<usize>oid << 2), n);
    p = recEnd;
  }
  if (p != end) return bad(p, "records end at %x but the section ends at %x", <u32>p, <u32>end);

  curKind = GRPH;
  for (let i: u32 = 0; i < rOutputCount; i++) {
    const id = load<u32>(rOutputs + (<usize>i << 2));
    if (!load<u32>(state + (<usize>id << 2))) return bad(rOutputs + (<usize>i << 2) - base, "output %d tensor %d is neither written by a node nor a graph input", i, id);
    store<u32>(lastUse + (<usize>id << 2), nN);
  }

  // PLAN: activations whose live ranges meet must not share arena bytes. Sorted by offset,
  // each activation is compared only with those starting before its end.
  curKind = PLAN;
  const order = heap.alloc(<usize>nT << 2);
  let nA: u32 = 0;
  for (let t: u32 = 0; t < nT; t++) {
    if (load<u8>(tens + <usize>t * 48 + 4) == 0 && load<u32>(state + (<usize>t << 2))) { store<u32>(order + (<usize>nA << 2), t); nA++; }
  }
  sortByOffset(order, nA);
  for (let i: u32 = 0; i < nA; i++) {
    const a = load<u32>(order + (<usize>i << 2));
    const aEnd = load<u32>(rArenaOff + (<usize>a << 2)) + load<u32>(tens + <usize>a * 48 + 36);
    const aFrom = liveFrom(state, a), aTo = load<u32>(lastUse + (<usize>a << 2));
    for (let j = i + 1; j < nA; j++) {
      const b = load<u32>(order + (<usize>j << 2));
      if (load<u32>(rArenaOff + (<usize>b << 2)) >= aEnd) break;
      if (load<u32>(tens + <usize>b * 48 + 36) == 0) continue;
      const bFrom = liveFrom(state, b), bTo = load<u32>(lastUse + (<usize>b << 2));
      if (aFrom <= bTo && bFrom <= aTo && !concatSlice(nodes, state, lastUse, tens, a, b) && !concatSlice(nodes, state, lastUse, tens, b, a)) {
        return bad(secOff, "tensors %d and %d are live at the same time (nodes %d..%d and %d..%d) but overlap in the arena", a, b, aFrom, aTo, bFrom, bTo);
      }
    }
  }
  setTables(tens, nT, base + strsOff, nodes, nN, rData, size1, rDynamic, rSparse);
  rWriter = state; rLastUse = lastUse;
  return readExits(table, count, version, nT, nN);
}

/**
 * §8 EXIT, after everything else (§10 step 9): version vs count, section length, each record
 * field by field, then the file-level rules. Fills the exit tables of runtime.ts.
 */
function readExits(table: usize, count: u32, version: u32, nT: u32, nN: u32): bool {
  rExitCount = 0;
  const ex = findSection(table, count, EXIT);
  if (!ex) {
    curKind = 0;
    return version == 1 || bad(4, "version 2 (early exits) but the file has no EXIT section");
  }
  enter(ex);
  const base = file;
  if (secLen < 4) return bad(secOff, "length expected at least 4, got %d", secLen);
  const k = load<u32>(base + secOff);
  if (version == 1 && k) return bad(secOff, "exit count expected 0 in a version 1 file, got %d", k);
  if (version == 2 && !k) return bad(secOff, "exit count is 0, a version 2 file has at least 1");
  if (<u64>secLen != 4 + <u64>k * 20) return bad(secOff, "length expected %d for %d exits, got %d", <u32>(4 + <u64>k * 20), k, secLen);
  if (!k) return true;
  if (rOutputCount != 1) return bad(secOff, "a file with exits has exactly 1 graph output, got %d", rOutputCount);
  const out = load<u32>(rOutputs);
  rHead = heap.alloc(nN);
  memory.fill(rHead, 0, nN);
  for (let e: u32 = 0; e < k; e++) {
    const at = secOff + 4 + e * 20, r = base + at;
    const y = load<u32>(r), first = load<u32>(r + 4), last = load<u32>(r + 8);
    const rule = <u32>load<u8>(r + 12), values = <u32>load<u8>(r + 13), th = load<f32>(r + 16);
    if (y >= nT) return bad(at, "exit %d tensor id %d is not below the tensor count %d", e, y, nT);
    if (tIsConst(y)) return bad(at, "exit %d tensor %d is a constant, expected an activation", e, y);
    if (load<u32>(rWriter + (<usize>y << 2)) == 1 || y == out) return bad(at, "exit %d tensor %d is a graph input or output", e, y);
    // rank and dims (0 beyond the rank) of the two TENS records; kind, dtype, encoding are equal
    let same = true;
    for (let i: usize = 4; i < 32; i += 4) same = same && load<u32>(gTens + <usize>y * 48 + i) == load<u32>(gTens + <usize>out * 48 + i);
    if (!same) return bad(at, "exit %d tensor %d is %t, expected the graph output's %t", e, y, y, out);
    if (first > last) return bad(at + 4, "exit %d first node %d is after its last node %d", e, first, last);
    if (last >= nN) return bad(at + 8, "exit %d last node %d is not below the node count %d", e, last, nN);
    if (nOut(last, 0) != y) return bad(at + 8, "exit %d last node %d does not write its tensor %d", e, last, y);
    if (rule > 1) return bad(at + 12, "exit %d rule %d is unknown (0 max-softmax, 1 entropy)", e, rule);
    if (values > 1) return bad(at + 13, "exit %d values %d is unknown (0 logits, 1 probabilities)", e, values);
    if (load<u16>(r + 14)) return bad(at + 14, "exit %d reserved field expected 0, got %d", e, load<u16>(r + 14));
    if (!isFinite(th) || th < 0 || rule == 0 && th > 1) return bad(at + 16, rule ? "exit %d entropy threshold (f32 bits %x) is not finite and ≥ 0" : "exit %d max-softmax threshold (f32 bits %x) is not in [0, 1]", e, load<u32>(r + 16));
  }
  for (let e: u32 = 0; e < k; e++) {
    const at = secOff + 4 + e * 20, r = base + at;
    const first = load<u32>(r + 4), last = load<u32>(r + 8);
    if (e && first <= load<u32>(r - 12)) return bad(at + 4, "exit %d first node %d is not after exit %d's last node %d (exits go in execution order, heads do not overlap)", e, first, e - 1, load<u32>(r - 12));
    const w = load<u32>(rWriter + (<usize>out << 2)) - 2;
    if (w >= first && w <= last) return bad(at + 4, "exit %d: its head (nodes %d..%d) writes the graph output %d", e, first, last, out);
    for (let n = first; n <= last; n++) {
      const o = nOut(n, 0), u = load<u32>(rLastUse + (<usize>o << 2));
      if (u > last) return bad(at + 4, "exit %d: node %d outside the head (nodes %d..%d) reads tensor %d, written inside it", e, u, first, last, o);
      store<u8>(rHead + n, e + 1);
    }
    if (!tRank(out)) return bad(at, "exit %d: tensor %d and the graph output need rank ≥ 1 (dim 0 is the batch)", e, load<u32>(r));
  }
  rExitCount = k;
  rExits = base + secOff + 4;
  rThresholds = heap.alloc(<usize>k << 2);
  for (let e: u32 = 0; e < k; e++) store<f32>(rThresholds + (<usize>e << 2), load<f32>(rExits + <usize>e * 20 + 16));
  return true;
}

/** Tag 5: records the huffDecode failure as the §3.5 message; false. */
function huffBad(t: u32, name: u32): bool {
  if (hErr == 1) return bad(hAt - file, "tensor %d \"%s\": huffman data runs past byteLength", t, name);
  if (hErr == 2) return bad(hAt - file, "tensor %d \"%s\": huffman code is over-subscribed (Kraft sum %d > 32768)", t, name, hA);
  if (hErr == 3) return bad(hAt - file, "tensor %d \"%s\": huffman symbol %d is repeated or not below %d", t, name, hA, hB);
  if (hErr == 4) return bad(hAt - file, "tensor %d \"%s\": huffman stream ends before symbol %d of %d", t, name, hA, hB);
  return bad(hAt - file, "tensor %d \"%s\": huffman stream of %d bytes does not end with its last code (%d bits)", t, name, hA, hB);
}

/**
 * §3.2–3.5 checks of a csr, codebook or huffman tensor t (record r at file offset `at`, bytes
 * at p), then its decoding (docs/RUNTIME.md): sparse when its density is at most the kernel's
 * crossover (Gemm W, rank 2: GEMV; Conv W: SpMM; see the ops), with u8 codebook indices unless
 * expanded; a dense codebook Gemm W as u8 indices when not expanded; else dense f32. All of it
 * lives on the heap after the file.
 */
function readCoded(t: u32, r: usize, at: u64, p: usize, blen: u32, elems: u32, enc: u32): bool {
  const rank = <u32>load<u8>(r + 6), param = load<u32>(r + 40), name = load<u32>(r);
  const b = param & 0xFF, v = param >> 8 & 15, perRow = param >> 12 & 1, sparse = enc == 3 || b != 0;
  if (sparse && rank < 2) return bad(at + 6, "tensor %d \"%s\": csr needs rank ≥ 2, got %d", t, name, rank);
  if (enc == 3 && (b < 1 || b > 16)) return bad(at + 40, "tensor %d \"%s\": csr gap bits (param) %d is outside 1..16", t, name, b);
  if (param >> 13 || v > 8 || !v && (enc != 3 || perRow) || enc == 4 && b || enc == 5 && b > 8) {
    return bad(at + 40, "tensor %d \"%s\": param %x is invalid for encoding %d", t, name, param, enc);
  }
  const rows = rank ? load<u32>(r + 8) : 1, cols = elems / rows, book = (perRow ? rows : 1) << v;
  const pAt: u64 = p - file, end = p + blen;
  let nnz = elems, q = p;
  if (sparse) {
    if (blen < 4) return bad(at + 36, "tensor %d \"%s\": byteLength %d cannot hold the csr nnz", t, name, blen);
    nnz = load<u32>(p);
    curKind = WGTS;
    if (nnz > elems) return bad(pAt, "tensor %d \"%s\": csr nnz %d exceeds the %d elements", t, name, nnz, elems);
    q += 4 + (<usize>rows << 2);
  }
  if (enc != 5) {
    const want: u64 = <u64>(q - p) + (v ? <u64>book * 4 + ((<u64>nnz * v + 7) >> 3) : <u64>nnz * 4) + (sparse ? (<u64>nnz * b + 7) >> 3 : 0);
    if (<u64>blen != want) {
      curKind = TENS;
      if (!v) return bad(at + 36, "tensor %d \"%s\": byteLength %d, expected %d for csr of %d entries", t, name, blen, <u32>want, nnz);
      return bad(at + 36, "tensor %d \"%s\": byteLength %d, expected %d", t, name, blen, <u32>want);
    }
  }
  curKind = WGTS;
  let prev: u32 = 0;
  for (let i: u32 = 0; sparse && i < rows; i++) {
    const e = load<u32>(p + 4 + (<usize>i << 2));
    if (e < prev) return bad(pAt + 4 + i * 4, "tensor %d \"%s\": csr rowEnd[%d] = %d is below the previous %d", t, name, i, e, prev);
    prev = e;
  }
  if (sparse && prev != nnz) return bad(pAt + rows * 4, "tensor %d \"%s\": csr rowEnd[%d] = %d, expected nnz = %d", t, name, rows - 1, prev, nnz);
  const lut = v ? q : 0, vals = q;
  if (v) {
    if (<u64>q + <u64>book * 4 > <u64>end) return bad(q - file, "tensor %d \"%s\": huffman data runs past byteLength", t, name);
    for (let i: u32 = 0; i < book; i++) {
      if ((load<u32>(q + (<usize>i << 2)) & 0x7F800000) == 0x7F800000) return bad(q - file + i * 4, "tensor %d \"%s\": codebook value %d is not finite", t, name, i);
    }
    q += <usize>book << 2;
  }
  const idx = v ? heapAlloc(nnz) : 0;
  if (v && !idx) return bad(at, "tensor %d \"%s\": out of memory decoding (%d bytes)", t, name, nnz);
  let gaps = q, gb = b;
  if (enc == 5) {
    q = huffDecode(q, end, nnz, v, idx);
    if (sparse && q) {
      gaps = heapAlloc(nnz);
      gb = 8;
      if (!gaps) return bad(at, "tensor %d \"%s\": out of memory decoding (%d bytes)", t, name, nnz);
      q = huffDecode(q, end, nnz, b, gaps);
    }
    if (!q) return huffBad(t, name);
    if (q != end) { curKind = TENS; return bad(at + 36, "tensor %d \"%s\": byteLength %d, expected %d", t, name, blen, <u32>(q - p)); }
  } else {
    const used: u64 = <u64>nnz * (v ? v : 32);
    if (v && used & 7 && load<u8>(q + <usize>(used >> 3)) >> <u32>(used & 7)) {
      return bad(q - file + (used >> 3), "tensor %d \"%s\": padding bits of the last index byte are not 0", t, name);
    }
    if (v) unpackBits(q, nnz, v, idx);
    gaps = q + <usize>((used + 7) >> 3);
    const g: u64 = <u64>nnz * b;
    if (g & 7 && load<u8>(gaps + <usize>(g >> 3)) >> <u32>(g & 7)) {
      return bad(gaps - file + (g >> 3), "tensor %d \"%s\": csr padding bits of the last gap byte are not 0", t, name);
    }
  }
  const stride: u32 = perRow ? 4 << v : 0;
  // expand: always → f32; never → indices kept; auto → see docs/RUNTIME.md (codebook forms).
  const lutKept = v != 0 && rExpand != 1 && (rExpand == 2 || <u64>elems * 4 > EXPAND_MAX);
  let out: usize;
  if (sparse) {
    const kept = csrKept(p + 4, rows, vals, idx, lut, stride);
    const keep = <f64>kept <= <f64>elems * (rank == 2 ? GEMV_SPARSE_MAX : SPMM_SPARSE_MAX);
    const bytes: u64 = keep ? <u64>HEAD + (<u64>rows + 1 + <u64>kept) * 4 + (lutKept ? kept : <u64>kept * 4) : <u64>elems * 4;
    out = heapAlloc(bytes);
    if (!out) return bad(at, "tensor %d \"%s\": out of memory decoding (%d bytes)", t, name, <u32>bytes);
    if (keep) store<u32>(out, kept, 12);
    else memory.fill(out, 0, <usize>bytes);
    const j = csrDecode(p + 4, rows, cols, gaps, gb, vals, idx, lut, stride, lutKept, keep ? 0 : out, out);
    if (j >= 0) {
      const gAt: u64 = enc == 5 ? gaps - file : gaps - file + ((<u64>j * b) >> 3);
      return bad(gAt, "tensor %d \"%s\": csr entry %d has column %d, expected < %d", t, name, j, csrBadColumn, cols);
    }
    if (!keep) store<usize>(rData + (<usize>t << alignof<usize>()), out);
    else store<usize>(rSparse + (<usize>t << alignof<usize>()), out);
  } else if (lutKept && rank == 2) {
    out = heapAlloc(HEAD);
    if (!out) return bad(at, "tensor %d \"%s\": out of memory decoding (%d bytes)", t, name, <u32>HEAD);
    memory.fill(out, 0, HEAD);
    store<usize>(out, idx, 8); store<usize>(out, lut, 16); store<u32>(out, stride, 20);
    store<usize>(rSparse + (<usize>t << alignof<usize>()), out);
  } else {
    out = heapAlloc(<u64>elems * 4);
    if (!out) return bad(at, "tensor %d \"%s\": out of memory decoding (%d bytes)", t, name, elems * 4);
    for (let i: u32 = 0; i < elems; i++) store<f32>(out + (<usize>i << 2), load<f32>(lut + <usize>(i / cols) * stride + (<usize>load<u8>(idx + i) << 2)));
    store<usize>(rData + (<usize>t << alignof<usize>()), out);
  }
  curKind = TENS;
  return true;
}

/** ✔ §3.8 of the binary tensor t (record r at file offset `at`, data at p); it stays in place. */
function readBinary(t: u32, r: usize, at: u64, p: usize, blen: u32, elems: u32): bool {
  const rank = <u32>load<u8>(r + 6), name = load<u32>(r), rows = rank ? load<u32>(r + 8) : 1, words = binWords(elems / rows);
  if (rank < 2) return bad(at + 6, "tensor %d \"%s\": binary needs rank ≥ 2, got %d", t, name, rank);
  if (load<u32>(r + 40)) return bad(at + 40, "tensor %d \"%s\": param %x is invalid for encoding %d", t, name, load<u32>(r + 40), 6);
  const want: u64 = <u64>rows * 4 + <u64>rows * words * 4;
  if (<u64>blen != want) return bad(at + 36, "tensor %d \"%s\": byteLength %d, expected %d for binary", t, name, blen, <u32>want);
  const e = binCheck(p, rows, elems / rows);
  curKind = WGTS;
  if (e == 1) return bad(p - file + binRow * 4, "tensor %d \"%s\": binary alpha[%d] is not finite and ≥ 0", t, name, binRow);
  if (e == 2) return bad(p - file + (<u64>rows + <u64>binRow * words + words - 1) * 4, "tensor %d \"%s\": padding bits of binary row %d's last word are not 0", t, name, binRow);
  curKind = TENS;
  return true;
}

/** §6 Concat slice: x is an input of the Concat writing y, read last there, at its slice of y. */
function concatSlice(nodes: usize, state: usize, lastUse: usize, tens: usize, x: u32, y: u32): bool {
  const s = load<u32>(state + (<usize>y << 2));
  if (s < 2) return false;
  const w = s - 2, r = <usize>load<u32>(nodes + (<usize>w << 2));
  if (<u32>load<u16>(r + 4) != OP_CONCAT || load<u32>(lastUse + (<usize>x << 2)) != w) return false;
  let at = load<u32>(rArenaOff + (<usize>y << 2));
  for (let i: u32 = 0, n = <u32>load<u8>(r + 6); i < n; i++) {
    const id = load<u32>(r + 12 + (<usize>i << 2));
    if (id == x) return load<u32>(rArenaOff + (<usize>x << 2)) == at;
    at += load<u32>(tens + <usize>id * 48 + 36);
  }
  return false;
}

/** First node at which activation t is live: graph inputs from the start. */
// @ts-ignore: decorator
@inline function liveFrom(state: usize, t: u32): u32 {
  const s = load<u32>(state + (<usize>t << 2));
  return s == 1 ? 0 : s - 2;
}

/** Shell sort of tensor ids by arena offset (load time only). */
function sortByOffset(ids: usize, n: u32): void {
  for (let gap = n >>> 1; gap > 0; gap >>>= 1) {
    for (let i = gap; i < n; i++) {
      const t = load<u32>(ids + (<usize>i << 2));
      const key = load<u32>(rArenaOff + (<usize>t << 2));
      let j = i;
      while (j >= gap && load<u32>(rArenaOff + (<usize>load<u32>(ids + (<usize>(j - gap) << 2)) << 2)) > key) {
        store<u32>(ids + (<usize>j << 2), load<u32>(ids + (<usize>(j - gap) << 2)));
        j -= gap;
      }
      store<u32>(ids + (<usize>j << 2), t);
    }
  }
}

/** Forget load-time tables (the heap was reset by `reserve`). */
export function resetReader(): void { crcTable = 0; }

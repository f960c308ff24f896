// Bounds-checked reader of .slim v1 (docs/FORMAT.md): every ✔ rule, once, at load. After a
// successful `readFile` the graph.ts tables describe the file and nothing is checked again.
// Arithmetic on file-supplied numbers is done in u64 so no offset + length can wrap.
import { setTables, setError } from "../graph";
import { OP_LAST, OP_TRANSPOSE, OP_PAD, opMinIn, opMaxIn, opAttrs, opName } from "../ops/opcodes";

const VERSION: u32 = 1;
const HEADER: u32 = 32;
// Section kinds as little-endian fourcc words; the first five are required.
const STRS: u32 = 0x53525453, TENS: u32 = 0x534E4554, NODE: u32 = 0x45444F4E, GRPH: u32 = 0x48505247;
const PLAN: u32 = 0x4E414C50, WGTS: u32 = 0x53544757, EXIT: u32 = 0x54495845;
const KINDS: StaticArray<u32> = [STRS, TENS, NODE, GRPH, PLAN, WGTS, EXIT];

/** Parsed facts runtime.ts needs after load. */
export let rInputs: usize = 0;   // address of GRPH inputIds
export let rInputCount: u32 = 0;
export let rOutputs: usize = 0;  // address of GRPH outputIds
export let rOutputCount: u32 = 0;
export let rArenaBytes: u32 = 0;
export let rDynamic: bool = false;
export let rData: usize = 0;      // usize per tensor (graph.ts gData)
export let rArenaOff: usize = 0;  // u32 per tensor: arena offset of activations

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

function hex(v: u64): string { return "0x" + (<u32>v).toString(16); }
function fourcc(v: u32): string {
  let s = "";
  for (let i = 0; i < 4; i++) {
    const c = (v >>> (i * 8)) & 0xFF;
    s += c >= 32 && c < 127 ? String.fromCharCode(c) : "\\x" + c.toString(16);
  }
  return s;
}

// Section currently being read and its bounds (for messages and bounds checks).
let file: usize = 0;
let curKind: string = "header";
let secOff: u32 = 0;
let secLen: u32 = 0;

function bad(at: u64, msg: string): bool {
  setError((curKind == "header" ? "header" : "section \"" + curKind + "\"") + " at offset " + hex(at) + ": " + msg);
  return false;
}
function got(expected: string, v: u64): string { return "expected " + expected + ", got " + (<u32>v).toString(); }

/** Section table entry address of `kind` (0 when absent). */
function findSection(table: usize, count: u32, k: u32): usize {
  for (let i: u32 = 0; i < count; i++) {
    const e = table + <usize>i * 16;
    if (load<u32>(e) == k) return e;
  }
  return 0;
}
function enter(e: usize): void {
  curKind = fourcc(load<u32>(e)); secOff = load<u32>(e + 4); secLen = load<u32>(e + 8);
}

let strsOff: u32 = 0;
let strsLen: u32 = 0;
/** ✔ a STRS reference is in bounds and its length ≤ 4096. `at` is the referring field. */
function checkStr(ref: u32, at: u64, what: string): bool {
  if (<u64>ref + 4 > <u64>strsLen) return bad(at, what + " name reference " + ref.toString() + " is past STRS (" + strsLen.toString() + " bytes)");
  const n = load<u32>(file + strsOff + ref);
  if (n > 4096) return bad(at, what + " name length " + n.toString() + " exceeds 4096");
  if (<u64>ref + 4 + <u64>n > <u64>strsLen) return bad(at, what + " name of " + n.toString() + " bytes at " + ref.toString() + " runs past STRS (" + strsLen.toString() + " bytes)");
  return true;
}

/** Parse and verify the file at `base` (`length` bytes). Returns false with an error set. */
export function readFile(base: usize, length: u32, maxElements: u32): bool {
  file = base; curKind = "header";
  if (length < HEADER) return bad(0, "file is truncated: " + length.toString() + " bytes, the header alone needs 32");
  if (load<u32>(base) != 0x4D494C53) return bad(0, "bad magic \"" + fourcc(load<u32>(base)) + "\", expected \"SLIM\" (not a .slim file)");
  const version = <u32>load<u16>(base + 4);
  if (version > VERSION) return bad(4, "file version " + version.toString() + " is newer than this runtime (1); upgrade slimnet");
  if (version == 0) return bad(4, "version 0 is not a valid version");
  const flags = <u32>load<u16>(base + 6);
  if (flags & ~1) return bad(6, "unknown flag bits " + hex(flags & ~1));
  rDynamic = (flags & 1) != 0;
  const count = load<u32>(base + 8);
  if (count < 1 || count > 32) return bad(8, "section count " + count.toString() + " is outside 1..32");
  const fileLength = load<u32>(base + 12);
  if (fileLength != length) return bad(12, "fileLength says " + fileLength.toString() + " bytes but the file has " + length.toString() + (fileLength > length ? " (truncated)" : ""));
  const tableEnd = HEADER + count * 16;
  if (tableEnd > length) return bad(32, "section table of " + count.toString() + " entries ends at " + tableEnd.toString() + ", past the file (" + length.toString() + " bytes)");
  const hcrc = crc32(base + 16 + 16, count * 16, crc32(base, 16));
  if ((hcrc ^ 0xFFFFFFFF) != load<u32>(base + 16)) return bad(16, "header CRC " + hex(load<u32>(base + 16)) + " does not match the computed " + hex(hcrc ^ 0xFFFFFFFF));
  for (let i = 20; i < 32; i++) if (load<u8>(base + i)) return bad(i, "reserved byte is " + load<u8>(base + i).toString() + ", expected 0");

  const table = base + HEADER;
  for (let i: u32 = 0; i < count; i++) {
    const e = table + <usize>i * 16;
    const at: u64 = HEADER + i * 16;
    let known = false;
    for (let k = 0; k < KINDS.length; k++) if (load<u32>(e) == KINDS[k]) known = true;
    if (!known) return bad(at, "unknown section kind \"" + fourcc(load<u32>(e)) + "\"");
    const off = load<u32>(e + 4), len = load<u32>(e + 8);
    const name = fourcc(load<u32>(e));
    if (off & 15) return bad(at + 4, "section " + name + " offset " + hex(off) + " is not a multiple of 16");
    if (off < tableEnd) return bad(at + 4, "section " + name + " offset " + hex(off) + " is inside the header or section table (ends at " + hex(tableEnd) + ")");
    if (<u64>off + <u64>len > <u64>length) return bad(at + 8, "section " + name + " at " + hex(off) + " of " + len.toString() + " bytes ends past the file (" + length.toString() + " bytes)");
    for (let j: u32 = 0; j < i; j++) {
      const f = table + <usize>j * 16;
      if (load<u32>(f) == load<u32>(e)) return bad(at, "section " + name + " appears twice");
      const o2 = load<u32>(f + 4), l2 = load<u32>(f + 8);
      if (<u64>off < <u64>o2 + l2 && <u64>o2 < <u64>off + len) return bad(at + 4, "section " + name + " overlaps section " + fourcc(load<u32>(f)));
    }
    const c = crc32(base + off, len) ^ 0xFFFFFFFF;
    if (c != load<u32>(e + 12)) {
      curKind = name;
      return bad(off, "CRC " + hex(load<u32>(e + 12)) + " does not match the computed " + hex(c) + " (corrupt section)");
    }
  }
  for (let k = 0; k < 5; k++) {
    if (!findSection(table, count, KINDS[k])) return bad(32, "required section " + fourcc(KINDS[k]) + " is missing");
  }

  // STRS
  const es = findSection(table, count, STRS);
  strsOff = load<u32>(es + 4); strsLen = load<u32>(es + 8);

  // WGTS (optional)
  const ew = findSection(table, count, WGTS);
  const wOff: u32 = ew ? load<u32>(ew + 4) : 0;
  const wLen: u32 = ew ? load<u32>(ew + 8) : 0;

  // PLAN
  enter(findSection(table, count, PLAN));
  if (secLen != 16) return bad(secOff, "length " + got("16", secLen));
  rArenaBytes = load<u32>(base + secOff);
  for (let i: u32 = 4; i < 16; i += 4) if (load<u32>(base + secOff + i)) return bad(secOff + i, "reserved field " + got("0", load<u32>(base + secOff + i)));

  // EXIT (reserved)
  const ex = findSection(table, count, EXIT);
  if (ex) {
    enter(ex);
    if (secLen < 4) return bad(secOff, "length " + got("at least 4", secLen));
    if (load<u32>(base + secOff)) return bad(secOff, "exit count " + got("0 (early exits are reserved in version 1)", load<u32>(base + secOff)));
  }

  // TENS
  enter(findSection(table, count, TENS));
  if (secLen < 4) return bad(secOff, "length " + got("at least 4", secLen));
  const nT = load<u32>(base + secOff);
  if (nT < 1 || nT > 65536) return bad(secOff, "tensor count " + nT.toString() + " is outside 1..65536");
  if (<u64>secLen != 4 + <u64>nT * 48) return bad(secOff, "length " + got((4 + nT * 48).toString() + " for " + nT.toString() + " tensors", secLen));
  const tens = base + secOff + 4;
  rData = heap.alloc(<usize>nT << alignof<usize>());
  const size1 = heap.alloc(<usize>nT << 2);
  rArenaOff = heap.alloc(<usize>nT << 2);
  for (let t: u32 = 0; t < nT; t++) {
    const r = tens + <usize>t * 48;
    const at: u64 = <u64>secOff + 4 + <u64>t * 48;
    const w = "tensor " + t.toString();
    if (!checkStr(load<u32>(r), at, w)) return false;
    const kind = load<u8>(r + 4), dtype = load<u8>(r + 5), rank = load<u8>(r + 6), enc = load<u8>(r + 7);
    if (kind > 1) return bad(at + 4, w + " kind " + got("0 (activation) or 1 (constant)", kind));
    if (dtype != 1) return bad(at + 5, w + " dtype " + got("1 (f32)", dtype));
    if (rank > 6) return bad(at + 6, w + " rank " + rank.toString() + " exceeds 6");
    if (kind == 0 && enc != 0) return bad(at + 7, w + " is an activation with encoding " + got("0", enc));
    if (enc >= 1 && enc <= 6) return bad(at + 7, w + ": encoding " + enc.toString() + " is not supported by this runtime (version 1)");
    if (enc > 6) return bad(at + 7, w + " encoding " + enc.toString() + " is unknown");
    let elems: u64 = 1;
    for (let i: u32 = 0; i < 6; i++) {
      const d = load<u32>(r + 8 + (<usize>i << 2));
      if (i < rank) {
        if (d < 1) return bad(at + 8 + i * 4, w + " dim " + i.toString() + " " + got(">= 1", d));
        elems *= d;
        if (elems > <u64>maxElements) return bad(at + 8 + i * 4, w + " element count exceeds the limit " + maxElements.toString() + " (dims too large)");
      } else if (d != 0) return bad(at + 8 + i * 4, w + " dim " + i.toString() + " beyond rank " + rank.toString() + " " + got("0", d));
    }
    store<u32>(size1 + (<usize>t << 2), <u32>elems);
    const off = load<u32>(r + 32), blen = load<u32>(r + 36);
    if (off & 15) return bad(at + 32, w + " offset " + hex(off) + " is not a multiple of 16");
    if (kind == 0) {
      if (<u64>blen != elems * 4) return bad(at + 36, w + " byteLength " + got((<u32>elems * 4).toString() + " (4 × elements)", blen));
      if (<u64>off + <u64>blen > <u64>rArenaBytes) return bad(at + 32, w + " arena range " + hex(off) + "+" + blen.toString() + " exceeds arenaBytes " + rArenaBytes.toString());
      store<u32>(rArenaOff + (<usize>t << 2), off);
    } else {
      if (!ew) return bad(at + 4, w + " is a constant but the file has no WGTS section");
      if (<u64>off + <u64>blen > <u64>wLen) return bad(at + 32, w + " data " + hex(off) + "+" + blen.toString() + " runs past WGTS (" + wLen.toString() + " bytes)");
      if (<u64>blen != elems * 4) return bad(at + 36, w + " byteLength " + got((<u32>elems * 4).toString() + " (4 × elements, f32)", blen));
      store<usize>(rData + (<usize>t << alignof<usize>()), base + wOff + off);
    }
    if (load<u32>(r + 44)) return bad(at + 44, w + " reserved field " + got("0", load<u32>(r + 44)));
  }

  // GRPH: parsed before NODE so node inputs can be checked against graph inputs.
  enter(findSection(table, count, GRPH));
  if (secLen < 4) return bad(secOff, "length " + got("at least 4", secLen));
  rInputCount = load<u32>(base + secOff);
  if (rInputCount < 1 || rInputCount > 64) return bad(secOff, "input count " + rInputCount.toString() + " is outside 1..64");
  const oAt: u64 = <u64>secOff + 4 + <u64>rInputCount * 4;
  if (oAt + 4 > <u64>secOff + secLen) return bad(secOff, "length " + secLen.toString() + " is too short for " + rInputCount.toString() + " inputs");
  rOutputCount = load<u32>(base + <usize>oAt);
  if (rOutputCount < 1 || rOutputCount > 64) return bad(oAt, "output count " + rOutputCount.toString() + " is outside 1..64");
  if (<u64>secLen != 8 + (<u64>rInputCount + rOutputCount) * 4) return bad(secOff, "length " + got((8 + (rInputCount + rOutputCount) * 4).toString(), secLen));
  rInputs = base + secOff + 4;
  rOutputs = base + <usize>oAt + 4;
  // state per tensor: 0 unwritten, 1 graph input, 2 + node index = written by that node
  const state = heap.alloc(<usize>nT << 2);
  memory.fill(state, 0, <usize>nT << 2);
  const lastUse = heap.alloc(<usize>nT << 2);
  memory.fill(lastUse, 0, <usize>nT << 2);
  for (let i: u32 = 0; i < rInputCount + rOutputCount + 1; i++) {
    if (i == rInputCount) continue;
    const p = i < rInputCount ? rInputs + (<usize>i << 2) : rOutputs + (<usize>(i - rInputCount - 1) << 2);
    const id = load<u32>(p);
    const what = i < rInputCount ? "input " + i.toString() : "output " + (i - rInputCount - 1).toString();
    if (id >= nT) return bad(p - base, what + " tensor id " + id.toString() + " is not below the tensor count " + nT.toString());
    if (load<u8>(tens + <usize>id * 48 + 4) != 0) return bad(p - base, what + " tensor " + id.toString() + " is a constant, expected an activation");
    if (i < rInputCount) store<u32>(state + (<usize>id << 2), 1);
  }

  // NODE
  enter(findSection(table, count, NODE));
  if (secLen < 4) return bad(secOff, "length " + got("at least 4", secLen));
  const nN = load<u32>(base + secOff);
  if (nN < 1 || nN > 65536) return bad(secOff, "node count " + nN.toString() + " is outside 1..65536");
  const nodes = heap.alloc(<usize>nN << 2);
  const end: u64 = <u64>secOff + secLen;
  let p: u64 = <u64>secOff + 4;
  for (let n: u32 = 0; n < nN; n++) {
    const w = "node " + n.toString();
    if (p + 12 > end) return bad(p, w + " record header runs past the section end " + hex(end));
    const r = base + <usize>p;
    store<u32>(nodes + (<usize>n << 2), <u32>r);
    if (!checkStr(load<u32>(r), p, w)) return false;
    const op = <u32>load<u16>(r + 4);
    const nIn = <u32>load<u8>(r + 6), nOut = <u32>load<u8>(r + 7), nAttr = load<u32>(r + 8);
    if (op < 1 || op > OP_LAST) return bad(p + 4, w + " opcode " + op.toString() + " is unknown");
    const wo = w + " (" + opName(op) + ")";
    if (nIn < <u32>opMinIn(op) || nIn > <u32>opMaxIn(op)) return bad(p + 6, wo + " has " + nIn.toString() + " inputs, expected " + opMinIn(op).toString() + (opMaxIn(op) != opMinIn(op) ? ".." + opMaxIn(op).toString() : ""));
    if (nOut != 1) return bad(p + 7, wo + " outputs " + got("1", nOut));
    if (nAttr > 64) return bad(p + 8, wo + " attribute count " + nAttr.toString() + " exceeds 64");
    const need = opAttrs(op);
    if (need >= 0 && nAttr != <u32>need) return bad(p + 8, wo + " attribute count " + got(need.toString(), nAttr));
    const recEnd = p + 12 + (<u64>nIn + nOut + nAttr) * 4;
    if (recEnd > end) return bad(p, wo + " record of " + (<u32>(recEnd - p)).toString() + " bytes runs past the section end " + hex(end));
    for (let i: u32 = 0; i < nIn; i++) {
      const id = load<u32>(r + 12 + (<usize>i << 2));
      const at = p + 12 + i * 4;
      if (id >= nT) return bad(at, wo + " input " + i.toString() + " tensor id " + id.toString() + " is not below the tensor count " + nT.toString());
      if (load<u8>(tens + <usize>id * 48 + 4) == 0) {
        if (load<u32>(state + (<usize>id << 2)) == 0) return bad(at, wo + " reads tensor " + id.toString() + " before any node writes it (cycle or wrong order)");
        store<u32>(lastUse + (<usize>id << 2), n);
      }
    }
    if (need < 0) {
      const r0 = <u32>load<u8>(tens + <usize>load<u32>(r + 12) * 48 + 6);
      const want = op == OP_TRANSPOSE ? r0 : 2 + 2 * r0;
      if (nAttr != want) return bad(p + 8, wo + " attribute count " + got(want.toString() + " for input rank " + r0.toString(), nAttr));
    }
    const oid = load<u32>(r + 12 + (<usize>nIn << 2));
    const oat = p + 12 + nIn * 4;
    if (oid >= nT) return bad(oat, wo + " output tensor id " + oid.toString() + " is not below the tensor count " + nT.toString());
    if (load<u8>(tens + <usize>oid * 48 + 4) != 0) return bad(oat, wo + " output tensor " + oid.toString() + " is a constant, expected an activation");
    const s = load<u32>(state + (<usize>oid << 2));
    if (s == 1) return bad(oat, wo + " writes tensor " + oid.toString() + " which is a graph input");
    if (s >= 2) return bad(oat, wo + " writes tensor " + oid.toString() + " already written by node " + (s - 2).toString());
    store<u32>(state + (<usize>oid << 2), n + 2);
    store<u32>(lastUse + (<usize>oid << 2), n);
    p = recEnd;
  }
  if (p != end) return bad(p, "records end at " + hex(p) + " but the section ends at " + hex(end));

  curKind = "GRPH";
  for (let i: u32 = 0; i < rOutputCount; i++) {
    const id = load<u32>(rOutputs + (<usize>i << 2));
    if (!load<u32>(state + (<usize>id << 2))) return bad(rOutputs + (<usize>i << 2) - base, "output " + i.toString() + " tensor " + id.toString() + " is neither written by a node nor a graph input");
    store<u32>(lastUse + (<usize>id << 2), nN);
  }

  // PLAN: activations whose live ranges meet must not share arena bytes. Sorted by offset,
  // each activation is compared only with those starting before its end.
  curKind = "PLAN";
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
      if (aFrom <= bTo && bFrom <= aTo) {
        return bad(secOff, "tensors " + a.toString() + " and " + b.toString() + " are live at the same time (nodes " + aFrom.toString() + ".." + aTo.toString() + " and " + bFrom.toString() + ".." + bTo.toString() + ") but overlap in the arena");
      }
    }
  }
  setTables(tens, nT, base + strsOff, nodes, nN, rData, size1, rDynamic);
  return true;
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

// The accessor contract between the runtime core and the ops (docs/RUNTIME.md): ops see
// tensors and nodes only through these functions. State is filled by format/reader.ts (load)
// and runtime.ts (plan); everything points into the file bytes or tables built at load.
import { opName } from "./ops/opcodes";

/** Address of TENS record 0 (48 bytes each) inside the copied file. */
export let gTens: usize = 0;
export let gTensCount: u32 = 0;
/** Address of STRS (string references are relative to it). */
export let gStrs: usize = 0;
/** u32 table: absolute address of each NODE record. */
export let gNodes: usize = 0;
export let gNodeCount: u32 = 0;
/** usize table: data pointer of each tensor (constants at load, activations at plan). */
export let gData: usize = 0;
/** usize table: kernel form of each csr/codebook weight not expanded to f32 (decode/csr.ts), else 0. */
export let gSparse: usize = 0;
/** u32 table: element count of each tensor at batch 1. */
export let gSize1: usize = 0;
export let gDynamic: bool = false;
export let gBatch: i32 = 1;
/** Scratch: the largest request of any prepare, and its 16-aligned address after plan. */
export let gScratchNeed: usize = 0;
export let gScratch: usize = 0;
/** Node being prepared (for fail messages). */
export let gNode: u32 = 0;

export function setTables(tens: usize, tensCount: u32, strs: usize, nodes: usize, nodeCount: u32, data: usize, size1: usize, dynamic: bool, sparse: usize): void {
  gTens = tens; gTensCount = tensCount; gStrs = strs; gNodes = nodes; gNodeCount = nodeCount;
  gData = data; gSize1 = size1; gDynamic = dynamic; gSparse = sparse;
}
/** At load, as soon as STRS is known (messages name tensors with %s). */
export function setStrs(strs: usize): void { gStrs = strs; }
export function setBatch(batch: i32): void { gBatch = batch; gScratchNeed = 0; }
/** In run, between nodes: the samples still running after an early exit (scratch stays as planned). */
export function setLiveBatch(batch: i32): void { gBatch = batch; }
export function setScratch(ptr: usize): void { gScratch = ptr; }
export function setNode(n: u32): void { gNode = n; }

// @ts-ignore: decorator
@inline function tRec(t: u32): usize { return gTens + <usize>t * 48; }
// @ts-ignore: decorator
@inline function nRec(n: u32): usize { return <usize>load<u32>(gNodes + (<usize>n << 2)); }

/** True for activations of a batch-dynamic file: dim 0 is scaled by the batch. */
// @ts-ignore: decorator
@inline export function tBatched(t: u32): bool { return gDynamic && load<u8>(tRec(t) + 4) == 0; }

export function tData(t: u32): usize { return load<usize>(gData + (<usize>t << alignof<usize>())); }
export function tRank(t: u32): i32 { return <i32>load<u8>(tRec(t) + 6); }
export function tDim(t: u32, axis: i32): i32 {
  const d = load<i32>(tRec(t) + 8 + (<usize>axis << 2));
  return axis == 0 && tBatched(t) ? d * gBatch : d;
}
export function tSize(t: u32): i32 {
  const s = load<i32>(gSize1 + (<usize>t << 2));
  return tBatched(t) ? s * gBatch : s;
}
export function tIsConst(t: u32): bool { return load<u8>(tRec(t) + 4) == 1; }
/** Encoding tag of t's record (docs/FORMAT.md §3.1): 0 f32, 1 f16, 2 int8, 3 csr, 4 codebook, 5 huffman, 6 binary. */
export function tEncoding(t: u32): u32 { return <u32>load<u8>(tRec(t) + 7); }
/** The file stores t as csr, codebook or huffman (whatever form it was decoded to). */
export function tIsCsr(t: u32): bool { return <u32>load<u8>(tRec(t) + 7) - 3 <= 2; }
/** Kernel form of a csr/codebook weight (head: rowPtr, cols, vals, kept, lut, lutStride; decode/csr.ts), or 0 when dense f32. */
export function tSparse(t: u32): usize { return load<usize>(gSparse + (<usize>t << alignof<usize>())); }

export function nOpcode(n: u32): u32 { return <u32>load<u16>(nRec(n) + 4); }
export function nInCount(n: u32): i32 { return <i32>load<u8>(nRec(n) + 6); }
export function nOutCount(n: u32): i32 { return <i32>load<u8>(nRec(n) + 7); }
export function nAttrCount(n: u32): i32 { return load<i32>(nRec(n) + 8); }
export function nIn(n: u32, i: i32): u32 { return load<u32>(nRec(n) + 12 + (<usize>i << 2)); }
export function nOut(n: u32, i: i32): u32 {
  const r = nRec(n);
  return load<u32>(r + 12 + (<usize>(<i32>load<u8>(r + 6) + i) << 2));
}
export function nAttrI(n: u32, k: i32): i32 {
  const r = nRec(n);
  return load<i32>(r + 12 + (<usize>(<i32>load<u8>(r + 6) + <i32>load<u8>(r + 7) + k) << 2));
}
export function nAttrF(n: u32, k: i32): f32 { return reinterpret<f32>(nAttrI(n, k)); }

/** From prepare: the op needs this much scratch during run (max over all nodes is kept). */
export function needScratch(bytes: usize): void { if (bytes > gScratchNeed) gScratchNeed = bytes; }
/** In run: the scratch pointer (16-aligned). */
export function scratch(): usize { return gScratch; }

// The last error message, UTF-8 in static memory (runtime.ts exports it as errorPtr/errorLen).
// Messages are templates with printf-like holes filled from numeric arguments, so each message
// is one string literal and one call, not a chain of concatenations. Template parameters are
// `usize`: assembly/transform/utf8-templates.mjs turns each literal passed there into a pointer
// to NUL-terminated UTF-8 (half the bytes of AssemblyScript's UTF-16 strings, no header).
const ERR_CAP: u32 = 8192;
export const gErrorPtr: usize = memory.data(ERR_CAP);
export let gErrorLen: u32 = 0;

function putByte(b: u32): void {
  if (gErrorLen < ERR_CAP) store<u8>(gErrorPtr + gErrorLen++, <u8>b);
}

/** Appends one UTF-16 unit as UTF-8 (putText: op names and abort messages, BMP text). */
function putUnit(c: u32): void {
  if (c < 0x80) { putByte(c); return; }
  if (c < 0x800) putByte(0xC0 | c >> 6);
  else { putByte(0xE0 | c >> 12); putByte(0x80 | (c >> 6 & 63)); }
  putByte(0x80 | (c & 63));
}
export function putText(s: string): void {
  for (let i = 0; i < s.length; i++) putUnit(s.charCodeAt(i));
}

function putNum(v: u32, radix: u32): void {
  if (v >= radix) putNum(v / radix, radix);
  const d = <u32>(v % radix);
  putByte(d < 10 ? 48 + d : 87 + d);
}

/** Appends template `t` (NUL-terminated UTF-8) where each hole takes the next argument:
 *  %d decimal, %i signed decimal, %x hex (0x…), %k four-character section kind, %o op name,
 *  %s STRS name at a reference, %t shape of a tensor id as [d0,d1,…]. */
export function say(t: usize, a: u32 = 0, b: u32 = 0, c: u32 = 0, d: u32 = 0, e: u32 = 0, f: u32 = 0): void {
  let k = 0;
  for (let p = t; load<u8>(p); p++) {
    const ch = <u32>load<u8>(p);
    if (ch != 37 || !load<u8>(p + 1)) { putByte(ch); continue; }
    const v = k == 0 ? a : k == 1 ? b : k == 2 ? c : k == 3 ? d : k == 4 ? e : f;
    const h = <u32>load<u8>(++p);
    k++;
    if (h == 100) putNum(v, 10);
    else if (h == 105) { // i
      if (<i32>v < 0) putByte(45);
      putNum(<i32>v < 0 ? -v : v, 10);
    } else if (h == 120) { putByte(48); putByte(120); putNum(v, 16); } // 0x…
    else if (h == 107) { // k
      for (let j = 0; j < 32; j += 8) {
        const q = <u32>(v >>> j) & 0xFF;
        if (q >= 32 && q < 127) putByte(q);
        else { putByte(92); putByte(120); putNum(q, 16); } // \x…
      }
    } else if (h == 111) {
      for (let q = opName(v); load<u8>(q) && load<u8>(q) != 124; q++) putByte(load<u8>(q));
    }
    else if (h == 115) {
      const r = gStrs + <usize>v;
      const n = load<u32>(r);
      for (let j: u32 = 0; j < n; j++) putByte(load<u8>(r + 4 + j));
    } else if (h == 116) {
      putByte(91);
      for (let j = 0; j < tRank(v); j++) { if (j) putByte(44); putNum(tDim(v, j), 10); }
      putByte(93);
    } else putByte(ch);
  }
}

/** Replaces the error message: template and arguments as for `say`. */
export function setError(t: usize, a: u32 = 0, b: u32 = 0, c: u32 = 0, d: u32 = 0, e: u32 = 0, f: u32 = 0): void {
  gErrorLen = 0;
  say(t, a, b, c, d, e, f);
}

/** From prepare: records "node <name> (<Op>): " + the message (as for `say`) and returns false. */
export function fail(t: usize, a: u32 = 0, b: u32 = 0, c: u32 = 0, d: u32 = 0, e: u32 = 0, f: u32 = 0): bool {
  const r = nRec(gNode);
  setError("node %s (%o): ", load<u32>(r), load<u16>(r + 4));
  say(t, a, b, c, d, e, f);
  return false;
}

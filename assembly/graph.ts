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
/** u32 table: element count of each tensor at batch 1. */
export let gSize1: usize = 0;
export let gDynamic: bool = false;
export let gBatch: i32 = 1;
/** Scratch: the largest request of any prepare, and its 16-aligned address after plan. */
export let gScratchNeed: usize = 0;
export let gScratch: usize = 0;
/** Node being prepared (for fail messages). */
export let gNode: u32 = 0;
export let gError: string = "";

export function setTables(tens: usize, tensCount: u32, strs: usize, nodes: usize, nodeCount: u32, data: usize, size1: usize, dynamic: bool): void {
  gTens = tens; gTensCount = tensCount; gStrs = strs; gNodes = nodes; gNodeCount = nodeCount;
  gData = data; gSize1 = size1; gDynamic = dynamic;
}
export function setBatch(batch: i32): void { gBatch = batch; gScratchNeed = 0; }
export function setScratch(ptr: usize): void { gScratch = ptr; }
export function setNode(n: u32): void { gNode = n; }
export function setError(msg: string): void { gError = msg; }

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

/** UTF-8 string at a STRS reference (checked at load). */
export function strAt(ref: u32): string {
  const p = gStrs + <usize>ref;
  return String.UTF8.decodeUnsafe(p + 4, <usize>load<u32>(p));
}

/** From prepare: records "node <name> (<Op>): msg" and returns false. */
export function fail(msg: string): bool {
  const r = nRec(gNode);
  gError = "node " + strAt(load<u32>(r)) + " (" + opName(<u32>load<u16>(r + 4)) + "): " + msg;
  return false;
}

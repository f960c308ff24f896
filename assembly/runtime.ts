// The exported ABI of runtime.wasm (docs/RUNTIME.md). Memory: [ static | file | tables | arena | scratch ].
import {
  gErrorPtr, gErrorLen, gTensCount, gStrs, gTens, gNodeCount, gScratchNeed, gData,
  setBatch, setError, say, putText, setNode, setScratch, tRank, tDim, tData, tIsConst,
} from "./graph";
import { readFile, resetReader, setExpand, rInputs, rInputCount, rOutputs, rOutputCount, rArenaBytes, rArenaOff, rDynamic } from "./format/reader";
import { prepareNode, runNode, nodeMacs } from "./ops/index";
import { heapAlloc as alloc } from "./memory";

let fileBase: usize = 0;
let loaded = false;
let planned = false;
let maxArena: u64 = 0;
let arenaPtr: usize = 0;
let arenaCap: u64 = 0;
let scratchPtr: usize = 0;
let scratchCap: usize = 0;
let planMacs: f64 = 0;

/** abort replacement (asconfig `--use abort=`): record the message and trap; no env import. */
function trap(msg: string | null, file: string | null, line: u32, col: u32): void {
  setError("internal error: ");
  putText(msg ? msg : "abort");
  say(" at ");
  putText(file ? file : "?");
  say(":%d", line);
  unreachable();
}

function err(t: usize, a: u32 = 0, b: u32 = 0, c: u32 = 0, d: u32 = 0): i32 { setError(t, a, b, c, d); return 1; }

export function reserve(fileBytes: u32): usize {
  heap.reset();
  resetReader();
  loaded = planned = false;
  arenaPtr = scratchPtr = 0;
  arenaCap = 0; scratchCap = 0;
  fileBase = alloc(fileBytes);
  return fileBase;
}

function loadModel(fileBytes: u32, maxTensorElements: u32, maxArenaBytes: u32, expand: u32): i32 {
  loaded = planned = false;
  setExpand(expand);
  if (!fileBase) return err("load: reserve was not called (or memory could not grow)");
  maxArena = maxArenaBytes;
  if (!readFile(fileBase, fileBytes, maxTensorElements)) return 1;
  loaded = true;
  return 0;
}

export function plan(batch: u32): i32 {
  planned = false;
  if (!loaded) return err("plan: no model loaded");
  if (batch < 1) return err("plan: batch must be at least 1");
  if (!rDynamic && batch != 1) return err("plan: this model is not batch-dynamic, batch must be 1 (got %d)", batch);
  const bytes = <u64>rArenaBytes * batch;
  if (bytes > maxArena) return err("plan: arena of %d bytes × batch %d exceeds maxArenaBytes %d", rArenaBytes, batch, <u32>maxArena);
  if (bytes > arenaCap) {
    arenaPtr = alloc(bytes);
    if (!arenaPtr) return err("plan: out of memory for an arena of %d bytes", <u32>bytes);
    arenaCap = bytes;
  }
  setBatch(batch);
  for (let t: u32 = 0; t < gTensCount; t++) {
    if (!tIsConst(t)) store<usize>(gData + (<usize>t << alignof<usize>()), arenaPtr + <usize>load<u32>(rArenaOff + (<usize>t << 2)) * batch);
  }
  planMacs = 0;
  for (let n: u32 = 0; n < gNodeCount; n++) {
    setNode(n);
    if (!prepareNode(n)) return 1;
    planMacs += nodeMacs(n);
  }
  const total = bytes + <u64>gScratchNeed;
  if (total > maxArena) return err("plan: arena %d bytes + scratch %d at batch %d exceeds maxArenaBytes %d", <u32>bytes, <u32>gScratchNeed, batch, <u32>maxArena);
  if (gScratchNeed > scratchCap) {
    scratchPtr = alloc(gScratchNeed);
    if (!scratchPtr) return err("plan: out of memory for %d bytes of scratch", <u32>gScratchNeed);
    scratchCap = gScratchNeed;
  }
  setScratch(scratchPtr);
  planned = true;
  return 0;
}

/** `load` is exported under its ABI name; inside this file `load` is the memory builtin. */
export { loadModel as load };

export function run(): i32 {
  if (!planned) return err("run: plan was not called (or failed)");
  for (let n: u32 = 0; n < gNodeCount; n++) runNode(n);
  return 0;
}

export function errorPtr(): usize { return gErrorPtr; }
export function errorLen(): u32 { return gErrorLen; }

export function inputCount(): u32 { return loaded ? rInputCount : 0; }
export function outputCount(): u32 { return loaded ? rOutputCount : 0; }
export function inputId(i: u32): u32 { return loaded && i < rInputCount ? load<u32>(rInputs + (<usize>i << 2)) : 0xFFFFFFFF; }
export function outputId(i: u32): u32 { return loaded && i < rOutputCount ? load<u32>(rOutputs + (<usize>i << 2)) : 0xFFFFFFFF; }

// @ts-ignore: decorator
@inline function valid(id: u32): bool { return loaded && id < gTensCount; }
export function tensorNamePtr(id: u32): usize { return valid(id) ? gStrs + <usize>load<u32>(gTens + <usize>id * 48) + 4 : 0; }
export function tensorNameLen(id: u32): u32 { return valid(id) ? load<u32>(gStrs + <usize>load<u32>(gTens + <usize>id * 48)) : 0; }
export function tensorRank(id: u32): u32 { return valid(id) ? <u32>tRank(id) : 0; }
export function tensorDim(id: u32, axis: u32): u32 { return valid(id) && axis < <u32>tRank(id) ? <u32>tDim(id, axis) : 0; }
export function tensorData(id: u32): usize { return valid(id) && (planned || tIsConst(id)) ? tData(id) : 0; }
export function batchDynamic(): u32 { return loaded && rDynamic ? 1 : 0; }
export function macs(): f64 { return planned ? planMacs : 0; }

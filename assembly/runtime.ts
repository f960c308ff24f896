// The exported ABI of runtime.wasm (docs/RUNTIME.md). Memory: [ static | file | tables | arena | scratch ].
import {
  gErrorPtr, gErrorLen, gTensCount, gStrs, gTens, gNodeCount, gScratchNeed, gData, gSize1,
  setBatch, setLiveBatch, setError, say, putText, setNode, setScratch, tRank, tDim, tData, tIsConst,
} from "./graph";
import {
  readFile, resetReader, setExpand, rInputs, rInputCount, rOutputs, rOutputCount, rArenaBytes, rArenaOff, rDynamic,
  rExitCount, rExits, rThresholds, rHead, rWriter, rLastUse,
} from "./format/reader";
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
// Early exits (docs/RUNTIME.md "Early exits (run)"): MACs per node at batch 1 (load), setExit's
// choice, and per planned batch the result rows, the exit each sample took and the map from
// compact rows to input order (plan).
let nodeMacs1: usize = 0;
let target: u32 = 0;
let heads: u32 = 1;
let planBatch: i32 = 1;
let results: usize = 0;
let taken: usize = 0;
let order: usize = 0;
let exitCap: u32 = 0;
let lastMacs: f64 = 0;

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
  arenaCap = 0; scratchCap = 0; exitCap = 0;
  fileBase = alloc(fileBytes);
  return fileBase;
}

function loadModel(fileBytes: u32, maxTensorElements: u32, maxArenaBytes: u32, expand: u32): i32 {
  loaded = planned = false;
  setExpand(expand);
  if (!fileBase) return err("load: reserve was not called (or memory could not grow)");
  maxArena = maxArenaBytes;
  setBatch(1);
  if (!readFile(fileBase, fileBytes, maxTensorElements)) return 1;
  nodeMacs1 = alloc(<u64>gNodeCount << 3);
  if (!nodeMacs1) return err("load: out of memory");
  for (let n: u32 = 0; n < gNodeCount; n++) store<f64>(nodeMacs1 + (<usize>n << 3), nodeMacs(n));
  target = rExitCount; heads = 1;
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
    if (!isHead(n)) planMacs += nodeMacs(n);
  }
  const total = bytes + <u64>gScratchNeed;
  if (total > maxArena) return err("plan: arena %d bytes + scratch %d at batch %d exceeds maxArenaBytes %d", <u32>bytes, <u32>gScratchNeed, batch, <u32>maxArena);
  if (gScratchNeed > scratchCap) {
    scratchPtr = alloc(gScratchNeed);
    if (!scratchPtr) return err("plan: out of memory for %d bytes of scratch", <u32>gScratchNeed);
    scratchCap = gScratchNeed;
  }
  setScratch(scratchPtr);
  if (batch > exitCap) {
    // taken and order (i32 each), then the result rows (only with exits)
    const rows: u64 = rExitCount ? <u64>load<u32>(gSize1 + (<usize>outId() << 2)) << 2 : 0;
    taken = alloc(<u64>batch * (8 + rows));
    if (!taken) return err("plan: out of memory for the exit tables at batch %d", batch);
    order = taken + (<usize>batch << 2);
    results = order + (<usize>batch << 2);
    exitCap = batch;
  }
  planBatch = batch;
  planned = true;
  return 0;
}

/** `load` is exported under its ABI name; inside this file `load` is the memory builtin. */
export { loadModel as load };

// @ts-ignore: decorator
@inline function isHead(n: u32): bool { return rExitCount != 0 && load<u8>(rHead + n) != 0; }
// @ts-ignore: decorator
@inline function outId(): u32 { return load<u32>(rOutputs); }
// @ts-ignore: decorator
@inline function exitField(k: u32, off: usize): u32 { return load<u32>(rExits + <usize>k * 20 + off); }
// @ts-ignore: decorator
@inline function u32At(table: usize, i: u32): u32 { return load<u32>(table + (<usize>i << 2)); }

/** docs/FORMAT.md §8 confidence of c values at p (f64, as src/ir/exit-rule.ts); NaN never fires. */
function fires(p: usize, c: u32, entropy: bool, probs: bool, threshold: f64): bool {
  let m = -Infinity, s: f64 = 0, h: f64 = 0;
  for (let i: u32 = 0; i < c; i++) {
    const v = <f64>load<f32>(p + (<usize>i << 2));
    if (probs && v != v) return false;
    if (v > m) m = v;
    if (probs && v > 0) h -= v * Math.log(v);
  }
  if (!probs) {
    for (let i: u32 = 0; i < c; i++) {
      const d = <f64>load<f32>(p + (<usize>i << 2)) - m, e = Math.exp(d);
      s += e;
      if (e > 0) h += d * e;
    }
    if (entropy) h = Math.log(s) - h / s; else m = 1 / s;
  }
  return entropy ? h <= threshold : m >= threshold;
}

/**
 * After exit k's head (node n), with `live` samples running: each stops when k is the target or
 * its rule fires; its row goes to its input index in the result (or to the output at batch 1).
 * The survivors' rows of every activation live across n move to the front. Returns the count left.
 */
function takeExit(k: u32, n: u32, live: i32): i32 {
  const x = rExits + <usize>k * 20, y = load<u32>(x), c = u32At(gSize1, y), rowBytes = <usize>c << 2;
  const entropy = load<u8>(x, 12) != 0, probs = load<u8>(x, 13) != 0, th = <f64>load<f32>(rThresholds + (<usize>k << 2));
  let left = 0;
  for (let r = 0; r < live; r++) {
    const i = u32At(order, r), row = tData(y) + <usize>r * rowBytes;
    if (k == target || fires(row, c, entropy, probs, th)) {
      memory.copy(planBatch == 1 ? tData(outId()) : results + <usize>i * rowBytes, row, rowBytes);
      store<u32>(taken + (<usize>i << 2), k);
    } else left++;
  }
  if (left == 0 || left == live) return left;
  for (let t: u32 = 0; t < gTensCount; t++) {
    const w = u32At(rWriter, t);
    if (!w || tIsConst(t) || (w > 1 && w - 2 > n) || u32At(rLastUse, t) <= n) continue;
    const rb = <usize>u32At(gSize1, t) << 2, p = tData(t);
    for (let r = 0, j = 0; r < live; r++) {
      if (u32At(taken, u32At(order, r)) != rExitCount) continue;
      if (j != r) memory.copy(p + <usize>j * rb, p + <usize>r * rb, rb);
      j++;
    }
  }
  for (let r = 0, j = 0; r < live; r++) {
    const i = u32At(order, r);
    if (u32At(taken, i) == rExitCount) { store<u32>(order + (<usize>j << 2), i); j++; }
  }
  return left;
}

export function run(): i32 {
  if (!planned) return err("run: plan was not called (or failed)");
  const b = planBatch;
  let live = b;
  lastMacs = 0;
  for (let i = 0; i < b; i++) { store<u32>(taken + (<usize>i << 2), rExitCount); store<u32>(order + (<usize>i << 2), i); }
  for (let n: u32 = 0; n < gNodeCount; n++) {
    const h = rExitCount ? <u32>load<u8>(rHead + n) : 0;
    if (h && h - 1 < target && !heads) continue;
    runNode(n);
    lastMacs += load<f64>(nodeMacs1 + (<usize>n << 3)) * live;
    if (h && n == exitField(h - 1, 8)) {
      live = takeExit(h - 1, n, live);
      if (!live) break;
      setLiveBatch(live);
    }
  }
  if (live < b && b > 1) {
    const rowBytes = <usize>u32At(gSize1, outId()) << 2, y = tData(outId());
    for (let r = 0; r < live; r++) memory.copy(results + <usize>u32At(order, r) * rowBytes, y + <usize>r * rowBytes, rowBytes);
    memory.copy(y, results, <usize>b * rowBytes);
  }
  setLiveBatch(b);
  return 0;
}

export function exitCount(): u32 { return loaded ? rExitCount : 0; }
export function exitTensor(k: u32): u32 { return loaded && k < rExitCount ? exitField(k, 0) : 0xFFFFFFFF; }
export function exitRule(k: u32): u32 { return loaded && k < rExitCount ? <u32>load<u8>(rExits + <usize>k * 20 + 12) : 0; }
export function exitValues(k: u32): u32 { return loaded && k < rExitCount ? <u32>load<u8>(rExits + <usize>k * 20 + 13) : 0; }
export function exitMacs(k: u32): f64 {
  if (!loaded || k > rExitCount) return 0;
  const last = k < rExitCount ? exitField(k, 8) : gNodeCount - 1;
  let s: f64 = 0;
  for (let n: u32 = 0; n <= last; n++) s += load<f64>(nodeMacs1 + (<usize>n << 3));
  return s;
}
export function thresholds(): usize { return loaded ? rThresholds : 0; }
export function setExit(t: u32, h: u32): i32 {
  if (!loaded) return err("setExit: no model loaded");
  if (t > rExitCount) return err("setExit: exit %d is past the graph output (exit %d)", t, rExitCount);
  target = t; heads = h;
  return 0;
}
export function exitTaken(): usize { return planned ? taken : 0; }
export function runMacs(): f64 { return lastMacs; }

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

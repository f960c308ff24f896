// The exported ABI of trainer.wasm (docs/TRAINER.md): the runtime ABI of docs/RUNTIME.md, with
// reserve/plan/run wrapped, plus gradients, losses, optimizers and hooks. Memory after plan():
// [ static | file | arena×B | scratch | trainPlan block: tables, activation-gradient mirror ×B,
//   constant gradients, node states, backward scratch | alloc()… ].
import {
  reserve as rtReserve, plan as rtPlan, run as rtRun, outputCount, outputId, inputCount, inputId,
} from "./runtime";
import {
  gTensCount, gNodeCount, gBatch, setError, setNode, tSize, tIsConst, nOpcode, nInCount, nIn, nOut,
} from "./graph";
import { rArenaBytes, rArenaOff } from "./format/reader";
import { runNode } from "./ops/index";
import { OP_BATCHNORM, OP_DROPOUT } from "./ops/opcodes";
import {
  setGradTables, setStateTable, setStateNeed, gStateNeed, resetGradScratch, gGradScratchNeed,
  setGradScratch, setTrainingMode, isTraining, gradPtr, gWant,
} from "./grad/state";
import { prepareGrad, grad } from "./grad/index";
import { trainBatchNorm } from "./grad/batchnorm";
import { trainDropout, seedDropout } from "./grad/dropout";
import { resetLossScratch } from "./train/loss";
import { heapAlloc as grow } from "./memory";

export {
  load, errorPtr, errorLen, inputCount, outputCount, inputId, outputId, tensorNamePtr, tensorNameLen,
  tensorRank, tensorDim, tensorData, batchDynamic, macs,
} from "./runtime";
export { lossSoftmaxCE, lossDistill, lossMimic, countCorrect } from "./train/loss";
export { sgdStep, adamStep } from "./train/optim";
export { maskApply, steSign, steSignGrad, fakeQuant, groupGrad } from "./train/hooks";

let planned = false;
let ready = false;
let inputGrads = false;
let block: usize = 0;
let blockCap: usize = 0;

function err(t: usize, a: u32 = 0, b: u32 = 0): i32 { setError(t, a, b); return 1; }

export function alloc(bytes: u32): usize { return grow(bytes); }

export function reserve(fileBytes: u32): usize {
  planned = ready = false;
  block = blockCap = 0;
  resetLossScratch();
  return rtReserve(fileBytes);
}

export function plan(batch: u32): i32 {
  ready = false;
  const r = rtPlan(batch);
  planned = r == 0;
  return r;
}

// @ts-ignore: decorator
@inline function a16(n: usize): usize { return (n + 15) & ~15; }
// @ts-ignore: decorator
@inline function slot(table: usize, i: u32): usize { return table + (<usize>i << alignof<usize>()); }

export function trainPlan(): i32 {
  ready = false;
  if (!planned) return err("trainPlan: plan was not called (or failed)");
  const T = gTensCount, N = gNodeCount, B = <usize>gBatch;
  // Gradient mirrors follow the arena plan, so activations must not share arena bytes.
  for (let t: u32 = 0; t < T; t++) {
    if (tIsConst(t)) continue;
    const a0 = load<u32>(rArenaOff + (<usize>t << 2)), a1 = a0 + (<u32>tSize(t) << 2) / <u32>B;
    for (let u: u32 = t + 1; u < T; u++) {
      if (tIsConst(u)) continue;
      const b0 = load<u32>(rArenaOff + (<usize>u << 2)), b1 = b0 + (<u32>tSize(u) << 2) / <u32>B;
      if (a0 < b1 && b0 < a1) return err("trainPlan: activations %d and %d share arena bytes; write the file with { training: true }", t, u);
    }
  }
  // Sizes: tables, activation mirror, constant gradients, node states, backward scratch.
  const tables = a16(<usize>T << alignof<usize>()) + a16(<usize>T) + a16(<usize>N << alignof<usize>());
  const mirror = a16(<usize>rArenaBytes * B);
  let consts: usize = 0;
  for (let t: u32 = 0; t < T; t++) if (tIsConst(t)) consts += a16(<usize>tSize(t) << 2);
  let states: usize = 0;
  resetGradScratch();
  const stateSizes = grow(<usize>N << 2); // temporary, below the block (a few bytes per plan)
  if (!stateSizes) return err("trainPlan: out of memory");
  for (let n: u32 = 0; n < N; n++) {
    setNode(n);
    setStateNeed(0);
    if (!prepareGrad(n)) return 1;
    store<u32>(stateSizes + (<usize>n << 2), <u32>a16(gStateNeed));
    states += a16(gStateNeed);
  }
  const total = tables + mirror + consts + states + a16(gGradScratchNeed);
  if (total > blockCap) {
    block = grow(total);
    if (!block) return err("trainPlan: out of memory for %d bytes of gradients and state", <u32>total);
    blockCap = total;
  }
  memory.fill(block, 0, total);
  const gradTable = block, want = gradTable + a16(<usize>T << alignof<usize>()), stateTable = want + a16(<usize>T);
  let at = stateTable + a16(<usize>N << alignof<usize>());
  const mirrorBase = at;
  at += mirror;
  for (let t: u32 = 0; t < T; t++) {
    if (tIsConst(t)) { store<usize>(slot(gradTable, t), at); at += a16(<usize>tSize(t) << 2); }
    else store<usize>(slot(gradTable, t), mirrorBase + <usize>load<u32>(rArenaOff + (<usize>t << 2)) * B);
  }
  for (let n: u32 = 0; n < N; n++) {
    const s = <usize>load<u32>(stateSizes + (<usize>n << 2));
    store<usize>(slot(stateTable, n), s ? at : 0);
    at += s;
  }
  setGradTables(gradTable, want);
  setStateTable(stateTable);
  setGradScratch(at);
  for (let n: u32 = 0; n < N; n++) if (nOpcode(n) == OP_DROPOUT) seedDropout(n);
  ready = true;
  return 0;
}

/** BatchNormalization / Dropout mode of the next run() (and of backward after it). */
export function setTraining(on: u32): void { setTrainingMode(on != 0); }

/** Whether backward computes the graph inputs' gradients (off by default: nothing trains them). */
export function setInputGrads(on: u32): void { inputGrads = on != 0; }

export function run(): i32 {
  if (!isTraining()) return rtRun();
  if (!ready) return err("run: training mode needs trainPlan (after plan)");
  for (let n: u32 = 0; n < gNodeCount; n++) {
    const op = nOpcode(n);
    if (op == OP_BATCHNORM) trainBatchNorm(n);
    else if (op == OP_DROPOUT) trainDropout(n);
    else runNode(n);
  }
  return 0;
}

export function gradData(id: u32): usize { return ready && id < gTensCount ? gradPtr(id) : 0; }

function isOutput(t: u32): bool {
  for (let i: u32 = 0; i < outputCount(); i++) if (outputId(i) == t) return true;
  return false;
}

export function backward(): i32 {
  if (!ready) return err("backward: trainPlan was not called (or failed)");
  // Which gradients are needed: constants, optionally graph inputs, and whatever they reach.
  for (let t: u32 = 0; t < gTensCount; t++) store<u8>(gWant + <usize>t, tIsConst(t) ? 1 : 0);
  if (inputGrads) for (let i: u32 = 0; i < inputCount(); i++) store<u8>(gWant + <usize>inputId(i), 1);
  for (let n: u32 = 0; n < gNodeCount; n++) {
    let w: u8 = 0;
    for (let i = 0; i < nInCount(n); i++) w |= load<u8>(gWant + <usize>nIn(n, i));
    store<u8>(gWant + <usize>nOut(n, 0), w);
  }
  for (let t: u32 = 0; t < gTensCount; t++) if (!isOutput(t)) memory.fill(gradPtr(t), 0, <usize>tSize(t) << 2);
  for (let n = <i32>gNodeCount - 1; n >= 0; n--) {
    if (load<u8>(gWant + <usize>nOut(n, 0))) grad(n);
  }
  return 0;
}

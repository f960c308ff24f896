// One fresh process per training measurement: `node bench/out/train-child.mjs RUNNER MODEL
// BUDGET_MS CHECK_STEPS WARMUP_STEPS MIN_STEPS MAX_STEPS` (bench/train.ts bundles this file first).
// RUNNER: slimnet | tfjs-cpu | tfjs-wasm; MODEL: lenet300 | lenet5. Same zoo weights (seed 1),
// same real MNIST batches (a seeded shuffle of the training set), batch 64, SGD momentum 0.9,
// lr 0.01, mean softmax cross-entropy. The first CHECK_STEPS steps record their losses (the
// cross-check between runners; they warm up too), the next WARMUP_STEPS warm up, then steps are timed until
// BUDGET_MS has passed and at least MIN_STEPS were taken (at most MAX_STEPS). One JSON line
// (TrainChildResult) on stdout.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname } from "node:path";
import { ROOT } from "../bundle.js";
import { batches, fromImageSet, permutation } from "../../src/data/batches.js";
import { loadImageSet } from "../../src/data/mnist.js";
import { Trainer } from "../../src/train/trainer.js";
import { ZOO } from "../../src/zoo/index.js";
import { BATCH, LR, MOMENTUM, RUNNERS, TRAIN_MODELS, type Runner, type TrainChildResult, type TrainModel } from "./config.js";
import { trainable } from "./tfjs-model.js";

/** Distinct batches the steps cycle through (real MNIST samples, 64 each). */
const POOL = 32;

const [runner, model, budget, check, warmup, minSteps, maxSteps] = process.argv.slice(2) as [Runner, TrainModel, string, string, string, string, string];
if (!RUNNERS.includes(runner)) throw new Error(`train child: unknown runner "${runner}"`);
const build = ZOO[model];
if (!build || !(TRAIN_MODELS as readonly string[]).includes(model)) throw new Error(`train child: unknown model "${model}"`);

const t0 = performance.now();
const set = fromImageSet(loadImageSet(`${ROOT}data/mnist`, "train"));
const pool: { x: Float32Array; labels: Int32Array }[] = [];
for (const b of batches(set, BATCH, permutation(set.n, 1))) {
  pool.push({ x: b.x.slice(), labels: b.labels.slice() });
  if (pool.length === POOL) break;
}
const graph = build(1);

let step: (x: Float32Array, labels: Int32Array) => number;
if (runner === "slimnet") {
  const wasm = readFileSync(`${ROOT}dist/trainer.wasm`);
  const t = await Trainer.create(graph, { batch: BATCH, optimizer: { kind: "sgd", lr: LR, momentum: MOMENTUM }, loss: { kind: "ce" }, wasm });
  step = (x, labels) => t.step(x, labels).loss;
} else {
  const tf = await import("@tensorflow/tfjs-core");
  // @tensorflow/tfjs (the union package) registers the gradients; with tfjs-core alone it is this import.
  await import("@tensorflow/tfjs-core/dist/register_all_gradients.js");
  tf.enableProdMode();
  if (runner === "tfjs-cpu") {
    await import("@tensorflow/tfjs-backend-cpu");
    if (!(await tf.setBackend("cpu"))) throw new Error("tfjs: the cpu backend failed to initialise");
  } else {
    const w = await import("@tensorflow/tfjs-backend-wasm");
    const require = createRequire(import.meta.url);
    w.setWasmPaths(dirname(require.resolve("@tensorflow/tfjs-backend-wasm/package.json")) + "/dist/");
    w.setThreadsCount(1);
    if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend failed to initialise");
  }
  const net = trainable(tf, graph, { lr: LR, momentum: MOMENTUM, classes: 10 });
  step = (x, labels) => net.step(x, labels);
}
const setupMs = performance.now() - t0;

let k = 0;
const next = (): { x: Float32Array; labels: Int32Array } => pool[k++ % POOL];
const checkLosses: number[] = [];
for (let i = 0, n = Number(check); i < n; i++) {
  const b = next();
  checkLosses.push(step(b.x, b.labels));
}
const W = Number(warmup);
for (let i = 0; i < W; i++) {
  const b = next();
  step(b.x, b.labels);
}
const budgetMs = Number(budget), least = Number(minSteps), most = Number(maxSteps);
const stepMs: number[] = [];
let lossSum = 0;
const start = performance.now();
let now = start;
while (stepMs.length < most && (stepMs.length < least || now - start < budgetMs)) {
  const b = next();
  const s = performance.now();
  lossSum += step(b.x, b.labels);
  now = performance.now();
  stepMs.push(now - s);
}
const seconds = (now - start) / 1000;
const result: TrainChildResult = {
  runner, model, checkLosses, warmupSteps: W, steps: stepMs.length, seconds, stepMs,
  samplesPerSecond: (BATCH * stepMs.length) / seconds, timedLoss: lossSum / stepMs.length, setupMs,
};
process.stdout.write(JSON.stringify(result) + "\n");

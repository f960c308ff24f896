// Weight pruning (src/passes/prune.ts) against oracles written here: masks checked against a
// sort of the documented score, the TF-MOT polynomial formula, zeros that stay zero through
// fine-tuning, rewind to the exact initial values, the accuracy floor, and the real effect of
// one-shot 50% pruning on the trained LeNet-300-100.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fromImageSet, head } from "../src/data/batches.js";
import { loadImageSet } from "../src/data/mnist.js";
import { importOnnx } from "../src/import/onnx.js";
import type { Graph } from "../src/ir/graph.js";
import {
  applyMasks, magnitudeMasks, prunableLayers, prune, resetSurvivors, retrain, sparsityAt, weightSparsity,
} from "../src/passes/prune.js";
import { InputError } from "../src/runtime/errors.js";
import { Trainer } from "../src/train/trainer.js";
import { lenet300, lenet5 } from "../src/zoo/index.js";

const trained = (): Graph => importOnnx(readFileSync(new URL("../data/models/lenet300.onnx", import.meta.url)));
const mnistTrain = fromImageSet(loadImageSet("mnist", "train"));
const mnistTest = fromImageSet(loadImageSet("mnist", "test"));
const weight = (g: Graph, layer: string): Float32Array => g.tensors.get(prunableLayers(g).find((l) => l.name === layer)!.weight)!.data!;
const zeros = (d: Float32Array): number => d.filter((v) => v === 0).length;

/** Indices of the `keep` largest scores (ties: higher index first), as a set. */
function topBySort(scores: number[], keep: number): Set<number> {
  const idx = scores.map((_, i) => i).sort((a, b) => scores[b] - scores[a] || b - a);
  return new Set(idx.slice(0, keep));
}

test("per-layer masks prune exactly round(s·n) per layer and keep the largest |w| (checked by a sort)", () => {
  const g = lenet5(3);
  const masks = magnitudeMasks(g, { sparsity: 0.9, perLayer: { conv1: 0.34, logits: 0.5 } });
  assert.deepEqual([...masks.keys()], ["conv1", "conv2", "fc1", "logits"]);
  const rate: Record<string, number> = { conv1: 0.34, conv2: 0.9, fc1: 0.9, logits: 0.5 };
  for (const [name, m] of masks) {
    const w = weight(g, name), k = Math.round(rate[name] * w.length);
    assert.equal(m.length - m.reduce((a, b) => a + b, 0), k, `${name}: pruned count`);
    const want = topBySort(Array.from(w, Math.abs), w.length - k);
    m.forEach((v, i) => assert.equal(v === 1, want.has(i), `${name}: weight ${i} |w|=${Math.abs(w[i])}`));
  }
  applyMasks(g, masks);
  for (const name of Object.keys(rate)) {
    const t = g.tensors.get(`${name}.weight`)!;
    assert.equal(zeros(t.data!), Math.round(rate[name] * t.data!.length));
    assert.equal(t.encoding, "csr");
  }
  assert.equal(g.tensors.get("fc1.bias")!.encoding, "f32", "biases are not pruned");
});

test("global threshold: scores normalised by mean|w| (l1) or RMS (l2) per layer; exact total; l1 ≠ l2", () => {
  const g = trained(), layers = prunableLayers(g), s = 0.8;
  const all = layers.map((l) => g.tensors.get(l.weight)!.data!);
  const N = all.reduce((a, d) => a + d.length, 0);
  const result: Record<string, Map<string, Uint8Array>> = {};
  for (const importance of ["l1", "l2"] as const) {
    const masks = (result[importance] = magnitudeMasks(g, { sparsity: s, scope: "global", importance }));
    const scores: number[] = [];
    for (const d of all) {
      const a = Array.from(d, Math.abs), n = a.length;
      const scale = importance === "l1" ? a.reduce((x, y) => x + y, 0) / n : Math.sqrt(a.reduce((x, y) => x + y * y, 0) / n);
      for (const v of a) scores.push(v / scale);
    }
    const want = topBySort(scores, N - Math.round(s * N));
    let at = 0, pruned = 0;
    for (const l of layers) {
      const m = masks.get(l.name)!;
      m.forEach((v, i) => assert.equal(v === 1, want.has(at + i), `${importance} ${l.name}[${i}]`));
      pruned += m.length - m.reduce((a, b) => a + b, 0);
      at += m.length;
    }
    assert.equal(pruned, Math.round(s * N));
  }
  const differ = layers.some((l) => result.l1.get(l.name)!.some((v, i) => v !== result.l2.get(l.name)![i]));
  assert.ok(differ, "l1 and l2 normalisation rank differently across layers");
  const per = layers.map((l) => zeros(Float32Array.from(result.l1.get(l.name)!)) / result.l1.get(l.name)!.length);
  assert.ok(Math.max(...per) - Math.min(...per) > 0.05, `layers get different rates under one threshold: ${per}`);
});

test("ofRemaining prunes p% of the surviving weights (Frankle & Carbin rounds)", () => {
  const g = lenet300(2);
  applyMasks(g, magnitudeMasks(g, { sparsity: 0.5 }));
  applyMasks(g, magnitudeMasks(g, { sparsity: 0.2, perLayer: { logits: 0.1 }, ofRemaining: true }));
  const fc1 = weight(g, "fc1"), logits = weight(g, "logits");
  assert.equal(zeros(fc1), 117600 + Math.round(0.2 * 117600));
  assert.equal(zeros(logits), 500 + Math.round(0.1 * 500));
});

test("schedules: constant steps and TF-MOT polynomial decay s_t = s_f + (s_i − s_f)(1 − t/T)^p", async () => {
  const T = 5, sf = 0.9;
  for (let t = 1; t <= T; t++) {
    assert.ok(Math.abs(sparsityAt({ kind: "polynomial", steps: T }, t, sf) - (sf + (0 - sf) * (1 - t / T) ** 3)) < 1e-15);
    assert.ok(Math.abs(sparsityAt({ kind: "polynomial", steps: T, power: 1 }, t, sf) - (sf * t) / T) < 1e-15);
    assert.ok(Math.abs(sparsityAt({ kind: "constant", steps: T }, t, sf) - (sf * t) / T) < 1e-15);
  }
  assert.equal(sparsityAt({ kind: "polynomial", steps: T }, 1, sf).toFixed(4), "0.4392");
  const r = await prune(lenet300(1), { sparsity: sf, schedule: { kind: "polynomial", steps: T } });
  assert.deepEqual(r.history.map((h) => h.step), [0, 1, 2, 3, 4, 5]);
  const N = 266200;
  r.history.slice(1).forEach((h, k) => assert.ok(Math.abs(h.sparsity - sparsityAt({ kind: "polynomial", steps: T }, k + 1, sf)) < 3 / N, `step ${k + 1}: ${h.sparsity}`));
  assert.ok(r.layers.every((l) => l.sparsity === Math.round(0.9 * l.params) / l.params && l.sparsityBefore === 0));
});

test("fine-tuning keeps pruned weights zero (Trainer masks csr-tagged weights) and the survivors train", async () => {
  const g = lenet300(1);
  applyMasks(g, magnitudeMasks(g, { sparsity: 0.8 }));
  const pruned = structuredClone(g);
  const r = await retrain(g, head(mnistTrain, 1024), { epochs: 1, batch: 32, optimizer: { kind: "sgd", lr: 0.05 }, progress: false });
  for (const l of prunableLayers(g)) {
    const before = weight(pruned, l.name), after = weight(r.graph, l.name);
    let moved = 0;
    before.forEach((v, i) => {
      if (v === 0) assert.equal(after[i], 0, `${l.name}[${i}] came back`);
      else if (after[i] !== v) moved++;
    });
    assert.ok(moved > 0.5 * (before.length - zeros(before)), `${l.name}: survivors train (${moved} moved)`);
  }
  // an explicit hook wins over the automatic mask
  const t = await Trainer.create(pruned, { batch: 32, optimizer: { kind: "sgd", lr: 0.05 }, hooks: { "fc1.weight": { kind: "mask", mask: new Uint8Array(235200).fill(1) } } });
  t.step(mnistTrain.x.subarray(0, 32 * 784), mnistTrain.labels.subarray(0, 32));
  assert.ok(zeros(t.tensor("fc1.weight")) < 0.5 * 235200, "caller's mask lets pruned weights move");
});

test("rewind restores the initial values exactly on survivors; reinit draws fresh seeded ones", async () => {
  const initial = lenet300(4);
  const { graph: trainedG } = await retrain(initial, head(mnistTrain, 512), { epochs: 1, batch: 32, progress: false });
  const r = await prune(trainedG, { sparsity: 0.7, reset: "rewind", initial });
  for (const l of prunableLayers(initial)) {
    const w = weight(r.graph, l.name), w0 = weight(initial, l.name), wt = weight(trainedG, l.name);
    const keep = magnitudeMasks(trainedG, { sparsity: 0.7 }).get(l.name)!;
    w.forEach((v, i) => assert.ok(keep[i] ? Object.is(v, w0[i]) : v === 0, `${l.name}[${i}]: ${v} vs initial ${w0[i]} (trained ${wt[i]})`));
  }
  const a = structuredClone(r.graph), b = structuredClone(r.graph);
  resetSurvivors(a, "reinit", { seed: 7 });
  resetSurvivors(b, "reinit", { seed: 7 });
  const fa = weight(a, "fc1"), fr = weight(r.graph, "fc1"), bound = Math.sqrt(6 / 784);
  assert.deepEqual(fa, weight(b, "fc1"), "seeded");
  fa.forEach((v, i) => assert.ok(fr[i] === 0 ? v === 0 : v !== fr[i] && Math.abs(v) <= bound, `fc1[${i}]`));
  assert.throws(() => resetSurvivors(a, "rewind"), /rewind.* needs the initial graph/);
});

test("accuracy floor: the step that crosses it is dropped and the last model above it kept", async () => {
  const g = lenet300(1), val = head(mnistTest, 500);
  // seeded: val accuracy 10.6% → 13.0% (33%) → 17.8% (66%) → 9.6% (99%, below the 10% floor)
  const r = await prune(g, { sparsity: 0.99, schedule: { kind: "constant", steps: 3 }, val, finetuneEpochs: 0, accuracyFloor: 0.1 });
  assert.deepEqual(r.history.map((h) => h.kept), [true, true, true, false]);
  assert.match(r.stopped!, /step 3 of 3: validation accuracy 9\.60% is below the floor 10\.00%/);
  assert.equal(r.sparsity, r.history[2].sparsity);
  assert.ok(Math.abs(r.sparsity - 0.66) < 1e-4, `kept the 66% model, got ${r.sparsity}`);
  const floor = await prune(g, { sparsity: 0.5, val, finetuneEpochs: 0, accuracyFloor: 1 });
  assert.equal(floor.history.length, 2);
  assert.equal(floor.sparsity, 0, "nothing above the floor: the input comes back");
  assert.match(floor.stopped!, /step 1 of 1/);
});

test("options are checked with messages naming the layer or field", async () => {
  const g = lenet300(1);
  assert.throws(() => magnitudeMasks(g, { sparsity: 0.5, perLayer: { conv9: 0.3 } }), (e: Error) => e instanceof InputError && /no layer "conv9"; layers: fc1, fc2, logits/.test(e.message));
  assert.throws(() => magnitudeMasks(g, { sparsity: 1.5 }), /sparsity must be a fraction in \[0, 1\], got 1.5/);
  assert.throws(() => magnitudeMasks(g, { sparsity: 0.5, perLayer: { fc1: -1 } }), /sparsity of layer "fc1"/);
  await assert.rejects(prune(g, { sparsity: 0.5, schedule: { kind: "polynomial", steps: 0 } }), /steps must be a positive integer/);
  await assert.rejects(prune(g, { sparsity: 0.5, accuracyFloor: 0.9 }), /accuracyFloor needs validation data/);
});

test("one-shot 50% magnitude pruning of the trained LeNet-300-100 costs < 0.5 points of test accuracy", async () => {
  const g = trained(), r = await prune(g, { sparsity: 0.5 });
  assert.ok(Math.abs(weightSparsity(r.graph) - 0.5) < 1e-5);
  const [a, b] = [await accuracyOf(g), await accuracyOf(r.graph)];
  assert.ok(a > 0.98, `baseline ${a}`);
  assert.ok(Math.abs(a - b) < 0.005, `test accuracy ${a} → ${b}`);
});

async function accuracyOf(g: Graph): Promise<number> {
  const t = await Trainer.create(g, { batch: 500 });
  return t.evaluate(mnistTest.x, mnistTest.labels).accuracy;
}

// Weight clustering (src/passes/cluster.ts) and trained quantization (the Trainer's automatic
// cluster hooks) against oracles written here: the init formulas, brute-force nearest centroids
// and cluster means (Lloyd's fixed point), sparsity and codebook sizes counted on the data, and
// the real accuracy of the trained LeNet-300-100 clustered to 5 bits.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { fromImageSet, head } from "../src/data/batches.js";
import { loadImageSet } from "../src/data/mnist.js";
import { importOnnx } from "../src/import/onnx.js";
import type { Graph } from "../src/ir/graph.js";
import { cluster, clusterWeights, initCentroids, kmeans1d } from "../src/passes/cluster.js";
import { accuracy, applyMasks, magnitudeMasks, prunableLayers, retrain } from "../src/passes/prune.js";
import { InputError } from "../src/runtime/errors.js";
import { Trainer } from "../src/train/trainer.js";
import { lenet300, lenet5 } from "../src/zoo/index.js";
import { rng } from "../src/zoo/init.js";

const trained = (): Graph => importOnnx(readFileSync(new URL("../data/models/lenet300.onnx", import.meta.url)));
const mnistTrain = fromImageSet(loadImageSet("mnist", "train"));
const mnistTest = fromImageSet(loadImageSet("mnist", "test"));
const weight = (g: Graph, layer: string): Float32Array => g.tensors.get(prunableLayers(g).find((l) => l.name === layer)!.weight)!.data!;
const distinctNonZero = (d: Float32Array): number => new Set(d.filter((v) => v !== 0)).size;
const sample = (n: number, seed: number): Float32Array => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => r() * Math.abs(r()) * 0.3 || 0.01);
};

test("init: linear is min + i·(max − min)/(k − 1); density the (i + ½)/k quantiles; random k seeded samples", () => {
  const v = Float64Array.from(sample(1000, 3)).sort(), k = 16;
  const lin = initCentroids(v, k, "linear");
  lin.forEach((c, i) => assert.ok(Math.abs(c - (v[0] + (i * (v[999] - v[0])) / 15)) < 1e-15, `linear ${i}`));
  assert.deepEqual([...initCentroids(v, k, "density")], Array.from({ length: k }, (_, i) => v[Math.floor(((i + 0.5) / k) * 1000)]));
  const a = initCentroids(v, k, "random", 5), b = initCentroids(v, k, "random", 5), c = initCentroids(v, k, "random", 6);
  assert.deepEqual(a, b, "seeded");
  assert.notDeepEqual(a, c);
  assert.ok(a.every((x, i) => v.includes(x) && (i === 0 || x >= a[i - 1])), "samples of the data, ascending");
});

test("k-means: nearest centroid for every value (brute force), centroids are cluster means (Lloyd's fixed point)", () => {
  for (const init of ["linear", "density", "random"] as const) {
    const v = sample(5000, 11), k = 32, km = kmeans1d(v, k, init, 2);
    assert.ok(km.rounds > 1 && km.rounds < 1000, `${init}: converged in ${km.rounds} rounds`);
    const c = km.centroids, sum = new Float64Array(k), count = new Float64Array(k);
    v.forEach((x, i) => {
      let best = 0;
      for (let j = 1; j < k; j++) if (Math.abs(x - c[j]) < Math.abs(x - c[best])) best = j;
      assert.ok(Math.abs(x - c[km.index[i]]) <= Math.abs(x - c[best]), `${init}: value ${i} (${x}) not at its nearest centroid`);
      sum[km.index[i]] += x;
      count[km.index[i]]++;
    });
    for (let j = 0; j < k; j++) if (count[j]) assert.ok(Math.abs(c[j] - sum[j] / count[j]) < 1e-6, `${init}: centroid ${j} ${c[j]} vs mean ${sum[j] / count[j]}`);
    assert.deepEqual(kmeans1d(v, k, init, 2), km, "deterministic");
  }
  const few = Float32Array.of(0.5, -0.25, 0.5, 0.125);
  const km = kmeans1d(few, 4);
  assert.deepEqual([...km.index].map((i) => km.centroids[i]), [...few], "≤ k distinct values are kept exactly");
  assert.ok(kmeans1d(Float32Array.of(-1, 1), 1).centroids[0] !== 0, "a zero centroid would read as pruned");
});

test("clusterWeights: sparsity unchanged, ≤ 2^b values per layer (or per row), tags and per-layer bits; errors name the layer", () => {
  const g = lenet5(2);
  applyMasks(g, magnitudeMasks(g, { sparsity: 0.8 }));
  const pruned = structuredClone(g);
  const stats = clusterWeights(g, { bits: 4, perLayer: { conv1: 2, fc1: 6 } });
  const bits: Record<string, number> = { conv1: 2, conv2: 4, fc1: 6, logits: 4 };
  for (const s of stats) {
    const t = g.tensors.get(s.weight)!, before = weight(pruned, s.name);
    assert.equal(t.indexBits, bits[s.name]);
    assert.equal(t.encoding, "codebook");
    t.data!.forEach((v, i) => assert.equal(v === 0, before[i] === 0, `${s.name}[${i}]: zeros stay where they were`));
    assert.ok(distinctNonZero(t.data!) <= 2 ** bits[s.name], `${s.name}: ${distinctNonZero(t.data!)} values`);
    assert.equal(s.nonzero, before.filter((v) => v !== 0).length);
  }
  assert.equal(g.tensors.get("fc1.bias")!.indexBits, undefined, "biases are not clustered");
  const pc = structuredClone(pruned);
  clusterWeights(pc, { bits: 2, perChannel: true });
  const w = weight(pc, "conv2"), t = pc.tensors.get("conv2.weight")!, len = w.length / 50;
  assert.equal(t.codebookPerRow, true);
  for (let r = 0; r < 50; r++) assert.ok(distinctNonZero(w.subarray(r * len, (r + 1) * len)) <= 4, `conv2 row ${r}`);
  assert.ok(distinctNonZero(w) > 4, "rows have codebooks of their own");
  assert.throws(() => clusterWeights(lenet5(1), { perLayer: { fc9: 3 } }), (e: Error) => e instanceof InputError && /perLayer: no layer "fc9"; layers: conv1, conv2, fc1, logits/.test(e.message));
  assert.throws(() => clusterWeights(lenet5(1), { perLayer: { fc1: 9 } }), /bits of layer "fc1" must be an integer in 1..8, got 9/);
  assert.throws(() => clusterWeights(lenet5(1), { bits: 0 }), /bits must be an integer in 1..8, got 0/);
  assert.throws(() => clusterWeights(lenet5(1), { init: "kmeans++" as never }), /init must be linear, density, random/);
});

test("trained quantization: retrain keeps zeros zero and ≤ 2^b values per codebook while the centroids move", async () => {
  for (const perChannel of [false, true]) {
    const g = lenet300(1);
    applyMasks(g, magnitudeMasks(g, { sparsity: 0.9 }));
    clusterWeights(g, { bits: 3, perChannel });
    const r = await retrain(g, head(mnistTrain, 1024), { epochs: 1, batch: 32, optimizer: { kind: "sgd", lr: 0.001, momentum: 0.9 }, progress: false });
    for (const l of prunableLayers(g)) {
      const before = weight(g, l.name), after = weight(r.graph, l.name), rows = perChannel ? r.graph.tensors.get(l.weight)!.shape[0] : 1, len = after.length / rows;
      after.forEach((v, i) => assert.equal(v === 0, before[i] === 0, `${l.name}[${i}]: pruned weights stay zero`));
      for (let row = 0; row < rows; row++) assert.ok(distinctNonZero(after.subarray(row * len, (row + 1) * len)) <= 8, `${l.name} row ${row}`);
      assert.ok(after.some((v, i) => v !== before[i]), `${l.name}: centroids trained`);
      // every weight of a cluster moved by the same amount (one centroid each)
      const moved = new Map<number, number>();
      before.forEach((v, i) => {
        const key = Math.floor(i / len) * 1e6 + v;
        if (v !== 0) assert.equal(moved.get(key) ?? after[i], after[i], `${l.name}[${i}]: its cluster moved as one`);
        moved.set(key, after[i]);
      });
    }
  }
  const bad = lenet300(1);
  bad.tensors.get("logits.weight")!.indexBits = 2;
  await assert.rejects(Trainer.create(bad), /"logits.weight": 1000 distinct non-zero values, more than 2\^2 \(indexBits\); cluster it again/);
});

test("5-bit clustering of the trained LeNet-300-100 without fine-tuning costs < 0.3 points of test accuracy", async () => {
  const g = trained(), r = await cluster(g, { bits: 5, val: mnistTest });
  assert.ok(r.valAccuracyBefore! > 0.98, `baseline ${r.valAccuracyBefore}`);
  assert.ok(Math.abs(r.valAccuracyBefore! - r.valAccuracy!) < 0.003, `test accuracy ${r.valAccuracyBefore} → ${r.valAccuracy}`);
  assert.equal(r.valAccuracy, await accuracy(r.graph, mnistTest));
  // linear init leaves a few clusters empty in the sparse tails (logits: 30 of 32 in use)
  assert.ok(r.layers.every((l) => l.centroids > 24 && l.centroids <= 32), JSON.stringify(r.layers.map((l) => l.centroids)));
});

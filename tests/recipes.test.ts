// Recipes (src/passes/recipes.ts) and the Huffman tagging pass: default per-layer rates and bits
// by layer kind on both LeNets, overrides checked by name, the recipes not yet written failing
// clearly, and a small deep-compression run whose result is pruned, clustered and tagged as asked.
import assert from "node:assert/strict";
import { test } from "node:test";
import { fromImageSet, head } from "../src/data/batches.js";
import { loadImageSet } from "../src/data/mnist.js";
import type { Graph } from "../src/ir/graph.js";
import { clusterWeights } from "../src/passes/cluster.js";
import { huffman } from "../src/passes/huffman.js";
import { prunableLayers } from "../src/passes/prune.js";
import { defaultBits, defaultSparsity, RECIPES, recipe } from "../src/passes/recipes.js";
import { lenet300, lenet5 } from "../src/zoo/index.js";

const mnistTrain = fromImageSet(loadImageSet("mnist", "train"));
const mnistTest = fromImageSet(loadImageSet("mnist", "test"));

test("defaults by layer kind: first conv .35, other convs .85, hidden fc .95, output .75; 5 bits, 4 for hidden fc", () => {
  assert.deepEqual(defaultSparsity(lenet300(1)), { fc1: 0.95, fc2: 0.95, logits: 0.75 });
  assert.deepEqual(defaultSparsity(lenet5(1)), { conv1: 0.35, conv2: 0.85, fc1: 0.95, logits: 0.75 });
  assert.deepEqual(defaultBits(lenet5(1)), { conv1: 5, conv2: 5, fc1: 4, logits: 5 });
  assert.deepEqual(defaultBits(lenet300(1)), { fc1: 4, fc2: 4, logits: 5 });
  assert.deepEqual(RECIPES.map((r) => r.name), ["deep-compression", "int8", "binary"]);
  assert.throws(() => recipe("zip"), /unknown recipe "zip"; recipes: deep-compression, int8, binary/);
});

test("recipe int8: calibrated int8 weights and inputs, then QAT; binary trains XNOR weights; overrides are checked by layer name", async () => {
  const data = head(mnistTrain, 256);
  const q = await recipe("int8").run(lenet300(1), { data, epochs: 1, batch: 32, progress: false });
  assert.deepEqual(q.stages.map((s) => s.stage), ["input", "calibrate", "quantization-aware training"]);
  assert.deepEqual(q.bits, { fc1: 8, fc2: 8, logits: 8 });
  for (const l of prunableLayers(q.graph)) {
    const t = q.graph.tensors.get(l.weight)!;
    assert.equal(t.encoding, "int8");
    assert.ok(t.scales && t.inputQuant && t.inputQuant.scale > 0, `${l.name}: scales and calibrated input`);
  }
  const b = await recipe("binary").run(lenet300(1), { data, epochs: 1, progress: false });
  assert.deepEqual(b.stages.map((s) => s.stage), ["input", "binarize"]);
  assert.deepEqual(b.bits, { fc1: 32, fc2: 1, logits: 32 });
  assert.equal(b.graph.tensors.get("fc2.weight")!.encoding, "binary");
  await assert.rejects(recipe("deep-compression").run(lenet300(1), { data, sparsity: { conv1: 0.5 } }), /sparsity: no layer "conv1"; layers: fc1, fc2, logits/);
  await assert.rejects(recipe("deep-compression").run(lenet300(1), { data, bits: { fc1: 9 } }), /bits of layer "fc1" must be an integer in 1..8, got 9/);
});

test("deep-compression: pruned to the rates, ≤ 2^b values per layer, tagged huffman, stages recorded", async () => {
  const stages: string[] = [], snapshots = new Map<string, Graph>();
  const r = await recipe("deep-compression").run(lenet300(1), {
    data: head(mnistTrain, 2048), val: head(mnistTest, 500), steps: 2, batch: 32, sparsity: { logits: 0.5 }, bits: { fc2: 3 }, jitter: 1,
    progress: false, onStage: (s, g) => { stages.push(s.stage); snapshots.set(s.stage, g); },
  });
  assert.deepEqual(stages, ["input", "prune", "cluster", "trained quantization", "huffman"]);
  // Each stage hands over its own graph: pruned (no codebook yet), k-means only (≤ 2^b values, not yet trained), trained.
  const fc2 = (stage: string) => snapshots.get(stage)!.tensors.get("fc2.weight")!;
  assert.equal(fc2("prune").indexBits, undefined);
  assert.ok(new Set(fc2("prune").data!.filter((v) => v !== 0)).size > 8);
  assert.ok(new Set(fc2("cluster").data!.filter((v) => v !== 0)).size <= 8);
  assert.notDeepEqual(fc2("cluster").data, fc2("trained quantization").data, "trained quantization moves the centroids");
  assert.deepEqual(fc2("trained quantization").data, fc2("huffman").data, "Huffman coding changes no value");
  assert.deepEqual(r.stages.map((s) => s.stage), stages);
  assert.ok(r.stages[3].valAccuracy > 0.5, `trains: ${JSON.stringify(r.stages)}`);
  const rate = { fc1: 0.95, fc2: 0.95, logits: 0.5 }, bits = { fc1: 4, fc2: 3, logits: 5 };
  assert.deepEqual(r.sparsity, rate);
  assert.deepEqual(r.bits, bits);
  for (const l of prunableLayers(r.graph)) {
    const t = r.graph.tensors.get(l.weight)!, d = t.data!, name = l.name as keyof typeof rate;
    assert.equal(d.filter((v) => v === 0).length, Math.round(rate[name] * d.length), `${name}: zeros`);
    assert.ok(new Set(d.filter((v) => v !== 0)).size <= 2 ** bits[name], `${name}: codebook`);
    assert.equal(t.indexBits, bits[name]);
    assert.equal(t.encoding, "huffman");
  }
});

test("huffman tags clustered weights only, naming the layer that is not clustered", () => {
  const g = lenet5(1);
  assert.throws(() => huffman(g), /huffman: lenet5 has no clustered layer; run the cluster pass first/);
  clusterWeights(g, { bits: 2, perLayer: { fc1: 3 } });
  g.tensors.get("logits.weight")!.indexBits = undefined;
  assert.throws(() => huffman(g, ["logits"]), /huffman: layer "logits" is not clustered/);
  assert.throws(() => huffman(g, ["fc9"]), /huffman: no layer "fc9"/);
  assert.deepEqual(huffman(g), ["conv1", "conv2", "fc1"]);
  assert.equal(g.tensors.get("fc1.weight")!.encoding, "huffman");
  assert.equal(g.tensors.get("logits.weight")!.encoding, "codebook");
});

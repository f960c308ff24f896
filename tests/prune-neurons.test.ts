// Neuron / filter pruning (src/passes/prune-neurons.ts). The oracle: neurons that are already
// dead (zero fan-in weights and bias) are the ones removed, so the smaller model must compute
// what the original computes — through Gemm→Gemm, conv→pool→conv and conv→pool→flatten→Gemm
// (where a wrong H·W column block would change the outputs). onnxruntime-web runs the exported
// result; APoZ is checked on a tiny graph computed by hand; a residual Add is refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as ort from "onnxruntime-web";
import { fromImageSet, head, labeled } from "../src/data/batches.js";
import { loadImageSet } from "../src/data/mnist.js";
import { exportOnnx } from "../src/export/onnx.js";
import { writeSlim } from "../src/format/writer.js";
import { GraphBuilder } from "../src/ir/build.js";
import type { Graph } from "../src/ir/graph.js";
import { countParams } from "../src/ir/analysis.js";
import { ACT_CODE } from "../src/ir/ops.js";
import { apoz, neuronLayers, pruneNeurons } from "../src/passes/prune-neurons.js";
import { UnsupportedError } from "../src/runtime/errors.js";
import { Model } from "../src/runtime/model.js";
import { lenet300, lenet5 } from "../src/zoo/index.js";

ort.env.wasm.numThreads = 1;
const mnistTest = fromImageSet(loadImageSet("mnist", "test"));
const x = head(mnistTest, 64);

/** Zeros the fan-in weights and bias of `neurons` of `layer` (they output exactly 0). */
function kill(g: Graph, layer: string, neurons: number[]): void {
  const w = g.tensors.get(`${layer}.weight`)!, b = g.tensors.get(`${layer}.bias`)!, fan = w.data!.length / w.shape[0];
  for (const f of neurons) {
    w.data!.fill(0, f * fan, (f + 1) * fan);
    b.data![f] = 0;
  }
}

async function run(g: Graph): Promise<Float32Array> {
  const m = await Model.load(writeSlim(g));
  return m.run({ [g.inputs[0]]: x.x })[g.outputs[0]].data;
}

function close(what: string, got: Float32Array, want: Float32Array, tol = 1e-5): void {
  assert.equal(got.length, want.length, `${what}: length`);
  want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= tol * Math.max(1, Math.abs(v)), `${what}[${i}]: ${got[i]} vs ${v}`));
}

async function ortRun(g: Graph): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(exportOnnx(g));
  const shape = [x.n, ...g.tensors.get(g.inputs[0])!.shape.slice(1)];
  const out = await s.run({ [g.inputs[0]]: new ort.Tensor("float32", x.x, shape) });
  return out[s.outputNames[0]].data as Float32Array;
}

test("lenet300: dead neurons of fc1 and fc2 are the ones removed; outputs unchanged; ORT runs the export", async () => {
  const g = lenet300(5), dead1 = [0, 7, 150, 299], dead2 = [3, 50, 99];
  kill(g, "fc1", dead1.concat(Array.from({ length: 26 }, (_, i) => 10 + i)));
  kill(g, "fc2", dead2.concat(Array.from({ length: 7 }, (_, i) => 60 + i)));
  assert.deepEqual(neuronLayers(g), ["fc1", "fc2"], "logits is the output layer");
  const r = await pruneNeurons(g, { keep: 0.9 });
  assert.deepEqual(r.removed.fc1, [0, 7, ...Array.from({ length: 26 }, (_, i) => 10 + i), 150, 299]);
  assert.deepEqual(r.removed.fc2, [3, 50, 60, 61, 62, 63, 64, 65, 66, 99]);
  assert.deepEqual(r.layers.map((l) => [l.name, l.neuronsBefore, l.neuronsAfter]), [["fc1", 300, 270], ["fc2", 100, 90], ["logits", 10, 10]]);
  assert.deepEqual(r.graph.tensors.get("fc2.weight")!.shape, [90, 270]);
  assert.deepEqual(r.graph.tensors.get("logits.weight")!.shape, [10, 90]);
  assert.equal(countParams(r.graph), 270 * 785 + 90 * 271 + 10 * 91);
  assert.equal(r.layers[0].paramsAfter, 270 * 785);
  const want = await run(g);
  close("slimnet", await run(r.graph), want);
  close("onnxruntime-web", await ortRun(r.graph), want, 1e-4);
  assert.equal(countParams(g), 266610, "the input graph is untouched");
});

test("lenet5: dead conv filters through pool → conv and pool → flatten → Gemm column blocks; ORT agrees", async () => {
  const g = lenet5(6);
  kill(g, "conv1", [2, 11]);
  kill(g, "conv2", [0, 13, 14, 49]);
  kill(g, "fc1", [100, 101]);
  const r = await pruneNeurons(g, { keep: 1, perLayer: { conv1: 0.9, conv2: 0.92, fc1: 0.996 } });
  assert.deepEqual(r.removed, { conv1: [2, 11], conv2: [0, 13, 14, 49], fc1: [100, 101] });
  const shape = (n: string) => r.graph.tensors.get(n)!.shape;
  assert.deepEqual([shape("conv1.weight"), shape("conv2.weight"), shape("fc1.weight"), shape("logits.weight")],
    [[18, 1, 5, 5], [46, 18, 5, 5], [498, 46 * 16], [10, 498]]);
  assert.deepEqual(r.graph.nodes.find((n) => n.name === "flatten")!.attrs.shape, [1, 736]);
  const want = await run(g);
  close("slimnet", await run(r.graph), want);
  close("onnxruntime-web", await ortRun(r.graph), want, 1e-4);
  // the column oracle can fail: keeping live conv2 filters instead changes the outputs
  const wrong = await pruneNeurons(lenet5(6), { keep: 1, perLayer: { conv2: 0.92 } });
  assert.notDeepEqual(wrong.removed.conv2, [0, 13, 14, 49]);
  assert.ok((await run(wrong.graph)).some((v, i) => Math.abs(v - want[i]) > 1e-3));
});

test("APoZ on a tiny graph, by hand; apoz criterion removes the most often zero neuron", async () => {
  const b = new GraphBuilder();
  const xIn = b.input("x", [1, 2]);
  const h = b.node("Gemm", [xIn, b.constant("w1", [3, 2], Float32Array.of(1, 0, -1, -1, 1, 1)), b.constant("b1", [3], new Float32Array(3))], { act: ACT_CODE.Relu }, { name: "hidden" });
  const y = b.node("Gemm", [h, b.constant("w2", [2, 3], Float32Array.of(1, 2, 3, 4, 5, 6)), b.constant("b2", [2], new Float32Array(2))], {}, { name: "out" });
  const g = b.build("tiny", [y], true);
  // x: (1,0) (0,1) (1,1) (−1,−1) → relu(x·w): n0 = 1,0,1,0; n1 = 0,0,0,2; n2 = 1,1,2,0
  const data = labeled(Float32Array.of(1, 0, 0, 1, 1, 1, -1, -1), [0, 1, 0, 1], [2], "hand");
  assert.deepEqual([...(await apoz(g, ["hidden"], data)).get("hidden")!], [0.5, 0.75, 0.25]);
  const r = await pruneNeurons(g, { keep: 0.67, criterion: "apoz", data });
  assert.deepEqual(r.removed, { hidden: [1] });
  assert.deepEqual([...r.graph.tensors.get("w2")!.data!], [1, 3, 4, 6]);
  const l2 = await pruneNeurons(g, { keep: 0.67, criterion: "l2" });
  assert.deepEqual(l2.removed, { hidden: [0] }, "norms 1, √2, √2: the smallest goes");
});

test("a residual Add ties channels: refused with the nodes named; the output layer is never pruned", async () => {
  const b = new GraphBuilder();
  const w = (name: string) => b.constant(name, [8, 8], Float32Array.from({ length: 64 }, (_, i) => ((i * 7) % 11) - 5));
  const bias = (name: string) => b.constant(name, [8], new Float32Array(8));
  const a = b.node("Gemm", [b.input("x", [1, 8]), w("w1"), bias("b1")], { act: ACT_CODE.Relu }, { name: "fc1" });
  const c = b.node("Gemm", [a, w("w2"), bias("b2")], {}, { name: "fc2" });
  const s = b.node("Add", [a, c], {}, { name: "residual" });
  const g = b.build("res", [b.node("Gemm", [s, w("w3"), bias("b3")], {}, { name: "logits" })], true);
  await assert.rejects(pruneNeurons(g, { keep: 0.5, perLayer: { fc2: 1 } }),
    (e: Error) => e instanceof UnsupportedError && /"fc1": its channels \("fc1_out"\) are read by Gemm "fc2" and Add "residual"/.test(e.message));
  await assert.rejects(pruneNeurons(g, { keep: 1, perLayer: { fc2: 0.5 } }), /"fc2": Add "residual" combines its channels with another tensor \(fc1_out\)/);
  await assert.rejects(pruneNeurons(lenet300(1), { keep: 0.5, perLayer: { logits: 0.5 } }), /"logits" feeds the graph output; the output layer is never pruned/);
  await assert.rejects(pruneNeurons(lenet300(1), { keep: 0.5, perLayer: { fc9: 0.5 } }), /no layer "fc9"; layers: fc1, fc2, logits/);
  await assert.rejects(pruneNeurons(lenet300(1), { keep: 0 }), /keep must be a fraction in \(0, 1\], got 0/);
});

test("fine-tuning after removal recovers accuracy on MNIST (lenet300, keep 0.3 by apoz)", async () => {
  const train = head(fromImageSet(loadImageSet("mnist", "train")), 4096), val = head(mnistTest, 1000);
  const r = await pruneNeurons(lenet300(1), {
    keep: 0.3, criterion: "apoz", data: train, finetuneEpochs: 2, val, batch: 32, optimizer: { kind: "sgd", lr: 0.05, momentum: 0.9 }, progress: false,
  });
  assert.deepEqual(r.layers.map((l) => l.neuronsAfter), [90, 30, 10]);
  assert.ok(r.valAccuracyBefore! < 0.2 && r.valAccuracy! > 0.85, `val accuracy ${r.valAccuracyBefore} → ${r.valAccuracy}`);
});

// The benchmark compares runtimes only if they compute the same function. The tfjs peer runs a
// hand-written IR → tf translation (NHWC, transposed weights, fused activations); onnxruntime-web
// runs src/export/onnx.ts's file. Two independent paths from one IR agreeing to 1e-4 checks both.
import { test } from "node:test";
import assert from "node:assert/strict";
import { benchInput, MODEL_KEYS, prepareModel } from "../bench/models.js";
import { ort } from "../bench/peers/ort.js";
import type { BenchModel } from "../bench/peers/peer.js";
import { tfjs } from "../bench/peers/tfjs.js";
import { exportOnnx } from "../src/export/onnx.js";
import { GraphBuilder } from "../src/ir/build.js";
import { numel, type Graph } from "../src/ir/graph.js";

const TOLERANCE = 1e-4;

/** Max |a − b| / (1 + |b|): absolute near zero, relative for large logits. */
const maxError = (a: Float32Array, b: Float32Array): number =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]) / (1 + Math.abs(b[i]))), 0);

async function agree(model: BenchModel, batch: number): Promise<void> {
  const x = benchInput(model, batch);
  const shape = [model.inputShape[0] * batch, ...model.inputShape.slice(1)];
  const [a, b] = [await tfjs.open(model), await ort.open(model)];
  try {
    const [ya, yb] = [await a.run(x, shape), await b.run(x, shape)];
    assert.equal(ya.length, yb.length, "output sizes");
    const err = maxError(ya, yb);
    assert.ok(err <= TOLERANCE, `${model.key}: tfjs vs onnxruntime-web differ by ${err.toExponential(2)}`);
  } finally {
    await a.close();
    await b.close();
  }
}

/** Every op and attribute form the translator handles that the zoo models may not use. */
function coverageGraph(): Graph {
  let seed = 7;
  const rand = (n: number): Float32Array =>
    Float32Array.from({ length: n }, () => ((seed = (seed * 16807) % 2147483647) / 2147483647 - 0.5));
  const b = new GraphBuilder();
  const w = (name: string, shape: number[]): string => b.constant(name, shape, rand(numel(shape)));
  const x = b.input("x", [1, 3, 11, 9]);
  const c1 = b.node("Conv", [x, w("w1", [8, 3, 3, 3]), w("b1", [8])],
    { kh: 3, kw: 3, sh: 2, sw: 1, padTop: 1, padBottom: 2, padRight: 1, act: 1 });
  const dw = b.node("Conv", [c1, w("w2", [16, 1, 3, 3]), w("b2", [16])],
    { group: 8, kh: 3, kw: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, act: 2, actA: 0, actB: 6 });
  const pw = b.node("Conv", [dw, w("w3", [8, 16, 1, 1]), w("b3", [8])], { kh: 1, kw: 1, act: 3, actA: 0.1 });
  const sum = b.node("Add", [pw, c1]);
  const scaled = b.node("Mul", [sum, w("s", [8, 1, 1])]);
  const relu = b.node("Relu", [scaled]);
  const mp = b.node("MaxPool", [relu], { kh: 3, kw: 3, sh: 2, sw: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 });
  const ap = b.node("AveragePool", [relu], { kh: 3, kw: 3, sh: 2, sw: 2, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 });
  const cat = b.node("Concat", [mp, ap], { axis: 1 });
  const affine = b.node("ChannelAffine", [cat, w("g", [16]), w("h", [16])]);
  const gap = b.node("GlobalAveragePool", [affine]);
  const flat = b.node("Reshape", [gap], { shape: [1, 16] });
  const [, , h, wd] = b.shape(cat);
  const full = b.node("Reshape", [cat], { shape: [1, 16 * h * wd] });
  const fc1 = b.node("Gemm", [full, w("w4", [16, 16 * h * wd]), w("b4", [16])]);
  const clip = b.node("Clip", [fc1], { min: -0.5, max: 0.5 });
  const both = b.node("Add", [clip, flat]);
  const hs = b.node("HardSwish", [both]);
  const sg = b.node("Sigmoid", [hs]);
  const fc2 = b.node("Gemm", [sg, w("w5", [10, 16]), w("b5", [10])], { act: 1 });
  const y = b.node("Softmax", [fc2], { axis: 1 });
  return b.build("coverage", [y], true);
}

test("tfjs translation of an every-op graph agrees with onnxruntime-web", async () => {
  const graph = coverageGraph();
  const model: BenchModel = {
    key: "coverage", graph, onnx: exportOnnx(graph), slim: new Uint8Array(0),
    input: graph.inputs[0], output: graph.outputs[0], inputShape: graph.tensors.get(graph.inputs[0])!.shape,
  };
  await agree(model, 3);
});

for (const key of MODEL_KEYS) {
  test(`tfjs translation of zoo model ${key} agrees with onnxruntime-web (batch 1 and 4)`, async () => {
    const model = await prepareModel(key);
    await agree(model, 1);
    await agree(model, 4);
  });
}

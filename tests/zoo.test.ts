// The built-in models: sizes the benchmarks and docs quote, determinism, batch-dynamic, and the
// exported ONNX run by onnxruntime-web agreeing with the IR interpreter.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-web";
import { ZOO } from "../src/zoo/index.js";
import { checkGraph, countMacs, countParams, verifyShapes } from "../src/ir/analysis.js";
import { exportOnnx } from "../src/export/onnx.js";
import { importOnnx } from "../src/import/onnx.js";
import { fold } from "../src/passes/fold.js";
import { writeSlim } from "../src/format/writer.js";
import { Model } from "../src/runtime/model.js";
import { evalGraph } from "./helpers/ir-eval.js";
import { randn, rng } from "./helpers/onnx-builder.js";

ort.env.wasm.numThreads = 1;

const EXPECTED: Record<string, { params: number; macs: number }> = {
  lenet300: { params: 784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10, macs: 784 * 300 + 300 * 100 + 100 * 10 },
  // Deep Compression's Caffe LeNet-5: 431,080 parameters (conv 520 + 25,050, fc 400,500 + 5,010).
  lenet5: { params: 431_080, macs: 24 * 24 * 20 * 25 + 12 * 12 * 20 * 4 + 8 * 8 * 50 * 500 + 4 * 4 * 50 * 4 + 800 * 500 + 500 * 10 },
  "hinton-teacher": { params: 785 * 1200 + 1201 * 1200 + 1201 * 10, macs: 784 * 1200 + 1200 * 1200 + 1200 * 10 },
  "hinton-student": { params: 785 * 800 + 801 * 800 + 801 * 10, macs: 784 * 800 + 800 * 800 + 800 * 10 },
  "mobilenet-tiny": { params: 20_266, macs: 2_644_928 },
  mobilenet: { params: 0, macs: 18_670_592 },
  // BatchNormalization (4 vectors of 1024) after each hidden Gemm, then ReLU: one MAC per element each
  // Fire modules [squeeze, expand] [8,32], [16,32], [16,64] after a 3×3 stem of 32; 1×1 classifier, global pool.
  squeezenet: { params: 22_130, macs: 28 * 28 * 32 * 9 + 14 * 14 * 32 * 4 + 196 * (8 * 32 + 32 * 8 + 32 * 72 + 16 * 64 + 32 * 16 + 32 * 144) +
    7 * 7 * 64 * 4 + 49 * (16 * 64 + 64 * 16 + 64 * 144 + 10 * 128 + 10) },
  shufflenet: { params: 14_866, macs: 573_672 },
  binaryconnect: { params: 785 * 1024 + 2 * 1025 * 1024 + 1025 * 10 + 3 * 4 * 1024, macs: 784 * 1024 + 2 * 1024 * 1024 + 1024 * 10 + 3 * 2 * 1024 },
};

for (const [name, build] of Object.entries(ZOO)) {
  test(`zoo ${name}: shapes, params, MACs, determinism, ONNX round trip`, async () => {
    const g = build(7);
    checkGraph(g);
    verifyShapes(g);
    assert.equal(g.batchDynamic, true);
    const e = EXPECTED[name];
    assert.equal(countMacs(g).total, e.macs);
    if (e.params) assert.equal(countParams(g), e.params);
    assert.equal(countMacs(g, 4).total, 4 * e.macs);
    const folded = build(7);
    fold(folded);
    assert.equal((await Model.load(writeSlim(folded))).macs, countMacs(folded).total, "the runtime counts as the IR (data movement: 0)");
    const again = build(7), other = build(8);
    const w = [...g.tensors.values()].find((t) => t.data)!;
    assert.deepEqual(again.tensors.get(w.name)!.data, w.data);
    assert.notDeepEqual(other.tensors.get(w.name)!.data, w.data);

    const bytes = exportOnnx(g), s = await ort.InferenceSession.create(bytes), x = g.inputs[0];
    const shape = [3, ...g.tensors.get(x)!.shape.slice(1)], data = randn(rng(3), shape.reduce((a, b) => a * b, 1));
    const want = (await s.run({ [x]: new ort.Tensor("float32", data, shape) }))[g.outputs[0]].data as Float32Array;
    const got = evalGraph(g, { [x]: { data, shape } })[g.outputs[0]].data;
    want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-4 * Math.max(1, Math.abs(v)), `${name} output ${i}: ${got[i]} vs ${v}`));
    // The importer folds (BatchNormalization into the convs, Dropout away) as fold() does.
    const back = importOnnx(bytes), deployed = structuredClone(g);
    fold(deployed);
    assert.equal(back.batchDynamic, true);
    assert.equal(countMacs(back).total, countMacs(deployed).total);
    assert.deepEqual(back.nodes.map((n) => n.op), deployed.nodes.map((n) => n.op));
  });
}

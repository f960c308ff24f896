// Binary weights: the BinarySign op (runtime SIMD and scalar, ±1 with +1 at 0 and −0; ONNX export
// against onnxruntime-web; hard-tanh straight-through gradient in trainer.wasm), the binarize
// pass (default layers, ±α rows, "binary" tag, BNN sign insertion), a short binarized training
// run, and the CLI writing a runnable .slim (the tag-6 layout itself: tests/binary-runtime.test.ts).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-web";
import { fromImageSet, head } from "../src/data/batches.js";
import { loadImageSet } from "../src/data/mnist.js";
import { exportOnnx } from "../src/export/onnx.js";
import { writeSlim } from "../src/format/writer.js";
import { GraphBuilder } from "../src/ir/build.js";
import { binarize, defaultBinaryLayers } from "../src/passes/binarize.js";
import { accuracy, retrain } from "../src/passes/prune.js";
import { Model } from "../src/runtime/index.js";
import { lenet300 } from "../src/zoo/lenet300.js";
import { binaryconnect } from "../src/zoo/binaryconnect.js";

ort.env.wasm.numThreads = 1;
const X = Float32Array.of(0, -0, 0.5, -0.5, 1, -1, 1.5, -1.5, 3e-8, -3e-8, 2, -0.999, 0.25);

function signGraph() {
  const b = new GraphBuilder();
  const y = b.node("BinarySign", [b.input("x", [1, X.length])], {}, { name: "sign", out: "y" });
  return b.build("sign", [y], true);
}

test("BinarySign: runtime (SIMD and scalar) and onnxruntime-web give −1 for x < 0, else +1 (0 and −0 too)", async () => {
  const g = signGraph(), want = Array.from(X, (v) => (v < 0 ? -1 : 1));
  for (const simd of [true, false]) {
    const m = await Model.load(writeSlim(g), { simd });
    assert.deepEqual(Array.from(m.run({ x: X }).y.data), want, simd ? "simd" : "scalar");
  }
  const s = await ort.InferenceSession.create(exportOnnx(g));
  const got = (await s.run({ x: new ort.Tensor("float32", X, [1, X.length]) })).y.data as Float32Array;
  assert.deepEqual(Array.from(got), want);
});

test("BinarySign backward: dX = dY·1{|x| ≤ 1} (hard-tanh straight-through)", async () => {
  const g = signGraph(), slim = writeSlim(g, { training: true });
  const w = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL("../dist/trainer.wasm", import.meta.url))), {}).exports as Record<string, (...a: number[]) => number> & { memory: WebAssembly.Memory };
  const at = w.reserve(slim.length);
  new Uint8Array(w.memory.buffer, at, slim.length).set(slim);
  for (const rc of [w.load(slim.length, 1 << 26, 1 << 30), w.plan(1), w.trainPlan()]) assert.equal(rc, 0);
  w.setInputGrads(1);
  const f = (id: number, grad: boolean) => new Float32Array(w.memory.buffer, grad ? w.gradData(id) : w.tensorData(id), X.length);
  f(0, false).set(X);
  assert.equal(w.run(), 0);
  const dy = X.map((_, i) => i + 1);
  f(1, true).set(dy);
  assert.equal(w.backward(), 0);
  assert.deepEqual(Array.from(f(0, true)), Array.from(X, (v, i) => (Math.abs(v) <= 1 ? dy[i] : 0)));
});

test("binarize without data: first and last layer stay real, the rest ±α per row (xnor) or ±1 (binaryconnect), tagged binary", async () => {
  const g = lenet300(3);
  assert.deepEqual(defaultBinaryLayers(g), ["fc2"]);
  assert.deepEqual(defaultBinaryLayers(g, false), ["fc1", "fc2", "logits"]);
  const x = await binarize(g, { mode: "xnor" }), t = x.graph.tensors.get("fc2.weight")!, src = g.tensors.get("fc2.weight")!.data!;
  assert.equal(t.encoding, "binary");
  assert.notEqual(x.graph.tensors.get("fc1.weight")!.encoding, "binary");
  for (let r = 0; r < 100; r++) {
    const row = src.subarray(r * 300, (r + 1) * 300), a = row.reduce((s, v) => s + Math.min(1, Math.abs(v)), 0) / 300;
    t.data!.subarray(r * 300, (r + 1) * 300).forEach((v, i) => assert.equal(v, Math.fround(row[i] >= 0 ? a : -a)));
  }
  assert.deepEqual(x.layers.map((l) => l.binary), [false, true, false]);
  assert.ok(Math.abs(x.layers[1].bitsPerWeight - (1 + 32 / 300)) < 1e-9);
  const bc = await binarize(g, { keepFirstLast: false });
  assert.ok(bc.graph.tensors.get("logits.weight")!.data!.every((v) => v === 1 || v === -1));
  assert.ok(writeSlim(bc.graph).length < writeSlim(g).length / 20, "binary layers are stored as bits");
  await assert.rejects(binarize(g, { layers: ["nope"] }), /no layer "nope"/);
});

test("bnn mode: BinarySign replaces the ReLU in front of each binarized layer; exports and runs in ORT like the trainer", async () => {
  const g = binaryconnect(2, 32), r = await binarize(g, { mode: "bnn" });
  const ops = r.graph.nodes.map((n) => n.op);
  assert.deepEqual(ops, ["Gemm", "BatchNormalization", "BinarySign", "Gemm", "BatchNormalization", "BinarySign", "Gemm", "BatchNormalization", "Relu", "Gemm"]);
  // lenet300's fused ReLU is dropped and a BinarySign inserted
  const l = await binarize(lenet300(1), { mode: "bnn" });
  assert.deepEqual(l.graph.nodes.map((n) => [n.op, n.attrs.act ?? "-"]), [["Gemm", 0], ["BinarySign", "-"], ["Gemm", 1], ["Gemm", 0]]);
  const s = await ort.InferenceSession.create(exportOnnx(l.graph)), x = Float32Array.from({ length: 2 * 784 }, (_, i) => Math.sin(i));
  const want = (await s.run({ input: new ort.Tensor("float32", x, [2, 784]) })).logits.data as Float32Array;
  const { Trainer } = await import("../src/train/trainer.js");
  const got = (await Trainer.create(l.graph, { batch: 2 })).predict(x);
  want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-4 * Math.max(1, Math.abs(v)), `logit ${i}: ${got[i]} vs ${v}`));
});

test("binarize with data: a short BinaryConnect run trains to well above chance; weights stay ±1", async () => {
  const data = head(fromImageSet(loadImageSet("mnist", "train")), 3000);
  const r = await binarize(lenet300(1), { data, epochs: 2, batch: 50, progress: false });
  assert.ok(r.graph.tensors.get("fc2.weight")!.data!.every((v) => v === 1 || v === -1));
  assert.ok(r.valAccuracy! > 0.8, `val accuracy ${r.valAccuracy}`);
  assert.ok((await accuracy(r.graph, data)) > 0.8, "the tagged graph evaluates through the trainer");
});

test("slimnet binarize: per-layer table and test accuracy; the .slim output runs as the .onnx one", async () => {
  const { spawnSync } = await import("node:child_process");
  const { mkdtempSync, writeFileSync } = await import("node:fs");
  const { join } = await import("node:path");
  const { tmpdir } = await import("node:os");
  const dir = mkdtempSync(join(tmpdir(), "slimnet-binarize-")), model = join(dir, "m.onnx");
  writeFileSync(model, exportOnnx(lenet300(1)));
  const cli = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "binarize", model, ...args],
    { cwd: new URL("..", import.meta.url), encoding: "utf8" });
  const r = cli("-o", join(dir, "b.onnx"), "--mode", "xnor", "--data", "mnist", "--limit", "1000", "--epochs", "1");
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /fc2\s+│?\s*Gemm.*binary.*1\.11/);
  assert.match(r.stdout, /test accuracy \(10,000 images/);
  const slim = cli("-o", join(dir, "b.slim"), "--mode", "xnor", "--data", "mnist", "--limit", "1000", "--epochs", "1");
  assert.equal(slim.status, 0, slim.stderr);
  const { readFileSync: read } = await import("node:fs");
  const bytes = read(join(dir, "b.slim")), onnx = await ort.InferenceSession.create(read(join(dir, "b.onnx")));
  // fc2 (300 → 100, the binary layer) takes 100·(4 + 40) bytes instead of 120,000
  assert.ok(bytes.length < read(join(dir, "b.onnx")).length - 110_000, `${bytes.length} bytes`);
  const m = await Model.load(bytes), x = Float32Array.from({ length: 784 }, (_, i) => Math.cos(i));
  const got = m.run({ input: x }).logits.data as Float32Array;
  const want = (await onnx.run({ input: new ort.Tensor("float32", x, [1, 784]) })).logits.data as Float32Array;
  want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-4 * Math.max(1, Math.abs(v)), `logit ${i}: ${got[i]} vs ${v}`));
});

test("retraining a binarized graph keeps its binary layers ±α per row (the Trainer's sign hook for the tag)", async () => {
  const x = await binarize(lenet300(3), { mode: "xnor" });
  const before = x.graph.tensors.get("fc2.weight")!.data!.slice();
  const data = head(fromImageSet(loadImageSet("mnist", "train")), 640);
  const { graph } = await retrain(x.graph, data, { epochs: 1, batch: 64, optimizer: { kind: "sgd", lr: 0.5 }, progress: false });
  const after = graph.tensors.get("fc2.weight")!.data!;
  assert.ok(after.some((v, i) => v !== before[i]), "the binary layer trained");
  for (let r = 0; r < 100; r++) {
    const row = after.subarray(r * 300, (r + 1) * 300), a = Math.abs(row[0]);
    assert.ok(a > 0 && row.every((v) => Math.abs(v) === a), `row ${r} is not ±α: ${[...new Set(row)].slice(0, 4)}`);
  }
});

test("lrScale: the Trainer multiplies one tensor's update (SGD: ×s); glorotLrScale is BinaryConnect's 1/sqrt(1.5/(fanIn+fanOut))", async () => {
  const { Trainer } = await import("../src/train/trainer.js");
  const { glorotLrScale } = await import("../src/passes/binarize.js");
  assert.equal(glorotLrScale([1024, 1024]), 1 / Math.sqrt(1.5 / 2048));
  assert.equal(glorotLrScale([50, 20, 5, 5]), 1 / Math.sqrt(1.5 / (20 * 25 + 50 * 25)));
  const g = lenet300(2), x = Float32Array.from({ length: 4 * 784 }, (_, i) => Math.sin(i)), labels = [1, 2, 3, 4];
  const delta = async (lrScale?: Record<string, number>) => {
    const t = await Trainer.create(g, { batch: 4, optimizer: { kind: "sgd", lr: 0.01, momentum: 0 }, lrScale });
    t.step(x, labels);
    const after = t.toGraph();
    return (name: string) => after.tensors.get(name)!.data!.map((v, i) => v - g.tensors.get(name)!.data![i]);
  };
  const plain = await delta(), scaled = await delta({ "fc2.weight": 4 });
  const a = plain("fc2.weight"), b = scaled("fc2.weight");
  assert.ok(a.some((v) => v !== 0));
  // (the deltas come from rounded f32 weights: a few ulp of |w| each)
  a.forEach((v, i) => assert.ok(Math.abs(b[i] - 4 * v) <= 1e-3 * Math.abs(4 * v) + 1e-7, `fc2.weight[${i}]: ${b[i]} vs 4 × ${v}`));
  assert.deepEqual(scaled("fc1.weight"), plain("fc1.weight"));
  await assert.rejects(Trainer.create(g, { lrScale: { "fc2.weight": -1 } }), /lrScale of "fc2\.weight" must be a finite number > 0/);
});

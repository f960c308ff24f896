// Knowledge distillation (src/passes/distill.ts): the teachers' targets against an f64
// computation from the runtime's own logits (one teacher: its logits; an ensemble: softmax at T
// of the targets equals the mean of the members' softmax at T; mimic: mean logits); cached
// targets give the same training as targets computed on every batch; a small student really
// learns from the trained LeNet-300-100; the CLI end to end; clear errors.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fromImageSet, head } from "../src/data/batches.js";
import { loadImageSet } from "../src/data/mnist.js";
import { writeSlim } from "../src/format/writer.js";
import { importOnnx } from "../src/import/onnx.js";
import type { Graph } from "../src/ir/graph.js";
import { distill, teacherTargets } from "../src/passes/distill.js";
import { accuracy } from "../src/passes/prune.js";
import { Model } from "../src/runtime/model.js";
import { fit } from "../src/train/loop.js";
import { Trainer } from "../src/train/trainer.js";
import { lenet300 } from "../src/zoo/index.js";
import { mlp, mlpWidths } from "../src/zoo/mlp.js";

const trained = (): Graph => importOnnx(readFileSync(new URL("../data/models/lenet300.onnx", import.meta.url)));
const mnistTrain = fromImageSet(loadImageSet("mnist", "train"));
const mnistTest = fromImageSet(loadImageSet("mnist", "test"));

async function logits(g: Graph, x: Float32Array, n: number): Promise<Float32Array> {
  const m = await Model.load(writeSlim(g));
  return m.run({ [g.inputs[0]]: { data: x, shape: [n, 784] } })[g.outputs[0]].data;
}
const softmax = (z: ArrayLike<number>, T: number): number[] => {
  const m = Math.max(...Array.from(z)), e = Array.from(z, (v) => Math.exp((v - m) / T)), s = e.reduce((a, b) => a + b);
  return e.map((v) => v / s);
};

test("teacher targets: one teacher's logits; an ensemble's mean softmax at T; mimic's mean logits", async () => {
  const a = trained(), b = lenet300(7), n = 5, x = head(mnistTest, n).x, T = 3;
  const za = await logits(a, x, n), zb = await logits(b, x, n);
  assert.deepEqual((await teacherTargets([a], a, "kd", T))(x, n), za);
  const kd = (await teacherTargets([a, b], a, "kd", T))(x, n), mimic = (await teacherTargets([a, b], a, "mimic", T))(x, n);
  for (let s = 0; s < n; s++) {
    const row = (z: Float32Array) => z.subarray(s * 10, s * 10 + 10);
    const want = softmax(row(za), T).map((p, j) => (p + softmax(row(zb), T)[j]) / 2), got = softmax(row(kd), T);
    got.forEach((p, j) => assert.ok(Math.abs(p - want[j]) < 1e-5, `sample ${s} class ${j}: ${p} vs ${want[j]}`));
    row(mimic).forEach((v, j) => assert.ok(Math.abs(v - (row(za)[j] + row(zb)[j]) / 2) < 1e-5));
  }
});

test("cached teacher targets train exactly as targets computed on every batch", async () => {
  const data = head(mnistTrain, 640), teacher = trained(), student = mlp([32], 784, 10, 3);
  const opts = { data, valSplit: 0, epochs: 2, batch: 64, temperature: 4, alpha: 0.7, seed: 5, progress: false } as const;
  const cached = await distill(student, [teacher], opts);
  const f = await teacherTargets([teacher], student, "kd", 4);
  const t = await Trainer.create(student, { batch: 64, optimizer: { kind: "sgd", lr: 0.01, momentum: 0.9 }, loss: { kind: "distill", T: 4, alpha: 0.7 } });
  fit(t, data, { epochs: 2, seed: 5, progress: false, teacher: (x, n) => f(x, n) });
  const direct = t.toGraph();
  for (const name of ["fc1.weight", "logits.weight"]) assert.deepEqual(cached.graph.tensors.get(name)!.data, direct.tensors.get(name)!.data, name);
});

test("a small student learns from the trained LeNet-300-100 (soft targets at T = 4)", async () => {
  const r = await distill(mlp([64], 784, 10, 1), [trained()], {
    data: head(mnistTrain, 4000), epochs: 4, temperature: 4, optimizer: { kind: "sgd", lr: 0.05, momentum: 0.9 }, progress: false,
  });
  assert.ok(r.teacherValAccuracy! > 0.97, `teacher on the validation split: ${r.teacherValAccuracy}`);
  const acc = await accuracy(r.graph, head(mnistTest, 2000));
  assert.ok(acc > 0.9, `student accuracy ${acc}`);
});

test("distill errors name the problem", async () => {
  const data = head(mnistTrain, 128);
  await assert.rejects(distill(lenet300(), [], { data, epochs: 1 }), /distill needs at least one teacher/);
  await assert.rejects(distill(lenet300(), [mlp([8], 784, 5)], { data, epochs: 1 }), /teacher mlp-784-8-5 maps 784 values to 5 classes; the student lenet300 maps 784 to 10/);
  await assert.rejects(distill(lenet300(), [trained()], { data, epochs: 1, temperature: 0 }), /temperature must be a number > 0, got 0/);
  assert.deepEqual(mlpWidths("mlp:800-800"), [800, 800]);
  assert.equal(mlpWidths("lenet300"), undefined);
  assert.throws(() => mlpWidths("mlp:800-x"), /"mlp:800-x": an MLP spec lists hidden widths, e.g. mlp:800-800/);
});

test("slimnet distill: an ensemble teacher, an MLP student, --json", () => {
  const dir = mkdtempSync(join(tmpdir(), "slimnet-distill-")), a = new URL("../data/models/lenet300.onnx", import.meta.url).pathname;
  const out = execFileSync("node", ["--import", "tsx", "src/cli/main.ts", "distill", "--teacher", a, "--teacher", a, "--student", "mlp:16",
    "--data", "mnist", "--limit", "1000", "--epochs", "3", "--lr", "0.05", "--temperature", "3", "-o", join(dir, "s.slim"), "--json"], { encoding: "utf8" });
  const j = JSON.parse(out);
  assert.equal(j.teachers.length, 2);
  assert.equal(j.temperature, 3);
  assert.equal(j.history.length, 3);
  assert.ok(j.test.teachers[0] > 0.98 && j.test.student > 0.5, JSON.stringify(j.test));
});

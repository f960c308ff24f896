// The trainer end to end through trainer.wasm: MNIST accuracy of a short seeded run, same seed →
// same weights, trained graph → fold → runtime Model predicts what the trainer predicts, hooks
// (masks, frozen, sign, fake-quant, clusters), losses, optimizer/schedule validation, the
// training plan and fold of the training ops, CSV and batching helpers, and `slimnet train`.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { batches, fromImageSet, head, labeled, permutation, split, subset, type Labeled } from "../src/data/batches.js";
import { parseCsv, readCsv } from "../src/data/csv.js";
import { loadImageSet } from "../src/data/mnist.js";
import { verify } from "../src/format/verify.js";
import { writeSlim } from "../src/format/writer.js";
import type { Graph } from "../src/ir/graph.js";
import { fold } from "../src/passes/fold.js";
import { FormatError, InputError, ShapeError } from "../src/runtime/errors.js";
import { Model } from "../src/runtime/index.js";
import { fit } from "../src/train/loop.js";
import { optimizerConfig, type OptimizerConfig } from "../src/train/optim.js";
import { schedule } from "../src/train/schedule.js";
import { Trainer } from "../src/train/trainer.js";
import { hintonTeacher, lenet300, lenet5, mobilenetTiny } from "../src/zoo/index.js";
import { rng } from "../src/zoo/init.js";
import { evalGraph } from "./helpers/ir-eval.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "slimnet-train-"));
const mnistTrain = fromImageSet(loadImageSet("mnist", "train"));
const mnistTest = fromImageSet(loadImageSet("mnist", "test"));
const sgd = (lr: number, more: Partial<OptimizerConfig> = {}): OptimizerConfig => ({ kind: "sgd", lr, momentum: 0.9, ...more } as OptimizerConfig);

/** Runs `steps` steps over the first samples of MNIST train. */
function steps(t: Trainer, n: number, offset = 0): number[] {
  const per = t.inputSize, losses: number[] = [];
  for (let s = 0; s < n; s++) {
    const at = offset + s * t.batch;
    losses.push(t.step(mnistTrain.x.subarray(at * per, (at + t.batch) * per), mnistTrain.labels.subarray(at, at + t.batch)).loss);
  }
  return losses;
}

const bitsEqual = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length && Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b.buffer, b.byteOffset, b.byteLength)) === 0;

test("lenet300: 2 seeded epochs on 12,000 MNIST images reach ≥ 91% on 2,000 held-out test images", async () => {
  const t = await Trainer.create(lenet300(1), { batch: 64, optimizer: sgd(0.05) });
  const history = fit(t, head(mnistTrain, 12000), { epochs: 2, seed: 1, valSplit: 0.1, progress: false });
  assert.equal(history.length, 2);
  assert.ok(history[1].loss < history[0].loss, `loss fell: ${history.map((h) => h.loss)}`);
  assert.ok(history[1].valAccuracy! > 0.9, `validation accuracy ${history[1].valAccuracy}`);
  const held = head(mnistTest, 2000), r = t.evaluate(held.x, held.labels);
  assert.equal(r.n, 2000);
  assert.ok(r.accuracy >= 0.91, `test accuracy ${r.accuracy}`);
  const rate = history[1].samplesPerSecond;
  assert.ok(rate > 1000, `${rate} samples/s`);
});

test("same seed → bit-identical weights; another seed → different ones", async () => {
  const run = async (seed: number) => {
    const t = await Trainer.create(lenet300(1), { batch: 32, optimizer: sgd(0.05) });
    fit(t, head(mnistTrain, 1024), { epochs: 1, seed, progress: false });
    return t.toGraph();
  };
  const [a, b, c] = [await run(5), await run(5), await run(6)];
  for (const [name, t] of a.tensors) if (t.data) assert.ok(bitsEqual(t.data, b.tensors.get(name)!.data!), `${name} differs between equal seeds`);
  assert.ok(!bitsEqual(a.tensors.get("fc1.weight")!.data!, c.tensors.get("fc1.weight")!.data!), "shuffling seed changes the result");
});

/** Trainer forward vs the folded graph in the runtime. */
async function deployedAgrees(g: Graph, train: (t: Trainer) => void, tol: number): Promise<void> {
  const t = await Trainer.create(g, { batch: 16, optimizer: sgd(0.01) });
  train(t);
  const x = head(mnistTest, 40).x, want = t.predict(x);
  const deployed = t.toGraph();
  fold(deployed);
  assert.ok(!deployed.nodes.some((n) => n.op === "BatchNormalization" || n.op === "Dropout"), "training ops folded away");
  const model = await Model.load(writeSlim(deployed));
  const got = model.run({ [g.inputs[0]]: x })[g.outputs[0]].data;
  assert.equal(got.length, want.length);
  want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= tol * Math.max(1, Math.abs(v)), `${g.name} output ${i}: runtime ${got[i]} vs trainer ${v}`));
}

test("toGraph + fold → runtime Model predicts what the trainer predicts (lenet300 exactly, BN and Dropout folded)", async () => {
  await deployedAgrees(lenet300(2), (t) => steps(t, 5), 0);
  await deployedAgrees(hintonTeacher(2), (t) => steps(t, 3), 1e-5);
  await deployedAgrees(mobilenetTiny(2), (t) => steps(t, 3), 1e-4);
});

test("BatchNormalization running statistics move in training and are not optimizer targets", async () => {
  const t = await Trainer.create(mobilenetTiny(1), { batch: 16, optimizer: sgd(0.01) });
  const mean0 = t.tensor("stem.bn.running_mean");
  steps(t, 2);
  assert.ok(!bitsEqual(mean0, t.tensor("stem.bn.running_mean")), "running mean updated");
  assert.ok(!t.trainable.includes("stem.bn.running_mean") && t.trainable.includes("stem.bn.weight"));
});

test("masks keep pruned weights at exactly zero through training", async () => {
  const g = lenet300(1), w = g.tensors.get("fc1.weight")!.data!, r = rng(9);
  const mask = Uint8Array.from(w, () => (r(0, 1) < 0.5 ? 1 : 0));
  const t = await Trainer.create(g, { batch: 32, optimizer: sgd(0.05), hooks: { "fc1.weight": { kind: "mask", mask } } });
  assert.ok(t.tensor("fc1.weight").every((v, i) => mask[i] || v === 0), "mask applied at install");
  steps(t, 20);
  const after = t.tensor("fc1.weight");
  let moved = 0;
  after.forEach((v, i) => {
    if (!mask[i]) assert.ok(v === 0, `pruned weight ${i} is ${v}`); // ±0
    else if (v !== w[i]) moved++;
  });
  assert.ok(moved > mask.reduce((a, b) => a + b, 0) * 0.5, `kept weights train (${moved} moved)`);
});

test("frozen tensors stay bit-identical; the rest train", async () => {
  const g = lenet300(1);
  const t = await Trainer.create(g, { batch: 32, optimizer: sgd(0.05), frozen: ["fc1.weight", "fc1.bias"] });
  assert.ok(!t.trainable.includes("fc1.weight"));
  steps(t, 10);
  assert.ok(bitsEqual(t.tensor("fc1.weight"), g.tensors.get("fc1.weight")!.data!));
  assert.ok(bitsEqual(t.tensor("fc1.bias"), g.tensors.get("fc1.bias")!.data!));
  assert.ok(!bitsEqual(t.tensor("fc2.weight"), g.tensors.get("fc2.weight")!.data!));
  await assert.rejects(Trainer.create(g, { frozen: ["nope"] }), /frozen: "nope" is not a constant tensor/);
});

test("sign (BinaryConnect), fake-quant and cluster hooks: deployed weights keep their form while the model trains", async () => {
  const g = lenet300(1), cw = g.tensors.get("fc2.weight")!.data!;
  const k = 16, centroids = Float32Array.from({ length: k }, (_, i) => -0.2 + (0.4 * i) / (k - 1));
  const index = Uint8Array.from(cw, (v) => Math.max(0, Math.min(k - 1, Math.round(((v + 0.2) / 0.4) * (k - 1)))));
  const t = await Trainer.create(g, {
    batch: 32, optimizer: sgd(0.02),
    hooks: {
      "fc1.weight": { kind: "sign", scalePerRow: true },
      "fc2.weight": { kind: "cluster", index, centroids },
      "logits.weight": { kind: "quant", bits: 4 },
    },
  });
  const losses = steps(t, 30);
  const avg = (a: number[]) => a.reduce((x, y) => x + y, 0) / a.length;
  assert.ok(avg(losses.slice(-10)) < avg(losses.slice(0, 10)), `loss falls: ${avg(losses.slice(0, 10))} → ${avg(losses.slice(-10))}`);
  const w1 = t.tensor("fc1.weight");
  for (let row = 0; row < 300; row++) {
    const vals = new Set(Array.from(w1.subarray(row * 784, (row + 1) * 784), Math.abs));
    assert.equal(vals.size, 1, `fc1 row ${row}: ±scale only, got ${vals.size} magnitudes`);
  }
  const w2 = t.tensor("fc2.weight");
  assert.ok(new Set(w2).size <= k, `fc2 shares ≤ ${k} values, has ${new Set(w2).size}`);
  assert.ok(!bitsEqual(Float32Array.from(index, (i) => centroids[i]), w2), "centroids trained");
  const w3 = t.tensor("logits.weight");
  for (let row = 0; row < 10; row++) assert.ok(new Set(w3.subarray(row * 100, (row + 1) * 100)).size <= 16, `logits row ${row}: ≤ 16 levels`);
});

test("losses: distill with alpha 0 equals cross-entropy; mimic of its own logits is 0; Adam trains", async () => {
  const x = head(mnistTrain, 32), g = lenet300(4);
  const ce = await Trainer.create(g, { batch: 32, optimizer: sgd(0.01) });
  const kd = await Trainer.create(g, { batch: 32, optimizer: sgd(0.01), loss: { kind: "distill", T: 4, alpha: 0 } });
  const mimic = await Trainer.create(g, { batch: 32, optimizer: sgd(0.01), loss: { kind: "mimic" } });
  const teacher = ce.predict(x.x);
  const a = ce.step(x.x, x.labels).loss, b = kd.step(x.x, x.labels, teacher).loss;
  assert.ok(Math.abs(a - b) < 1e-5, `CE ${a} vs distill α=0 ${b}`);
  assert.ok(Math.abs(mimic.step(x.x, x.labels, teacher).loss) < 1e-6);
  assert.throws(() => kd.step(x.x, x.labels), /distill loss: teacher logits of 32 × 10 values needed/);
  const adam = await Trainer.create(lenet300(1), { batch: 32, optimizer: { kind: "adam", lr: 1e-3 } });
  const losses = steps(adam, 30);
  assert.ok(losses[29] < losses[0] * 0.6, `adam: ${losses[0]} → ${losses[29]}`);
});

test("lenet5 (Caffe) trains on MNIST through the conv backward", async () => {
  const t = await Trainer.create(lenet5(1), { batch: 64, optimizer: sgd(0.01) });
  fit(t, head(mnistTrain, 3200), { epochs: 1, seed: 1, progress: false });
  const held = head(mnistTest, 1000);
  assert.ok(t.evaluate(held.x, held.labels).accuracy > 0.85);
});

test("optimizer configs and schedules are validated with messages naming the field", async () => {
  const bad: [unknown, RegExp][] = [
    [{ kind: "rmsprop", lr: 0.1 }, /kind must be "sgd" or "adam"/],
    [{ kind: "sgd", lr: 0 }, /lr must be a finite number > 0, got 0/],
    [{ kind: "sgd", lr: 0.1, momentum: 1 }, /momentum must be in \[0, 1\), got 1/],
    [{ kind: "sgd", lr: 0.1, momentum: 0, nesterov: true }, /nesterov needs momentum > 0/],
    [{ kind: "sgd", lr: 0.1, weightDecay: -1 }, /weightDecay must be a finite number ≥ 0/],
    [{ kind: "adam", lr: 0.1, beta2: 1 }, /beta2 must be in \[0, 1\)/],
    [{ kind: "adam", lr: 0.1, eps: 0 }, /eps must be a finite number > 0/],
  ];
  for (const [c, re] of bad) assert.throws(() => optimizerConfig(c as OptimizerConfig), (e: Error) => e instanceof InputError && re.test(e.message));
  assert.deepEqual(optimizerConfig({ kind: "adam", lr: 1e-3 }), { kind: "adam", lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0 });
  await assert.rejects(Trainer.create(lenet300(), { optimizer: { kind: "sgd", lr: -1 } }), InputError);
  await assert.rejects(Trainer.create(lenet300(), { batch: 0 }), /batch must be a positive integer/);

  const cos = schedule({ kind: "cosine", warmup: 1 }, 0.1, 5, 10);
  assert.ok(Math.abs(cos(0) - 0.01) < 1e-12 && Math.abs(cos(9) - 0.1) < 1e-12, "linear warm-up over the first epoch");
  assert.ok(Math.abs(cos(10) - 0.1) < 1e-12 && cos(30) < 0.1 && cos(49) < 0.001);
  const st = schedule({ kind: "step", every: 2, gamma: 0.5 }, 0.1, 6, 10);
  assert.deepEqual([st(0), st(19), st(20), st(59)], [0.1, 0.1, 0.05, 0.025]);
  assert.throws(() => schedule({ kind: "step", every: 0 }, 0.1, 6, 10), /every must be ≥ 1/);
  assert.throws(() => schedule({ kind: "cosine", warmup: 9 }, 0.1, 6, 10), /warmup must be in \[0, epochs\]/);
});

test("step and evaluate reject wrong shapes and label counts", async () => {
  const t = await Trainer.create(lenet300(1), { batch: 8 });
  assert.throws(() => t.step(new Float32Array(8 * 783), new Int32Array(8)), /step: x has 6264 values, expected 8 samples × 784/);
  assert.throws(() => t.step(new Float32Array(8 * 784), new Int32Array(7)), /step: 7 labels for 8 samples/);
  assert.throws(() => t.evaluate(new Float32Array(3 * 784), new Int32Array(2)), /evaluate: x has 2352 values, expected 2 samples/);
  assert.throws(() => fit(t, head(mnistTrain, 4), { epochs: 1, progress: false }), /4 training samples are fewer than one batch of 8/);
});

test("training plan: every activation at its own offset; the file verifies", () => {
  const g = mobilenetTiny(1), bytes = writeSlim(g, { training: true }), f = verify(bytes);
  const acts = f.tensors.filter((t) => t.kind === 0).sort((a, b) => a.offset - b.offset);
  assert.equal(acts.length, [...g.tensors.values()].filter((t) => !t.data).length);
  for (let i = 1; i < acts.length; i++) assert.ok(acts[i].offset >= acts[i - 1].offset + acts[i - 1].byteLength, `${acts[i].name} overlaps ${acts[i - 1].name}`);
  assert.ok(f.arenaBytes > verify(writeSlim(g)).arenaBytes, "no reuse costs arena");
  assert.ok(f.nodes.some((n) => n.op === "BatchNormalization" && Math.abs((n.attrs.epsilon as number) - 1e-5) < 1e-9));
});

test("fold: BatchNormalization → ChannelAffine → into the conv; Dropout removed; same outputs", () => {
  const g = mobilenetTiny(3), r = rng(4);
  for (const [name, t] of g.tensors) if (/\.bn\.(weight|bias|running_mean)$/.test(name)) t.data = t.data!.map(() => r(-0.5, 0.5) + (name.endsWith("weight") ? 1 : 0));
  else if (name.endsWith("running_var")) t.data = t.data!.map(() => r(0.5, 2));
  const x = { data: head(mnistTest, 2).x, shape: [2, 1, 28, 28] };
  const want = evalGraph(g, { input: x })[g.outputs[0]].data, folded = structuredClone(g);
  fold(folded);
  assert.deepEqual(folded.nodes.map((n) => n.op).filter((o) => o !== "Conv"), ["GlobalAveragePool", "Reshape", "Gemm"]);
  const got = evalGraph(folded, { input: x })[g.outputs[0]].data;
  want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) < 1e-4 * Math.max(1, Math.abs(v)), `output ${i}: ${got[i]} vs ${v}`));
  const h = hintonTeacher(1);
  fold(h);
  assert.deepEqual(h.nodes.map((n) => n.op), ["Gemm", "Gemm", "Gemm"], "Dropout on the input: its reader reads the input");
  assert.equal(h.nodes[0].inputs[0], "input");
  assert.ok(!h.tensors.has("drop0") && !h.tensors.has("fc1"), "the producer writes the Dropout output");
});

test("CSV: header and label by name, errors name file, line and column", () => {
  const ok = parseCsv("a,b,label\n1,2,0\n3.5,-4,2\n", "t.csv", { label: "label" });
  assert.deepEqual([...ok.x], [1, 2, 3.5, -4]);
  assert.deepEqual([...ok.labels], [0, 2]);
  assert.deepEqual(ok.sample, [2]);
  assert.deepEqual([...parseCsv("0,1,2\n1,3,4\n", "t.csv", { label: 0 }).labels], [0, 1]);
  assert.throws(() => parseCsv("1,2,0\n3,x,1\n", "t.csv"), (e: Error) => e instanceof FormatError && e.message === 't.csv:2: column 2 is "x", not a number');
  assert.throws(() => parseCsv("a,b,y\n1,2,0\n3,4\n", "t.csv"), /t\.csv:3: 2 columns, expected 3/);
  assert.throws(() => parseCsv("1,2,0.5\n", "t.csv"), /t\.csv:1: label column 3 is 0\.5, not a class index ≥ 0/);
  assert.throws(() => parseCsv("a,b\n1,2\n", "t.csv", { label: "y" }), /t\.csv:1: no column "y" in the header \(a, b\)/);
  assert.throws(() => parseCsv("", "t.csv"), /t\.csv: empty CSV file/);
  const path = join(tmp, "d.csv");
  writeFileSync(path, "f1,f2,class\n0,1,1\n1,0,0\n");
  assert.equal(readCsv(path).n, 2);
  assert.throws(() => readCsv(join(tmp, "missing.csv")), /cannot read .*missing\.csv: ENOENT/);
});

test("batching: seeded permutations, disjoint splits, partial last batch, label-count checks", () => {
  const p = permutation(100, 3);
  assert.deepEqual([...p].sort((a, b) => a - b), Array.from({ length: 100 }, (_, i) => i));
  assert.deepEqual(p, permutation(100, 3));
  assert.notDeepEqual(p, permutation(100, 4));
  const set: Labeled = labeled(Float32Array.from({ length: 20 }, (_, i) => i), Array.from({ length: 10 }, (_, i) => i), [2], "toy");
  const { train, val } = split(set, 0.3, 1);
  assert.equal(train.n + val.n, 10);
  assert.equal(val.n, 3);
  const seen = [...train.labels, ...val.labels].sort((a, b) => a - b);
  assert.deepEqual(seen, Array.from({ length: 10 }, (_, i) => i));
  for (let i = 0; i < train.n; i++) assert.equal(train.x[2 * i], 2 * train.labels[i], "features travel with labels");
  const sizes = [...batches(set, 4, permutation(10, 2))].map((b) => b.n);
  assert.deepEqual(sizes, [4, 4, 2]);
  assert.deepEqual([...subset(set, [3, 1]).labels], [3, 1]);
  assert.throws(() => labeled(new Float32Array(6), [0, 1], [2], "toy"), (e: Error) => e instanceof ShapeError && e.message === "toy: 2 labels for 3 samples");
  assert.throws(() => labeled(new Float32Array(5), [0, 1], [2], "toy"), /5 values do not split into samples of shape \[2\]/);
  assert.throws(() => labeled(new Float32Array(2), [-1], [2], "toy"), /label -1 of sample 0 is not a class index/);
  assert.throws(() => split(set, 1, 1), /validation fraction must be in \[0, 1\)/);
});

test("slimnet train: per-epoch table, test accuracy of the saved model; .onnx and --json", () => {
  const cli = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], { cwd: ROOT, encoding: "utf8" });
  const out = join(tmp, "l300.slim");
  const r = cli("train", "--arch", "lenet300", "--data", "mnist", "--epochs", "1", "--limit", "3000", "--lr", "0.05", "-o", out);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /epoch\s+loss\s+train acc\s+val acc\s+samples\/s\s+seconds/);
  assert.match(r.stdout, /test accuracy \(deployed model in the runtime, 10,000 images\): (\d+\.\d+)%/);
  assert.ok(Number(/test accuracy[^:]*: (\d+\.\d+)%/.exec(r.stdout)![1]) > 80);
  assert.ok(existsSync(out) && verify(readFileSync(out)).nodes.length === 3);
  const j = cli("train", "--arch", "hinton-student", "--data", "mnist", "--epochs", "1", "--limit", "640", "--val", "0", "--optimizer", "adam", "--json", "-o", join(tmp, "s.onnx"));
  assert.equal(j.status, 0, j.stderr);
  const res = JSON.parse(j.stdout);
  assert.equal(res.epochs.length, 1);
  assert.equal(res.test.n, 10000);
  assert.ok(existsSync(join(tmp, "s.onnx")));
  const bad = cli("train", "--arch", "resnet", "--data", "mnist", "--epochs", "1", "-o", join(tmp, "x.slim"));
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^slimnet: --arch takes one of lenet300, lenet5, hinton-teacher/);
  const csv = join(tmp, "wrong.csv");
  writeFileSync(csv, "1,2,3,0\n");
  const wrong = cli("train", "--arch", "lenet300", "--data", csv, "--epochs", "1", "-o", join(tmp, "x.slim"));
  assert.match(wrong.stderr, /--arch lenet300 takes 784 values per sample; .*wrong\.csv has 3/);
});

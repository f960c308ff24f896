// Early-exit pass (src/passes/early-exit.ts). Oracles: head placement checked against the graph
// structure (attach tensor, contiguity, docs/FORMAT.md §8 rules via writeSlim/readSlim); frozen
// training leaves every backbone constant bit-identical; calibration against an independent
// brute-force search over every f32 threshold candidate, evaluated with the reference rule
// (src/ir/exit-rule.ts) from scratch; the pass's validation figures recomputed from the logits by
// evaluateExits; the CLI end to end.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { fromImageSet, head, split } from "../src/data/batches.js";
import { loadImageSet } from "../src/data/mnist.js";
import { readSlim } from "../src/format/reader.js";
import { writeSlim } from "../src/format/writer.js";
import { importOnnx } from "../src/import/onnx.js";
import type { Graph } from "../src/ir/graph.js";
import { fires } from "../src/ir/exit-rule.js";
import { attachExits, calibrate, earlyExit, evaluateExits, exitMacs } from "../src/passes/early-exit.js";
import { fold } from "../src/passes/fold.js";
import { InputError } from "../src/runtime/errors.js";
import { rng } from "../src/zoo/init.js";
import { mlp } from "../src/zoo/mlp.js";

const ROOT = join(dirname(fileURLToPath(import.meta.url)), "..") + "/";
const lenet5 = (): Graph => importOnnx(readFileSync(`${ROOT}data/models/lenet5.onnx`));
const train = head(fromImageSet(loadImageSet("mnist", "train")), 1200);

/** Structure every head must have: contiguous, right after the writer of its attach tensor, ending in [1, C] logits. */
function checkHeads(g: Graph, points: string[]): void {
  const names = g.nodes.map((n) => n.name);
  assert.equal(g.exits!.length, points.length);
  g.exits!.forEach((e, k) => {
    const first = names.indexOf(e.nodes[0]);
    assert.deepEqual(names.slice(first, first + e.nodes.length), e.nodes, "head nodes are contiguous");
    assert.ok(g.nodes[first - 1].outputs.includes(points[k]) || g.exits!.slice(0, k).some((p) => p.nodes.includes(g.nodes[first - 1].name)), "head right after its attach point");
    assert.equal(g.nodes[first].inputs[0], points[k]);
    const last = g.nodes[first + e.nodes.length - 1];
    assert.deepEqual(last.outputs, [e.output]);
    assert.deepEqual(g.tensors.get(e.output)!.shape, g.tensors.get(g.outputs[0])!.shape);
    // Self-contained: nothing outside the head reads what it writes.
    const inside = new Set(g.nodes.slice(first, first + e.nodes.length).flatMap((n) => n.outputs));
    for (const n of g.nodes) if (!e.nodes.includes(n.name)) for (const i of n.inputs) assert.ok(!inside.has(i), `${n.name} reads head tensor ${i}`);
  });
  assert.deepEqual(g.outputs.length, 1);
}

test("auto on an MLP: a head after each hidden activation except the one feeding the classifier", () => {
  const g = mlp([100, 100], 784, 10, 3);
  const r = attachExits(g, { at: "auto" });
  assert.deepEqual(r.points, ["fc1"]); // after fc2 (100→10 head against a 100→10 classifier) is dropped
  checkHeads(r.graph, r.points);
  const three = attachExits(mlp([300, 200, 100], 784, 10, 3), { at: "auto" });
  assert.deepEqual(three.points, ["fc1", "fc2"]);
  checkHeads(three.graph, three.points);
  // A separate Relu node is followed: the head reads the activation, not the pre-activation.
  const sep = mlp([300, 100], 784, 10, 3);
  const fc1 = sep.nodes.find((n) => n.name === "fc1")!;
  fc1.attrs.act = 0;
  sep.tensors.set("fc1.relu", { name: "fc1.relu", shape: [1, 300] });
  sep.nodes.splice(1, 0, { op: "Relu", name: "fc1.relu", inputs: ["fc1"], outputs: ["fc1.relu"], attrs: {} });
  sep.nodes.find((n) => n.name === "fc2")!.inputs[0] = "fc1.relu";
  assert.deepEqual(attachExits(sep, { at: "auto" }).points, ["fc1.relu"]);
});

test("auto on LeNet-5: heads after pool1 and pool2; named points; the file round-trips with its exits", () => {
  const g = lenet5();
  const r = attachExits(g, { at: "auto", head: "pool-linear" });
  assert.deepEqual(r.points, ["pool1", "pool2"]);
  checkHeads(r.graph, r.points);
  assert.deepEqual(r.graph.nodes.map((n) => n.name).slice(0, 6), ["conv1", "pool1", "exit1.pool", "exit1.flatten", "exit1", "conv2"]);
  const one = attachExits(g, { at: ["conv1"], head: "mlp", headHidden: 16 });
  assert.deepEqual(one.points, ["conv1"]);
  checkHeads(one.graph, one.points);
  const back = readSlim(writeSlim(r.graph));
  assert.deepEqual(back.exits!.map((e) => [e.output, e.nodes]), r.graph.exits!.map((e) => [e.output, e.nodes]));
  // MACs to reach: everything up to the head's last node (FORMAT.md §8).
  const m = exitMacs(r.graph);
  assert.equal(m.exits[0], 288000 + 11520 + 2880 * 1 + 720 * 10); // conv1, pool1, the head's pool and Gemm
  assert.throws(() => attachExits(g, { at: ["nope"] }), (e: unknown) => e instanceof InputError && /"nope" is neither a node nor a tensor/.test((e as Error).message));
  assert.throws(() => attachExits(g, { at: ["logits"] }), InputError);
  assert.throws(() => attachExits(mlp([10], 784, 10), { at: ["fc1"], head: "pool-linear" }), /needs an NCHW attach tensor/);
});

test("frozen training: backbone bit-identical, the head learns; validation figures match the reference rule", async () => {
  const g = lenet5(), { train: tr, val } = split(train, 0.25, 1);
  const untrained = attachExits(g, { at: ["pool1"], head: "pool-linear" }).graph;
  const before = await evaluateExits(untrained, val, { thresholds: [2] }); // maxprob never ≥ 2: all final
  const headBefore = await evaluateExits(untrained, val, { thresholds: [0] }); // all at exit 1
  const r = await earlyExit(g, { data: tr, val, at: ["pool1"], head: "pool-linear", epochs: 2, batch: 32, progress: false, tolerance: 0.01 });
  for (const [name, t] of g.tensors) if (t.data) assert.deepEqual(r.graph.tensors.get(name)!.data, t.data, `${name} unchanged`);
  const after = await evaluateExits(r.graph, val, { thresholds: [0] });
  assert.ok(after.accuracy > headBefore.accuracy + 0.3, `head accuracy ${headBefore.accuracy} → ${after.accuracy}`);
  assert.ok(after.accuracy > 0.85, `trained head accuracy ${after.accuracy}`);
  // The calibrated policy, recomputed from the logits with exit-rule.ts, is what the pass reported.
  const policy = await evaluateExits(r.graph, val);
  assert.equal(policy.counts[0] / val.n, r.exits[0].valFraction);
  assert.equal(policy.accuracy, r.valAccuracyWithExits);
  assert.equal(policy.finalAccuracy, r.valAccuracyFinal);
  assert.equal(before.finalAccuracy, r.valAccuracyFinal);
  assert.ok(r.valAccuracyWithExits >= r.valAccuracyFinal - 0.01 - 1e-12);
  assert.ok(r.exits[0].valFraction > 0.2, `exit 1 takes ${r.exits[0].valFraction}`);
  assert.equal(r.avgMacs, policy.avgMacs);
  // Written and read back with its threshold (f32 exactly).
  const back = readSlim(writeSlim(r.graph));
  assert.equal(back.exits![0].threshold, r.exits[0].threshold);
  assert.equal(Math.fround(r.exits[0].threshold), r.exits[0].threshold);
  // Chained passes keep the exits valid: fold leaves the heads alone.
  const folded = structuredClone(r.graph);
  fold(folded);
  assert.deepEqual(folded.exits, r.graph.exits);
  writeSlim(folded);
});

test("joint training with per-exit weights trains the backbone too; existing heads are retrained and recalibrated", async () => {
  const g = mlp([64, 64], 784, 10, 5), { train: tr, val } = split(train, 0.25, 2);
  const r = await earlyExit(g, { data: tr, val, at: ["fc1"], train: "joint", weights: [2, 1], epochs: 1, batch: 32, progress: false, rule: "entropy", tolerance: 0.02 });
  assert.notDeepEqual(r.graph.tensors.get("fc1.weight")!.data, g.tensors.get("fc1.weight")!.data);
  assert.equal(r.graph.exits![0].rule, "entropy");
  assert.ok(r.valAccuracyWithExits >= r.valAccuracyFinal - 0.02 - 1e-12);
  const again = await earlyExit(r.graph, { data: tr, val, epochs: 1, batch: 32, progress: false, tolerance: 0 });
  assert.equal(again.exits[0].head, "given");
  assert.deepEqual(again.graph.exits![0].nodes, r.graph.exits![0].nodes);
  assert.ok(again.valAccuracyWithExits >= again.valAccuracyFinal);
  for (const [name, t] of r.graph.tensors) if (t.data && !name.startsWith("exit1")) assert.deepEqual(again.graph.tensors.get(name)!.data, t.data);
  await assert.rejects(earlyExit(g, { data: tr, at: ["fc1"], weights: [1], epochs: 1 }), /2 finite weights/);
});

/** Brute force: every candidate threshold (each confidence's f32 neighbours, 0, 1, ∞) evaluated from scratch. */
function bruteForce(conf: number[][], correct: boolean[][], fin: boolean[], rule: "maxprob" | "entropy", tol: number): { fired: number[]; acc: number } {
  const n = fin.length, K = conf.length, th: number[] = [], fired: number[] = [];
  const finalAcc = fin.filter(Boolean).length / n;
  const accuracy = (t: number[]) => {
    let hits = 0;
    for (let i = 0; i < n; i++) {
      const k = t.findIndex((v, j) => fires(rule, conf[j][i], v));
      hits += (k < 0 ? fin[i] : correct[k][i]) ? 1 : 0;
    }
    return hits / n;
  };
  for (let k = 0; k < K; k++) {
    const cands = new Set<number>([0, 1, 2, Infinity]);
    for (const c of conf[k]) for (const d of [-1e-7, 0, 1e-7]) cands.add(Math.fround(c + d * Math.abs(c)) );
    for (const c of conf[k]) { cands.add(Math.fround(c)); }
    let best = { t: rule === "maxprob" ? Infinity : -1, fires: -1 };
    for (const t of cands) {
      if (rule === "maxprob" ? t > 1 && t !== Infinity : t < 0) continue;
      const all = [...th, t];
      if (accuracy(all) < finalAcc - tol - 1e-12) continue;
      // samples reaching exit k that fire
      let f = 0;
      for (let i = 0; i < n; i++) if (!th.some((v, j) => fires(rule, conf[j][i], v)) && fires(rule, conf[k][i], t)) f++;
      if (f > best.fires) best = { t, fires: f };
    }
    th.push(best.t);
    fired.push(best.fires);
  }
  return { fired, acc: accuracy(th) };
}

test("calibration: the most permissive thresholds meeting the tolerance, against a brute-force search", () => {
  const r = rng(42);
  for (const rule of ["maxprob", "entropy"] as const)
    for (let trial = 0; trial < 6; trial++) {
      const n = 60 + trial * 10, K = 1 + (trial % 3), tol = [0, 0.01, 0.05][trial % 3];
      // Confidence correlated with correctness, with ties (rounded values), as real heads give.
      const correct = Array.from({ length: K }, () => Array.from({ length: n }, () => r(0, 1) < 0.8));
      const conf = correct.map((row) => row.map((ok) => {
        const p = Math.round((ok ? r(0.4, 1) : r(0.1, 0.8)) * 40) / 40;
        return rule === "maxprob" ? p : -Math.log(p) + (p === 1 ? 0 : 0);
      }));
      const fin = Array.from({ length: n }, () => r(0, 1) < 0.9);
      const c = calibrate({ conf, correct, finalCorrect: fin, rule, tolerance: tol });
      const b = bruteForce(conf, correct, fin, rule, tol);
      const fired = c.thresholds.map((_, k) => c.taken.filter((t) => t === k).length);
      assert.deepEqual(fired, b.fired, `${rule} trial ${trial}: exits taken`);
      assert.ok(Math.abs(c.accuracy - b.acc) < 1e-12, `${rule} trial ${trial}: accuracy ${c.accuracy} vs ${b.acc}`);
      assert.ok(c.met && c.accuracy >= c.finalAccuracy - tol - 1e-12);
      // taken agrees with the reference rule at the returned f32 thresholds.
      for (let i = 0; i < n; i++) {
        const k = c.thresholds.findIndex((t, j) => fires(rule, conf[j][i], t));
        assert.equal(c.taken[i], k < 0 ? K : k);
      }
      for (const t of c.thresholds) assert.equal(Math.fround(t), t);
    }
});

test("slimnet early-exit end to end on a small MNIST subset", () => {
  const dir = mkdtempSync(join(tmpdir(), "slimnet-ee-")), out = join(dir, "ee.slim");
  try {
    const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "early-exit", join(ROOT, "data/models/lenet5.onnx"), "-o", out,
      "--data", "mnist", "--limit", "400", "--epochs", "1", "--batch", "32", "--at", "pool1", "--head", "pool-linear", "--tolerance", "1", "--json"],
    { cwd: ROOT, encoding: "utf8" });
    assert.equal(r.status, 0, r.stderr);
    const j = JSON.parse(r.stdout);
    assert.equal(j.exits.length, 1);
    assert.equal(j.exits[0].after, "pool1");
    assert.ok(j.valAccuracyWithExits >= j.valAccuracyFinal - 0.01 - 1e-12);
    assert.ok(j.avgMacs <= j.finalMacs && j.fullMacs === 2307720);
    assert.equal(j.test.exits.length, 2);
    assert.ok(existsSync(out));
    const g = readSlim(readFileSync(out));
    assert.equal(g.exits![0].threshold, j.exits[0].threshold);
    const bad = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), "early-exit", join(ROOT, "data/models/lenet5.onnx"), "-o", out, "--data", "mnist", "--head", "cone"], { cwd: ROOT, encoding: "utf8" });
    assert.equal(bad.status, 1);
    assert.match(bad.stderr, /--head takes linear, mlp, pool-linear, pool-mlp, gap-linear/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

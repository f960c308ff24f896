// Depthwise-separable redesign (src/passes/separable.ts). Oracles: a kernel built separable
// (W[f,c,:,:] = p[f,c]·d[c,:]) is reproduced exactly, so the outputs in the runtime match the
// original; for a general kernel the initialisation's squared error (computed here in f64) is what
// the pass reports and no perturbation of p or d lowers it (least squares); MACs against hand
// counts; onnxruntime-web runs the exported result like the runtime does.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as ort from "onnxruntime-web";
import { exportOnnx } from "../src/export/onnx.js";
import { writeSlim } from "../src/format/writer.js";
import { GraphBuilder } from "../src/ir/build.js";
import type { Graph } from "../src/ir/graph.js";
import { countMacs } from "../src/ir/analysis.js";
import { separable, separableInit, separableLayers } from "../src/passes/separable.js";
import { Model } from "../src/runtime/model.js";
import { rng } from "../src/zoo/init.js";
import { lenet5 } from "../src/zoo/index.js";

ort.env.wasm.numThreads = 1;
const r = rng(21);
const rand = (n: number) => Float32Array.from({ length: n }, () => r(-1, 1));

/** input [1,C,H,H] → Conv k×k (pads p, stride s, act Relu) → output. */
function oneConv(C: number, F: number, k: number, H: number, w: Float32Array, o: { s?: number; p?: number } = {}): Graph {
  const b = new GraphBuilder(), s = o.s ?? 1, p = o.p ?? 0;
  const x = b.input("input", [1, C, H, H]);
  const y = b.node("Conv", [x, b.constant("conv.weight", [F, C, k, k], w), b.constant("conv.bias", [F], rand(F))],
    { group: 1, kh: k, kw: k, sh: s, sw: s, padTop: p, padLeft: p, padBottom: p, padRight: p, act: 1 }, { name: "conv", out: "conv" });
  return b.build("one", [y], true);
}

async function run(g: Graph, x: Float32Array): Promise<Float32Array> {
  return (await Model.load(writeSlim(g))).run({ [g.inputs[0]]: x })[g.outputs[0]].data;
}

async function ortRun(g: Graph, x: Float32Array, n: number): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(exportOnnx(g));
  const out = await s.run({ [g.inputs[0]]: new ort.Tensor("float32", x, [n, ...g.tensors.get(g.inputs[0])!.shape.slice(1)]) });
  return out[s.outputNames[0]].data as Float32Array;
}

function close(what: string, got: Float32Array, want: Float32Array, tol = 1e-5): void {
  assert.equal(got.length, want.length, `${what}: length`);
  want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= tol * Math.max(1, Math.abs(v)), `${what}[${i}]: ${got[i]} vs ${v}`));
}

/** Σ (W − p·d)² over [F, C, kk] in f64. */
function residual(w: Float32Array, p: Float32Array, d: Float32Array, F: number, C: number, kk: number): number {
  let e = 0;
  for (let f = 0; f < F; f++) for (let c = 0; c < C; c++) for (let j = 0; j < kk; j++) e += (w[(f * C + c) * kk + j] - p[f * C + c] * d[c * kk + j]) ** 2;
  return e;
}

test("a kernel that is separable is reproduced exactly: same outputs in the runtime and in ORT", async () => {
  const C = 4, F = 6, k = 3, H = 9, p0 = rand(F * C), d0 = rand(C * k * k), w = new Float32Array(F * C * k * k);
  for (let f = 0; f < F; f++) for (let c = 0; c < C; c++) for (let j = 0; j < k * k; j++) w[(f * C + c) * k * k + j] = p0[f * C + c] * d0[c * k * k + j];
  const init = separableInit(w, F, C, k * k);
  assert.ok(residual(w, init.p, init.d, F, C, k * k) < 1e-10, "p·d = W");
  assert.ok(Math.abs(init.energyKept - 1) < 1e-9);
  for (const [s, p] of [[1, 0], [2, 1], [1, 1]]) {
    const g = oneConv(C, F, k, H, w, { s, p }), x = rand(3 * C * H * H);
    const res = await separable(g);
    assert.deepEqual(res.graph.nodes.map((n) => [n.name, n.attrs.group, n.attrs.kh, n.attrs.sh, n.attrs.padTop, n.attrs.act]),
      [["conv_dw", C, k, s, p, 0], ["conv", 1, 1, 1, 0, 1]]);
    const want = await run(g, x);
    close(`separable kernel s=${s} p=${p}`, await run(res.graph, x), want);
    close(`onnxruntime-web s=${s} p=${p}`, await ortRun(res.graph, x, 3), want, 1e-4);
  }
});

test("general kernel: the reported error is the rank-1 least-squares residual, and perturbing p or d never lowers it", () => {
  const C = 5, F = 7, kk = 9, w = rand(F * C * kk), { p, d, energyKept } = separableInit(w, F, C, kk);
  const norm = w.reduce((a, v) => a + v * v, 0), e0 = residual(w, p, d, F, C, kk);
  assert.ok(Math.abs(e0 / norm - (1 - energyKept)) < 1e-6, `${e0 / norm} vs ${1 - energyKept}`);
  assert.ok(energyKept > 0 && energyKept < 1);
  for (let t = 0; t < 40; t++) {
    const p2 = p.map((v) => v + 0.01 * r(-1, 1)), d2 = d.map((v) => v + 0.01 * r(-1, 1));
    assert.ok(residual(w, p2, d, F, C, kk) >= e0 - 1e-6 && residual(w, p, d2, F, C, kk) >= e0 - 1e-6, `perturbation ${t}`);
  }
});

test("MACs against hand counts; cost ratio 1/C_out + 1/k²; LeNet-5 conv1 (C_in = 1) is left as is and says why", async () => {
  const g = oneConv(4, 6, 3, 8, rand(6 * 4 * 9), { s: 2, p: 1 });
  const res = await separable(g), l = res.layers[0];
  // out 4×4: before 16·6·4·9; after depthwise 16·4·9 + pointwise 16·6·4
  assert.deepEqual([l.macsBefore, l.macsAfter], [3456, 576 + 384]);
  assert.equal(countMacs(res.graph).total, 960 + 0);
  assert.equal(l.costRatio, 1 / 6 + 1 / 9);
  assert.ok(Math.abs(l.macRatio - l.costRatio) < 1e-12);
  assert.deepEqual([l.paramsBefore, l.paramsAfter], [6 * 4 * 9 + 6, 4 * 9 + 4 + 6 * 4 + 6]);

  const le = lenet5(3), x = rand(2 * 784);
  assert.deepEqual(separableLayers(le).layers, ["conv2"]);
  const s5 = await separable(le);
  assert.deepEqual(s5.skipped.map((s) => s.name), ["conv1"]);
  assert.match(s5.skipped[0].reason, /C_in = 1/);
  const c2 = s5.layers[0];
  assert.deepEqual([c2.name, c2.macsBefore, c2.macsAfter], ["conv2", 8 * 8 * 50 * 20 * 25, 8 * 8 * 20 * 25 + 8 * 8 * 50 * 20]);
  assert.ok(Math.abs(c2.macRatio - (1 / 50 + 1 / 25)) < 1e-12);
  close("lenet5 separable: slimnet vs ORT", await ortRun(s5.graph, x, 2), await run(s5.graph, x), 1e-4);
  await assert.rejects(separable(le, { layers: ["fc1"] }), /no layer "fc1"/);
});

test("CLI: slimnet lowrank and separable print their tables and JSON; bad flags are one-line errors", async () => {
  const { spawnSync } = await import("node:child_process");
  const { mkdtempSync } = await import("node:fs");
  const { tmpdir } = await import("node:os");
  const { join } = await import("node:path");
  const dir = mkdtempSync(join(tmpdir(), "slimnet-redesign-"));
  const cli = (...args: string[]) => spawnSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { encoding: "utf8" });
  const lr = cli("lowrank", "data/models/lenet300.onnx", "-o", join(dir, "a.slim"), "--rank", "fc1=40,fc2=16", "--latency-runs", "20", "--json");
  assert.equal(lr.status, 0, lr.stderr);
  const j = JSON.parse(lr.stdout);
  assert.deepEqual(j.layers.map((l: { name: string; rank: number }) => [l.name, l.rank]), [["fc1", 40], ["fc2", 16]]);
  assert.equal(j.after.params, 40 * 785 + 300 * 41 + 16 * 301 + 100 * 17 + 1010);
  const text = cli("lowrank", "data/models/lenet300.onnx", "-o", join(dir, "b.slim"), "--energy", "0.5", "--latency-runs", "20");
  assert.equal(text.status, 0, text.stderr);
  assert.match(text.stdout, /fc1 +Gemm +\[300,784\] +\d+ \/ 300/);
  assert.match(text.stdout, /batch-1 latency/);
  const sp = cli("separable", "data/models/lenet5.onnx", "-o", join(dir, "c.onnx"), "--latency-runs", "20");
  assert.equal(sp.status, 0, sp.stderr);
  assert.match(sp.stdout, /conv2 +\[50,20,5,5\] .* 0\.0600 +0\.0600/);
  assert.match(sp.stdout, /left as is: conv1 \(C_in = 1/);
  for (const [args, want] of [
    [["lowrank", "data/models/lenet300.onnx", "-o", join(dir, "d.slim")], /needs --energy E/],
    [["lowrank", "data/models/lenet300.onnx", "-o", join(dir, "d.slim"), "--rank", "fc7=3"], /no layer "fc7"/],
    [["separable", "data/models/lenet5.onnx", "-o", join(dir, "d.slim"), "--distill"], /--distill needs --data/],
  ] as [string[], RegExp][]) {
    const r = cli(...args);
    assert.equal(r.status, 1, args.join(" "));
    assert.match(r.stderr, want);
    assert.equal(r.stderr.trim().split("\n").length, 1, r.stderr);
  }
});

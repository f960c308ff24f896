// Low-rank factorisation (src/passes/lowrank.ts). Oracles: a matrix built with a known spectrum
// (W = H₁·diag(s)·H₂ with hand-made Householder reflections, independent of ml-matrix) whose
// rank-r reconstruction error must equal Σ_{i>r} s_i² (Eckart–Young) and whose rank choice by
// energy / params follows from s by hand; full-rank factoring reproduces the outputs in the
// runtime (Gemm, Conv, MatMul); onnxruntime-web runs the exported factored graph.
import assert from "node:assert/strict";
import { test } from "node:test";
import * as ort from "onnxruntime-web";
import { fromImageSet, head } from "../src/data/batches.js";
import { loadImageSet } from "../src/data/mnist.js";
import { exportOnnx } from "../src/export/onnx.js";
import { writeSlim } from "../src/format/writer.js";
import { GraphBuilder } from "../src/ir/build.js";
import type { Graph } from "../src/ir/graph.js";
import { countMacs, countParams } from "../src/ir/analysis.js";
import { lowRank, rankForEnergy } from "../src/passes/lowrank.js";
import { InputError } from "../src/runtime/errors.js";
import { Model } from "../src/runtime/model.js";
import { rng } from "../src/zoo/init.js";
import { lenet300, lenet5 } from "../src/zoo/index.js";

ort.env.wasm.numThreads = 1;
const x = head(fromImageSet(loadImageSet("mnist", "test")), 32);

async function run(g: Graph, input = x.x): Promise<Float32Array> {
  const m = await Model.load(writeSlim(g));
  return m.run({ [g.inputs[0]]: input })[g.outputs[0]].data;
}

async function ortRun(g: Graph, input = x.x, n = x.n): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(exportOnnx(g));
  const out = await s.run({ [g.inputs[0]]: new ort.Tensor("float32", input, [n, ...g.tensors.get(g.inputs[0])!.shape.slice(1)]) });
  return out[s.outputNames[0]].data as Float32Array;
}

function close(what: string, got: Float32Array, want: Float32Array, tol = 1e-5): void {
  assert.equal(got.length, want.length, `${what}: length`);
  want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= tol * Math.max(1, Math.abs(v)), `${what}[${i}]: ${got[i]} vs ${v}`));
}

/** Householder reflection I − 2vvᵀ/vᵀv of size n from a seeded random v, as a dense row-major f64 matrix. */
function householder(n: number, seed: number): Float64Array {
  const r = rng(seed), v = Float64Array.from({ length: n }, () => r(-1, 1)), vv = v.reduce((a, b) => a + b * b, 0);
  const h = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i * n + j] = (i === j ? 1 : 0) - (2 * v[i] * v[j]) / vv;
  return h;
}

/** W [N,K] = H_N · diag(s) · H_K (orthogonal factors, so its singular values are exactly s). */
function knownSpectrum(N: number, K: number, s: number[]): Float32Array {
  const a = householder(N, 11), b = householder(K, 12), w = new Float32Array(N * K);
  for (let i = 0; i < N; i++)
    for (let j = 0; j < K; j++) {
      let v = 0;
      for (let k = 0; k < s.length; k++) v += a[i * N + k] * s[k] * b[k * K + j];
      w[i * K + j] = v;
    }
  return w;
}

function oneGemm(N: number, K: number, w: Float32Array, act = 1): Graph {
  const b = new GraphBuilder(), r = rng(3);
  const input = b.input("input", [1, K]);
  const out = b.node("Gemm", [input, b.constant("fc.weight", [N, K], w), b.constant("fc.bias", [N], Float32Array.from({ length: N }, () => r(-1, 1)))],
    { act }, { name: "fc", out: "fc" });
  return b.build("one", [out], true);
}

/** ‖W − A·B‖²_F in f64 from the factored graph's two Gemm weights. */
function residual(w: Float32Array, N: number, K: number, g: Graph): number {
  const a = g.tensors.get("fc.weight")!, b = g.tensors.get("fc_lr.weight")!, r = b.shape[0];
  assert.deepEqual([a.shape, b.shape], [[N, r], [r, K]]);
  let e = 0;
  for (let i = 0; i < N; i++)
    for (let j = 0; j < K; j++) {
      let v = 0;
      for (let k = 0; k < r; k++) v += a.data![i * r + k] * b.data![k * K + j];
      e += (w[i * K + j] - v) ** 2;
    }
  return e;
}

test("Eckart–Young: the rank-r error equals the discarded σ² on a matrix of known spectrum; energy and params pick r by hand", async () => {
  const N = 24, K = 40, s = Array.from({ length: N }, (_, i) => 10 * 0.8 ** i), w = knownSpectrum(N, K, s);
  const total = s.reduce((a, v) => a + v * v, 0), tail = (r: number) => s.slice(r).reduce((a, v) => a + v * v, 0);
  const g = oneGemm(N, K, w);
  for (const r of [1, 3, 8]) {
    const res = await lowRank(g, { rank: { fc: r } });
    const err = residual(w, N, K, res.graph);
    assert.ok(Math.abs(err - tail(r)) <= 1e-4 * total, `rank ${r}: ‖W − W_r‖² = ${err}, discarded σ² = ${tail(r)}`);
    assert.ok(Math.abs(res.layers[0].energyKept - (1 - tail(r) / total)) < 1e-6, `rank ${r}: energy kept`);
    assert.equal(res.layers[0].paramsAfter, r * K + r + N * r + N);
    assert.equal(countParams(res.graph), r * K + r + N * r + N);
    assert.equal(res.layers[0].macsAfter, countMacs(res.graph).total);
    assert.equal(res.layers[0].macsAfter, r * K + N * r);
  }
  // energy 0.9: the smallest r with Σ_{i<r} s² ≥ 0.9 Σ s² (0.8^{2r} ≤ ~0.1 → r = 6 here, computed)
  let want = 0, acc = 0;
  while (acc < 0.9 * total) acc += s[want++] ** 2;
  assert.equal(rankForEnergy(s, 0.9), want);
  assert.equal((await lowRank(g, { energy: 0.9 })).layers[0].rank, want);
  // params 0.3 of 24·40 + 24 = 984: r·(40 + 1 + 24) + 24 ≤ 295.2 → r = 4
  assert.equal((await lowRank(g, { params: 0.3 })).layers[0].rank, 4);
  // no saving: r = 15 holds 15·65 + 24 = 999 ≥ 984 → left as is, and says so
  const skip = await lowRank(g, { rank: { fc: 15 } });
  assert.equal(skip.layers[0].rank, undefined);
  assert.match(skip.layers[0].skipped!, /999 ≥ 984/);
  assert.equal(countParams(skip.graph), countParams(g));
});

test("full rank reproduces the outputs in the runtime (Gemm chain, Conv, MatMul); ORT runs the export", async () => {
  const g = lenet300(7);
  const r = await lowRank(g, { rank: { fc1: 300, fc2: 100, logits: 10 }, force: true });
  assert.deepEqual(r.graph.nodes.map((n) => n.name), ["fc1_lr", "fc1", "fc2_lr", "fc2", "logits_lr", "logits"]);
  const want = await run(g);
  close("lenet300 full rank", await run(r.graph), want);
  close("onnxruntime-web", await ortRun(r.graph), want, 1e-4);

  const c = lenet5(8), xi = x.x;
  const rc = await lowRank(c, { rank: { conv1: 20, conv2: 50 }, force: true });
  assert.deepEqual(rc.graph.tensors.get("conv2_lr.weight")!.shape, [50, 20, 5, 5]);
  assert.deepEqual(rc.graph.tensors.get("conv2.weight")!.shape, [50, 50, 1, 1]);
  const wantC = await run(c, xi);
  close("lenet5 conv full rank", await run(rc.graph, xi), wantC);
  close("onnxruntime-web conv", await ortRun(rc.graph, xi), wantC, 1e-4);

  // MatMul with a constant B [K,N]
  const b = new GraphBuilder(), rr = rng(9), K = 12, N = 7;
  const inp = b.input("input", [1, K]);
  const y = b.node("MatMul", [inp, b.constant("B", [K, N], Float32Array.from({ length: K * N }, () => rr(-1, 1)))], {}, { name: "mm", out: "mm" });
  const m = b.build("mm", [y], true), xm = Float32Array.from({ length: 3 * K }, () => rr(-1, 1));
  const rm = await lowRank(m, { rank: { mm: 7 }, force: true });
  assert.deepEqual([rm.graph.tensors.get("mm_lr.weight")!.shape, rm.graph.tensors.get("B")!.shape], [[K, 7], [7, N]]);
  close("MatMul full rank", await run(rm.graph, xm), await run(m, xm));
  close("onnxruntime-web MatMul", await ortRun(rm.graph, xm, 3), await run(m, xm), 1e-4);
});

test("a truncated factorisation runs the same in slimnet and onnxruntime-web; the input graph is untouched", async () => {
  const g = lenet5(4);
  const r = await lowRank(g, { energy: 0.8 });
  for (const l of r.layers) if (l.rank !== undefined) assert.ok(l.paramsAfter < l.paramsBefore && l.energyKept >= 0.8, l.name);
  close("ORT vs slimnet", await ortRun(r.graph), await run(r.graph), 1e-4);
  assert.equal(countParams(g), 431080);
});

test("bad options are refused with the reason", async () => {
  const g = lenet300(1);
  await assert.rejects(lowRank(g, {}), InputError);
  await assert.rejects(lowRank(g, { energy: 0.9, params: 0.2 }), /not both/);
  await assert.rejects(lowRank(g, { rank: { fc9: 3 } }), /no layer "fc9"; layers: fc1, fc2, logits/);
  await assert.rejects(lowRank(g, { rank: { fc2: 101 } }), /exceeds the full rank 100/);
  await assert.rejects(lowRank(g, { energy: 1.5 }), /energy must be a fraction/);
});

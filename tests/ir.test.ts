// The IR on its own: shape errors name node, op, expected and got; structural checks; the fold
// pass keeps outputs unchanged.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphBuilder } from "../src/ir/build.js";
import { checkGraph, inferShapes, mixesBatch } from "../src/ir/analysis.js";
import { spec } from "../src/ir/ops.js";
import { fold } from "../src/passes/fold.js";
import { ShapeError } from "../src/runtime/errors.js";
import { evalGraph } from "./helpers/ir-eval.js";
import { randn, rng } from "./helpers/onnx-builder.js";

const r = rng(5);

test("infer: a mismatch is a ShapeError naming node, op, expected and got", () => {
  const b = new GraphBuilder(), x = b.input("x", [1, 8]);
  const w = b.constant("w", [4, 9], randn(r, 36)), bias = b.constant("b", [4], randn(r, 4));
  assert.throws(() => b.node("Gemm", [x, w, bias], {}, { name: "fc1" }),
    (e: Error) => e instanceof ShapeError && e.message === 'node "fc1" Gemm: expected W [N,8] for X [1,8], got W [4,9]');
  const c = b.input("c", [1, 3, 5, 5]), k = b.constant("k", [2, 3, 7, 7], randn(r, 294)), kb = b.constant("kb", [2], randn(r, 2));
  assert.throws(() => b.node("Conv", [c, k, kb], { kh: 7, kw: 7 }, { name: "conv" }), /node "conv" Conv: expected input extent ≥ window 7/);
  assert.throws(() => spec("Add").infer([[2, 3], [4, 3]], {}), /expected broadcastable shapes, got \[2,3\] and \[4,3\]/);
  assert.throws(() => spec("Transpose").infer([[2, 3]], { perm: [0, 0] }), /expected a permutation of 0..1/);
});

test("checkGraph: reads before writes and double writes are refused", () => {
  const b = new GraphBuilder(), x = b.input("x", [1, 4]);
  const y = b.node("Relu", [x]), z = b.node("Sigmoid", [y]);
  const g = b.build("g", [z], true);
  checkGraph(g);
  g.nodes.reverse();
  assert.throws(() => checkGraph(g), /input "relu_out" is read before it is written/);
  g.nodes.reverse();
  g.nodes[1].outputs = [y];
  assert.throws(() => checkGraph(g), /output "relu_out" is written twice/);
});

test("inferShapes scales dim 0 for batch-dynamic graphs; mixesBatch finds the culprit", () => {
  const b = new GraphBuilder(), x = b.input("x", [1, 2, 3]);
  const f = b.node("Reshape", [x], { shape: [1, 6] }), s = b.node("Softmax", [f], { axis: 0 }, { name: "sm" });
  const g = b.build("g", [s], true);
  assert.deepEqual(inferShapes(g, 5).get(f), [5, 6]);
  assert.equal(mixesBatch(g), "sm");
});

test("fold: ChannelAffine into Gemm and Conv, activation fusion; outputs unchanged", () => {
  const b = new GraphBuilder(), x = b.input("x", [1, 2, 5, 5]);
  const k = b.constant("k", [3, 2, 3, 3], randn(r, 54)), kb = b.constant("kb", [3], randn(r, 3));
  const aff = (t: string, c: number) => b.node("ChannelAffine", [t, b.constant("s", [c], randn(r, c)), b.constant("t", [c], randn(r, c))]);
  let y = b.node("Conv", [x, k, kb], { kh: 3, kw: 3, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1 });
  y = b.node("Clip", [aff(y, 3)], { min: -0.5, max: 0.5 });
  y = b.node("Reshape", [y], { shape: [1, 75] });
  const w = b.constant("w", [4, 75], randn(r, 300)), wb = b.constant("wb", [4], randn(r, 4));
  y = b.node("LeakyRelu", [aff(b.node("Gemm", [y, w, wb]), 4)], { alpha: 0.2 });
  const g = b.build("g", [y], true);
  const feed = { x: { data: randn(r, 100), shape: [2, 2, 5, 5] } }, before = evalGraph(g, feed)[y].data;
  assert.equal(fold(g), 4);
  checkGraph(g);
  assert.deepEqual(g.nodes.map((n) => `${n.op}:${n.attrs.act ?? ""}`), ["Conv:2", "Reshape:", "Gemm:3"]);
  const after = evalGraph(g, feed)[y].data;
  after.forEach((v, i) => assert.ok(Math.abs(v - before[i]) < 1e-5, `${v} vs ${before[i]}`));
});

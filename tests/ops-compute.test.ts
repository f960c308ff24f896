// Gemm, MatMul, Conv, MaxPool, AveragePool end to end: single-op ONNX models (written the way
// exporters write them) → convert → .slim → runtime (SIMD and scalar builds), against
// onnxruntime-web, |got − want| ≤ 1e-4·max(1, |want|). Covers the kernel choices of
// assembly/ops/conv.ts (depthwise 3×3 s1/s2, generic depthwise, 1×1, im2col with strides,
// dilations, asymmetric pads, groups, in blocks of output rows), fused activations, MatMul broadcasting, ceil_mode and
// count_include_pad.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-web";
import { buildModel, float, randn, rng, type AttrInput, type NodeSpec } from "./helpers/onnx-builder.js";
import { convertOnnx } from "../src/cli/models.js";
import { Model } from "../src/runtime/index.js";

ort.env.wasm.numThreads = 1;
const r = rng(11);

interface Case {
  name: string;
  x: number[];
  /** Constant inputs after X, by name. */
  consts?: Record<string, number[]>;
  /** Second activation input (MatMul of two activations). */
  x2?: number[];
  op: string;
  attrs?: Record<string, AttrInput>;
  /** Activation node fused after the op (the importer folds it into act). */
  post?: { op: string; attrs?: Record<string, AttrInput> };
  opset?: number;
}

const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

function model(c: Case): { bytes: Uint8Array; feeds: Record<string, { data: Float32Array; shape: number[] }> } {
  const inputs = [{ name: "x", shape: c.x }, ...(c.x2 ? [{ name: "x2", shape: c.x2 }] : [])];
  const consts = Object.entries(c.consts ?? {});
  const nodes: NodeSpec[] = [{ op: c.op, inputs: ["x", ...(c.x2 ? ["x2"] : []), ...consts.map(([n]) => n)], outputs: [c.post ? "t" : "y"], attrs: c.attrs }];
  if (c.post) nodes.push({ op: c.post.op, inputs: ["t"], outputs: ["y"], attrs: c.post.attrs });
  const bytes = buildModel({
    opset: c.opset ?? 13, inputs, outputs: ["y"], nodes,
    initializers: consts.map(([name, dims]) => ({ name, dims, data: randn(r, numel(dims)) })),
  });
  const feeds: Record<string, { data: Float32Array; shape: number[] }> = { x: { data: randn(r, numel(c.x)), shape: c.x } };
  if (c.x2) feeds.x2 = { data: randn(r, numel(c.x2)), shape: c.x2 };
  return { bytes, feeds };
}

const relu = { op: "Relu" };
const relu6 = { op: "Clip", attrs: { min: float(0), max: float(6) } }; // attribute form: opset ≤ 10
const leaky = { op: "LeakyRelu", attrs: { alpha: float(0.2) } };
const conv = (x: number[], w: number[], attrs: Record<string, AttrInput>, post?: Case["post"]): Omit<Case, "name"> =>
  ({ x, op: "Conv", consts: { w, b: [w[0]] }, attrs: { kernel_shape: w.slice(2), ...attrs }, post });

const CASES: Case[] = [
  { name: "Gemm batch 1 (GEMV), K % 8 ≠ 0", x: [1, 37], op: "Gemm", consts: { w: [13, 37], b: [13] }, attrs: { transB: 1 } },
  { name: "Gemm batch 5 + Relu", x: [5, 70], op: "Gemm", consts: { w: [9, 70], b: [9] }, attrs: { transB: 1 }, post: relu },
  { name: "Gemm batch 2 + LeakyRelu", x: [2, 16], op: "Gemm", consts: { w: [6, 16], b: [6] }, attrs: { transB: 1 }, post: leaky },
  { name: "MatMul [2,3,5,7]·[7,4] (constant B)", x: [2, 3, 5, 7], op: "MatMul", consts: { w: [7, 4] } },
  { name: "MatMul [1,9]·[9,13]", x: [1, 9], op: "MatMul", consts: { w: [9, 13] } },
  { name: "MatMul broadcast [3,1,5,7]·[2,7,6]", x: [3, 1, 5, 7], x2: [2, 7, 6], op: "MatMul" },
  { name: "MatMul [2,9,8]·[2,8,11] (both activations)", x: [2, 9, 8], x2: [2, 8, 11], op: "MatMul" },
  { name: "Conv 3×3 pad 1 + Relu (im2col)", ...conv([1, 3, 11, 13], [8, 3, 3, 3], { pads: [1, 1, 1, 1] }, relu) },
  { name: "Conv 5×5 stride 2, dilation 2, asymmetric pads", ...conv([2, 4, 17, 15], [6, 4, 5, 5], { strides: [2, 2], dilations: [2, 2], pads: [0, 1, 2, 3] }) },
  { name: "Conv 3×2 strides 3×1 group 2 + Clip(0,6)", ...conv([1, 6, 10, 9], [10, 3, 3, 2], { group: 2, strides: [3, 1], pads: [1, 0, 1, 1] }, relu6), opset: 10 },
  { name: "Conv 3×3 p1 on 64×64 (im2col in 10 blocks of output rows)", ...conv([1, 16, 64, 64], [5, 16, 3, 3], { pads: [1, 1, 1, 1] }, relu) },
  { name: "Conv 3×3 s2 p1 on 90×70 (im2col in 2 blocks)", ...conv([1, 8, 90, 70], [4, 8, 3, 3], { strides: [2, 2], pads: [1, 1, 1, 1] }) },
  { name: "Conv 1×1 (pointwise GEMM), 9 filters", ...conv([2, 16, 7, 9], [9, 16, 1, 1], {}) },
  { name: "Conv 1×1 stride 2", ...conv([1, 8, 9, 9], [12, 8, 1, 1], { strides: [2, 2] }) },
  { name: "Conv depthwise 3×3 s1 p1 + Relu", ...conv([2, 5, 14, 13], [5, 1, 3, 3], { group: 5, pads: [1, 1, 1, 1] }, relu) },
  { name: "Conv depthwise 3×3 s2 p1 + Clip(0,6)", ...conv([1, 7, 16, 15], [7, 1, 3, 3], { group: 7, strides: [2, 2], pads: [1, 1, 1, 1] }, relu6), opset: 10 },
  { name: "Conv depthwise 3×3 s2, pads 0,0,1,1", ...conv([1, 4, 9, 12], [4, 1, 3, 3], { group: 4, strides: [2, 2], pads: [0, 0, 1, 1] }) },
  { name: "Conv depthwise 5×5 s1 p2 (generic)", ...conv([1, 6, 12, 11], [6, 1, 5, 5], { group: 6, pads: [2, 2, 2, 2] }) },
  { name: "Conv depthwise 3×3 dilation 2", ...conv([1, 3, 12, 12], [3, 1, 3, 3], { group: 3, dilations: [2, 2], pads: [2, 2, 2, 2] }) },
  { name: "Conv depthwise multiplier 2", ...conv([1, 3, 8, 8], [6, 1, 3, 3], { group: 3, pads: [1, 1, 1, 1] }) },
  { name: "MaxPool 2×2 s2", x: [2, 6, 28, 28], op: "MaxPool", attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
  { name: "MaxPool 3×3 s2 p1 ceil_mode", x: [1, 4, 14, 15], op: "MaxPool", attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 } },
  { name: "MaxPool 2×3 dilations 2×1 s1", x: [1, 3, 10, 11], op: "MaxPool", attrs: { kernel_shape: [2, 3], dilations: [2, 1] } },
  { name: "AveragePool 3×3 s1 p1 count_include_pad", x: [1, 5, 9, 10], op: "AveragePool", attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1], count_include_pad: 1 } },
  { name: "AveragePool 3×3 s2 p1 exclude pad, ceil_mode", x: [2, 3, 12, 13], op: "AveragePool", attrs: { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 1 } },
  { name: "AveragePool 2×2 s2 ceil_mode, window past the end", x: [1, 3, 7, 9], op: "AveragePool", attrs: { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1 } },
];

for (const c of CASES) {
  test(`ops ${c.name}: SIMD and scalar runtime = onnxruntime-web`, async () => {
    const { bytes, feeds } = model(c);
    const session = await ort.InferenceSession.create(bytes);
    const ortFeeds = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor("float32", v.data, v.shape)]));
    const wantT = (await session.run(ortFeeds)).y;
    const want = wantT.data as Float32Array;
    const slim = convertOnnx(bytes);
    for (const simd of [true, false]) {
      const out = (await Model.load(slim, { simd })).run(feeds).y;
      assert.deepEqual([...out.shape], [...wantT.dims], `${simd ? "simd" : "scalar"}: shape`);
      for (let i = 0; i < want.length; i++) {
        const tol = 1e-4 * Math.max(1, Math.abs(want[i]));
        assert.ok(Math.abs(out.data[i] - want[i]) <= tol, `${simd ? "simd" : "scalar"} element ${i}: ${out.data[i]} vs ${want[i]}`);
      }
    }
  });
}

// End to end against onnxruntime-web: each generated ONNX model is converted by slimnet
// (importOnnx → writeSlim → Model.load with the SIMD build and with the scalar build), run, and
// compared with ORT on the original bytes: |ours − ort| ≤ 1e-4·|ort| + 1e-5, shapes equal.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-web";
import { float, tensor } from "./helpers/onnx-builder.js";
import {
  CONV_CASES, POOL_CASES, broadcastPair, buildModel, convSpec, depthwiseCases, i64, poolSpec, randn, randomConvCases,
  randomPoolCases, rng, single, weight, type Dims, type OnnxCase,
} from "./helpers/onnx-cases.js";
import { importOnnx } from "../src/import/onnx.js";
import { exportOnnx } from "../src/export/onnx.js";
import { writeSlim } from "../src/format/writer.js";
import { Model } from "../src/runtime/model.js";
import { ZOO } from "../src/zoo/index.js";
import type { ModelSpec } from "./helpers/onnx-builder.js";

ort.env.wasm.numThreads = 1;
const RTOL = 1e-4, ATOL = 1e-5;
const r = rng(2024);
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const w = (name: string, dims: number[], raw = true) => weight(r, name, dims, raw);

type Feeds = Record<string, { data: Float32Array; shape: number[] }>;

async function runOrt(bytes: Uint8Array, feeds: Feeds): Promise<Record<string, { data: Float32Array; shape: number[] }>> {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor("float32", v.data, v.shape)])));
  return Object.fromEntries(s.outputNames.map((n) => [n, { data: out[n].data as Float32Array, shape: [...out[n].dims] }]));
}

function close(what: string, got: { data: Float32Array; shape: number[] }, want: { data: Float32Array; shape: number[] }): void {
  assert.deepEqual(got.shape, want.shape, `${what}: shape`);
  for (let i = 0; i < want.data.length; i++) {
    const g = got.data[i], v = want.data[i];
    if (!(Math.abs(g - v) <= ATOL + RTOL * Math.abs(v))) assert.fail(`${what}: element ${i} is ${g}, onnxruntime-web says ${v}`);
  }
}

/** Feeds for a batch: symbolic dims (and dim 0 of a `shapes` override of -1) take `batch`. */
function feedsFor(c: OnnxCase, batch: number, scale = 1): Feeds {
  return Object.fromEntries(c.spec.inputs.map((i) => {
    const dims: Dims = c.shapes?.[i.name] ?? i.shape!;
    const shape = dims.map((d) => (typeof d === "string" || d < 0 ? batch : d));
    return [i.name, { data: randn(r, numel(shape)).map((v) => v * scale), shape }];
  }));
}

/**
 * Converts, loads with both runtime builds, and compares with ORT at every batch of the case.
 * Inputs are randn × `scale`; `bytes` replaces buildModel(c.spec) for models made elsewhere.
 */
async function check(c: OnnxCase, scale = 1, bytes = buildModel(c.spec)): Promise<void> {
  const g = importOnnx(bytes, { shapes: c.shapes });
  if (c.expectDynamic !== undefined) assert.equal(g.batchDynamic, c.expectDynamic, `${c.name}: batchDynamic`);
  const slim = writeSlim(g);
  const builds = [["simd", await Model.load(slim, { simd: true })], ["scalar", await Model.load(slim, { simd: false })]] as const;
  for (const [build, model] of builds) assert.equal(model.backend, build);
  for (const batch of c.batches ?? [1]) {
    const feeds = feedsFor(c, batch, scale), want = await runOrt(bytes, feeds);
    for (const [build, model] of builds) {
      const got = model.run(feeds);
      for (const name of Object.keys(want)) close(`${c.name} [${build}, batch ${batch}] ${name}`, got[name], want[name]);
    }
  }
}
const checkAll = async (cases: OnnxCase[], scale = 1): Promise<void> => { for (const c of cases) await check(c, scale); };
const describe = (x: unknown): string => JSON.stringify(x).replace(/"/g, "");

test("Conv: fixed edge cases, depthwise 3×3 stride 1 and 2, seeded random attributes", async () => {
  const cases = [...CONV_CASES, ...depthwiseCases(r), ...randomConvCases(r, 16)];
  await checkAll(cases.map((k) => ({ name: `Conv ${describe(k.slice(0, 3))}`, spec: convSpec(r, k, 11 + Math.floor(r(0, 12))), batches: [1, 3], expectDynamic: true })));
});

test("MaxPool / AveragePool: ceil_mode, count_include_pad, pads, dilations (fixed and random)", async () => {
  const cases = [...POOL_CASES, ...randomPoolCases(r, 20)];
  await checkAll(cases.map((k) => ({ name: `${k[0]}-${k[1]} ${describe(k.slice(2))}`, spec: poolSpec(k), batches: [1, 2], expectDynamic: true })));
  await checkAll(["GlobalAveragePool", "GlobalMaxPool"].flatMap((op) => [[3, 5, 4], [4, 7], [2, 1, 1]].map((x) => (
    { name: `${op} ${x}`, spec: single(22, ["N", ...x], { op, inputs: ["x"] }), batches: [1, 3] }))));
});

test("Gemm: alpha, beta, transA, transB, bias shapes, constant and dynamic B", async () => {
  const cases: OnnxCase[] = [];
  for (const transA of [0, 1]) for (const transB of [0, 1]) for (const [alpha, beta] of [[1, 1], [0.5, 2], [-1.25, 0.25]]) {
    const m = 1 + Math.floor(r(0, 6)), k = 1 + Math.floor(r(0, 9)), n = 1 + Math.floor(r(0, 9));
    const bias = [[n], [1, n], [m, n], [1], [m, 1], null][Math.floor(r(0, 6))];
    const attrs = { alpha: float(alpha), beta: float(beta), transA, transB };
    const a = transA ? [k, m] : [m, k], b = transB ? [n, k] : [k, n];
    cases.push({ name: `Gemm ${describe({ a, b, bias, ...attrs })}`,
      spec: single(11, a, { op: "Gemm", inputs: ["x", "b", ...(bias ? ["c"] : [])], attrs }, [w("b", b), ...(bias ? [w("c", bias)] : [])]) });
    cases.push({ name: `Gemm dynamic B ${describe({ a, b, bias, ...attrs })}`, spec: {
      opset: 13, inputs: [{ name: "x", shape: a }, { name: "z", shape: b }], outputs: ["y"], initializers: bias ? [w("c", bias)] : [],
      nodes: [{ op: "Gemm", inputs: ["x", "z", ...(bias ? ["c"] : [])], outputs: ["y"], attrs }] } });
  }
  cases.push({ name: "Gemm batch-dynamic", spec: single(9, ["N", 12], { op: "Gemm", inputs: ["x", "b", "c"], attrs: { transB: 1 } }, [w("b", [7, 12]), w("c", [7])]), batches: [1, 5, 64], expectDynamic: true });
  await checkAll(cases);
});

test("MatMul: constant B (2-D, 3-D A), batched and broadcast batch dims", async () => {
  await checkAll([
    { name: "MatMul [N,7]×[7,3]", spec: single(13, ["N", 7], { op: "MatMul", inputs: ["x", "b"] }, [w("b", [7, 3])]), batches: [1, 4], expectDynamic: true },
    { name: "MatMul [N,4,9]×[9,5]", spec: single(13, ["N", 4, 9], { op: "MatMul", inputs: ["x", "b"] }, [w("b", [9, 5])]), batches: [1, 3], expectDynamic: true },
    ...[[[2, 3, 4], [2, 4, 5]], [[2, 1, 3, 4], [3, 4, 6]], [[5, 9], [9, 17]], [[3, 8, 16], [1, 16, 9]], [[1, 13], [13, 2]]].map(([a, b]) => ({
      name: `MatMul ${a}×${b}`, spec: { opset: 13, inputs: [{ name: "x", shape: a }, { name: "z", shape: b }], outputs: ["y"],
        nodes: [{ op: "MatMul", inputs: ["x", "z"], outputs: ["y"] }] } as ModelSpec })),
    { name: "MatMul batched dynamic", spec: { opset: 13, inputs: [{ name: "x", shape: ["N", 2, 3, 4] }, { name: "z", shape: ["N", 2, 4, 5] }], outputs: ["y"],
      nodes: [{ op: "MatMul", inputs: ["x", "z"], outputs: ["y"] }] }, batches: [1, 3], expectDynamic: true },
  ]);
});

test("Add / Sub / Mul / Div / Sum with numpy broadcasting (activation and constant operands)", async () => {
  const cases: OnnxCase[] = [];
  for (const op of ["Add", "Sub", "Mul", "Div"])
    for (let k = 0; k < 4; k++) {
      const [a, b] = broadcastPair(r);
      cases.push({ name: `${op} ${describe(a)} ${describe(b)}`, spec: { opset: 14, inputs: [{ name: "x", shape: a }, { name: "z", shape: b }], outputs: ["y"],
        nodes: [{ op, inputs: ["x", "z"], outputs: ["y"] }] } });
      const constFirst = k % 2 === 0;
      cases.push({ name: `${op} const ${describe(b)} ${constFirst ? "first" : "second"}`, spec: single(13, ["N", ...a],
        { op, inputs: constFirst ? ["c", "x"] : ["x", "c"] }, [{ name: "c", dims: b, data: Float32Array.from({ length: numel(b) }, () => r(0.5, 2)) }]),
        batches: b.length <= a.length ? [1, 3] : [1] });
    }
  cases.push({ name: "Sum of three", spec: { opset: 13, inputs: [{ name: "x", shape: ["N", 4] }, { name: "z", shape: ["N", 1] }], outputs: ["y"],
    initializers: [w("c", [4])], nodes: [{ op: "Sum", inputs: ["x", "z", "c"], outputs: ["y"] }] }, batches: [1, 2] });
  await checkAll(cases);
});

test("activations: Relu, LeakyRelu, PRelu, Clip (attrs and inputs), Sigmoid, Tanh, HardSigmoid, HardSwish", async () => {
  const x = ["N", 3, 4, 5];
  const un = (op: string, opset: number, attrs: Record<string, any> = {}): OnnxCase =>
    ({ name: `${op}-${opset} ${describe(attrs)}`, spec: single(opset, x, { op, inputs: ["x"], attrs }), batches: [1, 2], expectDynamic: true });
  const scalar = (name: string, v: number) => ({ name, dims: [], data: [v] });
  await checkAll([
    un("Relu", 7), un("Relu", 14), un("LeakyRelu", 7), un("LeakyRelu", 16, { alpha: 0.3 }), un("Sigmoid", 13), un("Tanh", 13),
    un("HardSigmoid", 7), un("HardSigmoid", 22, { alpha: 0.3, beta: 0.4 }), un("HardSwish", 14), un("HardSwish", 22),
    un("Clip", 7, { min: -1.5, max: 2.5 }), un("Clip", 10, { max: 0.25 }), un("Clip", 10, { min: 0.0, max: 6.0 }),
    ...[[3, 1, 1], [1], [5], [3, 4, 5]].map((s) => ({ name: `PRelu slope ${s}`, spec: single(16, x, { op: "PRelu", inputs: ["x", "s"] }, [w("s", s)]), batches: [1, 2] })),
    { name: "Clip-13 min max", spec: single(13, x, { op: "Clip", inputs: ["x", "lo", "hi"] }, [scalar("lo", -0.3), scalar("hi", 0.7)]), batches: [1, 2] },
    { name: "Clip-12 max only", spec: single(12, x, { op: "Clip", inputs: ["x", "", "hi"] }, [scalar("hi", 0.1)]) },
    { name: "Clip-11 min only", spec: single(11, x, { op: "Clip", inputs: ["x", "lo"] }, [scalar("lo", -0.2)]) },
  ], 4);
});

test("Softmax / LogSoftmax: every axis at opset 11 (flatten from axis) and 13 (one axis)", async () => {
  const cases: OnnxCase[] = [];
  for (const op of ["Softmax", "LogSoftmax"]) for (const opset of [11, 13]) for (const shape of [[2, 10], [2, 3, 5], [2, 3, 4, 5]]) {
    for (let axis = -shape.length; axis < shape.length; axis++)
      cases.push({ name: `${op}-${opset} ${shape} axis ${axis}`, spec: single(opset, shape, { op, inputs: ["x"], attrs: { axis } }) });
    cases.push({ name: `${op}-${opset} ${shape} default axis`, spec: single(opset, ["N", ...shape.slice(1)], { op, inputs: ["x"] }), batches: [1, 3] });
  }
  await checkAll(cases, 3);
});

test("Concat, Transpose, Flatten, Reshape, Identity, Dropout", async () => {
  const cases: OnnxCase[] = [];
  for (const [shapes, axis] of [[[[2, 3], [4, 3]], 0], [[[2, 3, 4], [2, 1, 4], [2, 5, 4]], 1], [[[2, 3, 4], [2, 3, 2]], -1], [[[1, 2, 2, 3], [1, 3, 2, 3], [1, 1, 2, 3], [1, 2, 2, 3]], 1]] as [number[][], number][])
    cases.push({ name: `Concat axis ${axis} ${describe(shapes)}`, spec: { opset: 13, inputs: shapes.slice(1).map((s, i) => ({ name: `x${i}`, shape: s })),
      outputs: ["y"], initializers: [w("c", shapes[0])], nodes: [{ op: "Concat", inputs: ["c", ...shapes.slice(1).map((_, i) => `x${i}`)], outputs: ["y"], attrs: { axis } }] } });
  cases.push({ name: "Concat batch-dynamic", spec: { opset: 11, inputs: [{ name: "x", shape: ["N", 2, 3] }, { name: "z", shape: ["N", 4, 3] }], outputs: ["y"],
    nodes: [{ op: "Relu", inputs: ["z"], outputs: ["rz"] }, { op: "Concat", inputs: ["x", "rz"], outputs: ["y"], attrs: { axis: 1 } }] }, batches: [1, 3], expectDynamic: true });
  const perms = [[0, 2, 1], [2, 0, 1], [1, 0, 2], [0, 3, 1, 2], [0, 2, 3, 1], [3, 2, 1, 0], [1, 3, 0, 2]];
  for (const perm of perms) {
    const shape = perm.map(() => 2 + Math.floor(r(0, 4)));
    cases.push({ name: `Transpose ${perm}`, spec: single(13, shape, { op: "Transpose", inputs: ["x"], attrs: { perm } }) });
  }
  cases.push({ name: "Transpose default perm", spec: single(21, [3, 4, 5], { op: "Transpose", inputs: ["x"] }) });
  cases.push({ name: "Flatten axis 2", spec: single(13, ["N", 2, 3, 4], { op: "Flatten", inputs: ["x"], attrs: { axis: 2 } }), batches: [1, 3], expectDynamic: true });
  cases.push({ name: "Reshape 0,-1", spec: single(14, ["N", 2, 3, 4], { op: "Reshape", inputs: ["x", "s"] }, [i64("s", [0, -1, 4])]), batches: [1, 3], expectDynamic: true });
  cases.push({ name: "Identity, Dropout chain", spec: { opset: 22, inputs: [{ name: "x", shape: ["N", 5] }], outputs: ["y"],
    nodes: [{ op: "Identity", inputs: ["x"], outputs: ["i"] }, { op: "Dropout", inputs: ["i"], outputs: ["d"] }, { op: "Relu", inputs: ["d"], outputs: ["y"] }] }, batches: [1, 2] });
  await checkAll(cases);
});

test("Pad: constant / reflect / edge / wrap, attribute pads (opset 7) vs inputs (11+), axes (18+)", async () => {
  const cases: OnnxCase[] = [
    { name: "Pad-7 constant attr", spec: single(7, ["N", 2, 3, 3], { op: "Pad", inputs: ["x"], attrs: { pads: [0, 0, 1, 2, 0, 0, 2, 1], value: 1.5 } }), batches: [1, 2], expectDynamic: true },
    { name: "Pad-2D [3,4] all sides", spec: single(13, [3, 4], { op: "Pad", inputs: ["x", "p"] }, [i64("p", [1, 2, 2, 1])]) },
  ];
  for (const [mode, opset] of [["constant", 11], ["reflect", 13], ["edge", 18], ["wrap", 19], ["reflect", 25], ["edge", 23]] as [string, number][]) {
    const h = 3 + Math.floor(r(0, 4)), wd = 3 + Math.floor(r(0, 4)), lim = mode === "reflect" ? 2 : 3;
    const p = [0, 0, Math.floor(r(0, lim)), Math.floor(r(0, lim)), 0, 0, Math.floor(r(0, lim)), Math.floor(r(0, lim))];
    const inits = [i64("p", p), ...(mode === "constant" ? [{ name: "v", dims: [], data: [-2.5] }] : [])];
    cases.push({ name: `Pad-${opset} ${mode} ${p}`, spec: single(opset, ["N", 2, h, wd], { op: "Pad", inputs: ["x", "p", ...(mode === "constant" ? ["v"] : [])], attrs: { mode } }, inits), batches: [1, 2], expectDynamic: true });
  }
  cases.push({ name: "Pad-18 axes", spec: single(18, ["N", 2, 4, 4], { op: "Pad", inputs: ["x", "p", "", "a"] }, [i64("p", [1, 2, 3, 0]), i64("a", [2, -1])]), batches: [1, 2], expectDynamic: true });
  await checkAll(cases);
});

test("Squeeze / Unsqueeze: axes attribute (opset 11) vs input (opset 13+)", async () => {
  await checkAll([
    { name: "Squeeze-11 axes", spec: single(11, ["N", 1, 5, 1], { op: "Squeeze", inputs: ["x"], attrs: { axes: [1, -1] } }), batches: [1, 3], expectDynamic: true },
    { name: "Squeeze-13 axes input", spec: single(13, ["N", 1, 5, 1], { op: "Squeeze", inputs: ["x", "a"] }, [i64("a", [3])]), batches: [1, 3], expectDynamic: true },
    { name: "Squeeze-25 axes input", spec: single(25, ["N", 1, 5, 1], { op: "Squeeze", inputs: ["x", "a"] }, [i64("a", [1, 3])]), batches: [1, 3], expectDynamic: true },
    { name: "Squeeze-13 no axes (static)", spec: single(13, [1, 3, 1, 5], { op: "Squeeze", inputs: ["x"] }) },
    { name: "Unsqueeze-11 axes", spec: single(11, ["N", 5], { op: "Unsqueeze", inputs: ["x"], attrs: { axes: [1, 3] } }), batches: [1, 3], expectDynamic: true },
    { name: "Unsqueeze-13 axes input", spec: single(13, ["N", 5], { op: "Unsqueeze", inputs: ["x", "a"] }, [i64("a", [-1])]), batches: [1, 3], expectDynamic: true },
    { name: "Unsqueeze-24 two axes", spec: single(24, ["N", 5], { op: "Unsqueeze", inputs: ["x", "a"] }, [i64("a", [2, 1])]), batches: [1, 3], expectDynamic: true },
  ], 1);
});

test("BatchNormalization: folded into Conv, standalone; opset 9 and 15", async () => {
  const bn = (name: string, c: number) => [w(`${name}_s`, [c]), w(`${name}_b`, [c]), w(`${name}_m`, [c]),
    { name: `${name}_v`, dims: [c], data: Float32Array.from({ length: c }, () => r(0.5, 2)) }];
  const node = (x: string, y: string, name: string) => ({ op: "BatchNormalization", inputs: [x, `${name}_s`, `${name}_b`, `${name}_m`, `${name}_v`], outputs: [y], attrs: { epsilon: 1e-3 } });
  await checkAll([9, 15].map((opset) => ({ name: `Conv+BN+Relu+BN opset ${opset}`, spec: {
    opset, inputs: [{ name: "x", shape: ["N", 3, 7, 7] }], outputs: ["y"], initializers: [w("w", [4, 3, 3, 3]), ...bn("a", 4), ...bn("b", 4)],
    nodes: [{ op: "Conv", inputs: ["x", "w"], outputs: ["c"], attrs: { pads: [1, 1, 1, 1] } }, node("c", "n", "a"),
      { op: "Relu", inputs: ["n"], outputs: ["q"] }, node("q", "y", "b")] }, batches: [1, 3], expectDynamic: true })));
});

// ---- the "Must show" list -----------------------------------------------------------
test("must show: PyTorch-style Shape→Gather→Unsqueeze→Concat→Reshape, Constant nodes, dynamic batch 1, 3, 64", async () => {
  const spec = (opset: number): ModelSpec => ({
    opset, inputs: [{ name: "input", shape: ["batch", 2, 4, 4] }], outputs: ["logits"],
    initializers: [w("conv.weight", [3, 2, 3, 3]), w("conv.bias", [3], false), w("fc.weight", [5, 48], false), w("fc.bias", [5]),
      ...(opset >= 13 ? [i64("ax0", [0])] : [])],
    nodes: [
      { op: "Conv", inputs: ["input", "conv.weight", "conv.bias"], outputs: ["c"], attrs: { pads: [1, 1, 1, 1] } },
      { op: "Relu", inputs: ["c"], outputs: ["r"] },
      { op: "Shape", inputs: ["r"], outputs: ["s"] },
      { op: "Constant", inputs: [], outputs: ["zero"], attrs: { value: tensor({ dims: [], data: [0], dtype: "int64" }) } },
      { op: "Gather", inputs: ["s", "zero"], outputs: ["n"], attrs: { axis: 0 } },
      opset >= 13 ? { op: "Unsqueeze", inputs: ["n", "ax0"], outputs: ["n1"] } : { op: "Unsqueeze", inputs: ["n"], outputs: ["n1"], attrs: { axes: [0] } },
      { op: "Constant", inputs: [], outputs: ["m1"], attrs: { value: tensor({ dims: [1], data: [-1], dtype: "int64", raw: false }) } },
      { op: "Concat", inputs: ["n1", "m1"], outputs: ["shape"], attrs: { axis: 0 } },
      { op: "Reshape", inputs: ["r", "shape"], outputs: ["flat"] },
      { op: "Gemm", inputs: ["flat", "fc.weight", "fc.bias"], outputs: ["g"], attrs: { alpha: float(1), beta: float(1), transB: 1 } },
      { op: "Constant", inputs: [], outputs: ["half"], attrs: { value: tensor({ dims: [1], data: [0.5] }) } },
      { op: "Mul", inputs: ["g", "half"], outputs: ["logits"] },
    ],
  });
  for (const opset of [11, 13, 17, 25]) await check({ name: `PyTorch flatten subgraph opset ${opset}`, spec: spec(opset), batches: [1, 3, 64], expectDynamic: true });
});

test("must show: initializers as raw_data and as float_data give the same model", async () => {
  const data = { w: randn(r, 6 * 4), b: randn(r, 4) };
  const specFor = (raw: boolean): ModelSpec => ({
    opset: 13, inputs: [{ name: "x", shape: ["N", 6] }], outputs: ["y"],
    initializers: [{ name: "w", dims: [6, 4], data: data.w, raw }, { name: "b", dims: [4], data: data.b, raw }],
    nodes: [{ op: "MatMul", inputs: ["x", "w"], outputs: ["m"] }, { op: "Add", inputs: ["m", "b"], outputs: ["y"] }],
  });
  for (const raw of [true, false]) await check({ name: raw ? "raw_data" : "float_data", spec: specFor(raw), batches: [1, 3, 64], expectDynamic: true });
  assert.deepEqual(writeSlim(importOnnx(buildModel(specFor(true)))), writeSlim(importOnnx(buildModel(specFor(false)))));
  await check({ name: "initializers listed as inputs (opset 8)", spec: { ...specFor(false), opset: 8, initializersAsInputs: true,
    nodes: [{ op: "Gemm", inputs: ["x", "w", "b"], outputs: ["y"] }], inputs: [{ name: "x", shape: [1, 6] }] } });
});

test("must show: the zoo models exported to ONNX, ORT vs slimnet at batch 1 and 64", async () => {
  for (const [name, build] of Object.entries(ZOO)) {
    const g = build(11), bytes = exportOnnx(g), x = g.inputs[0];
    const shape = g.tensors.get(x)!.shape;
    await check({ name: `zoo ${name}`, spec: { opset: 13, inputs: [{ name: x, shape: ["N", ...shape.slice(1)] }], outputs: g.outputs, nodes: [] },
      batches: [1, 64], expectDynamic: true }, 1, bytes);
  }
});

// ONNX import and export against onnxruntime-web: each model is built here the way exporters
// write it, imported, evaluated by the plain-JS IR interpreter and compared with ORT on the
// original bytes (1e-4 relative); the exported IR is run by ORT and compared the same way.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-web";
import onnx from "onnx-proto";
import { buildModel, float, rng, randn, tensor, type ModelSpec, type NodeSpec } from "./helpers/onnx-builder.js";
import { evalGraph } from "./helpers/ir-eval.js";
import { CONV_CASES, POOL_CASES, convSpec, i64, poolSpec, single, weight } from "./helpers/onnx-cases.js";
import { importOnnx, type OnnxImportOptions } from "../src/import/onnx.js";
import { exportOnnx } from "../src/export/onnx.js";
import { countMacs, countParams } from "../src/ir/analysis.js";
import type { Graph } from "../src/ir/graph.js";
import { FormatError, UnsupportedError } from "../src/runtime/errors.js";

ort.env.wasm.numThreads = 1;
const r = rng(42);
const numel = (s: number[]): number => s.reduce((a, b) => a * b, 1);

function close(name: string, got: Float32Array, want: Float32Array): void {
  assert.equal(got.length, want.length, `${name}: length`);
  for (let i = 0; i < got.length; i++)
    if (!(Math.abs(got[i] - want[i]) <= 1e-4 * Math.max(1, Math.abs(want[i]))))
      assert.fail(`${name}: element ${i} is ${got[i]}, onnxruntime says ${want[i]}`);
}

async function runOrt(bytes: Uint8Array, feeds: Record<string, { data: Float32Array; shape: number[] }>): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor("float32", v.data, v.shape)])));
  return Object.fromEntries(s.outputNames.map((n) => [n, out[n].data as Float32Array]));
}

/** Imports `spec`, checks IR-eval and exported-model outputs against ORT at each batch. */
async function check(spec: ModelSpec, opts: OnnxImportOptions & { batches?: number[]; expectDynamic?: boolean } = {}): Promise<Graph> {
  const bytes = buildModel(spec), g = importOnnx(bytes, opts);
  if (opts.expectDynamic !== undefined) assert.equal(g.batchDynamic, opts.expectDynamic, "batchDynamic");
  const exported = exportOnnx(g);
  for (const batch of opts.batches ?? [1]) {
    const feeds = Object.fromEntries(spec.inputs.map((i) => {
      const shape = (opts.shapes?.[i.name] ?? i.shape!).map((d, k) => (typeof d === "string" || d < 0 ? batch : k === 0 && batch > 1 ? batch : d));
      return [i.name, { data: randn(r, numel(shape)), shape }];
    }));
    const want = await runOrt(bytes, feeds), ours = evalGraph(g, feeds), back = await runOrt(exported, feeds);
    for (const name of Object.keys(want)) {
      close(`${name} (IR, batch ${batch})`, ours[name].data, want[name]);
      close(`${name} (exported, batch ${batch})`, back[name], want[name]);
    }
  }
  return g;
}

const w = (name: string, dims: number[], raw = true) => weight(r, name, dims, raw);

test("Conv: strides, pads, auto_pad, dilations, groups, depthwise, 1-D, no bias", async () => {
  for (const c of CONV_CASES) {
    const g = await check(convSpec(r, c), { batches: [1, 3], expectDynamic: true });
    assert.ok(countMacs(g).total > 0);
  }
});

test("MaxPool / AveragePool: ceil_mode, count_include_pad, auto_pad, dilations, 1-D", async () => {
  for (const c of POOL_CASES) await check(poolSpec(c), { batches: [1, 2], expectDynamic: true });
  for (const op of ["GlobalAveragePool", "GlobalMaxPool"]) await check(single(13, ["N", 3, 5, 4], { op, inputs: ["x"] }), { batches: [2] });
});

test("Gemm: transA/transB, alpha/beta, bias shapes, dynamic B; MatMul with constant and dynamic B", async () => {
  const gemm = (a: (number | string)[], b: number[], c: number[] | null, attrs: Record<string, any>, opset = 11): ModelSpec =>
    single(opset, a, { op: "Gemm", inputs: ["x", "b", ...(c ? ["c"] : [])], attrs }, [w("b", b), ...(c ? [w("c", c)] : [])]);
  await check(gemm(["N", 6], [5, 6], [5], { transB: 1 }), { batches: [1, 4], expectDynamic: true });
  await check(gemm(["N", 6], [6, 5], [1, 5], { alpha: 0.5, beta: 2.0 }), { batches: [1, 2], expectDynamic: true });
  await check(gemm(["N", 6], [6, 5], [1], { beta: 0.25 }, 13), { batches: [2] });
  await check(gemm(["N", 6], [6, 5], null, { alpha: float(2) }, 13), { batches: [2] });
  await check(gemm([3, 6], [6, 5], [3, 5], { beta: 1.5 }));
  await check(gemm([3, 6], [6, 5], [3, 1], {}));
  await check(gemm([6, 3], [5, 6], [5], { transA: 1, transB: 1 }));
  await check({ opset: 13, inputs: [{ name: "x", shape: [3, 4] }, { name: "z", shape: [4, 5] }], outputs: ["y"], initializers: [w("c", [5])],
    nodes: [{ op: "Gemm", inputs: ["x", "z", "c"], outputs: ["y"], attrs: { alpha: 0.5, beta: 2.0 } }] });
  await check(single(13, ["N", 7], { op: "MatMul", inputs: ["x", "b"] }, [w("b", [7, 3])]), { batches: [1, 2], expectDynamic: true });
  await check(single(13, ["N", 4, 7], { op: "MatMul", inputs: ["x", "b"] }, [w("b", [7, 3])]), { batches: [1, 2], expectDynamic: true });
  await check({ opset: 13, inputs: [{ name: "x", shape: ["N", 2, 3, 4] }, { name: "z", shape: ["N", 2, 4, 5] }], outputs: ["y"],
    nodes: [{ op: "MatMul", inputs: ["x", "z"], outputs: ["y"] }] }, { batches: [1, 3], expectDynamic: true });
});

test("BatchNormalization folds into Conv/Gemm, stays a ChannelAffine otherwise; activations fuse", async () => {
  const bn = (name: string, c: number) => [w(`${name}_s`, [c]), w(`${name}_b`, [c]),
    w(`${name}_m`, [c]), { name: `${name}_v`, dims: [c], data: Float32Array.from({ length: c }, () => r(0.5, 2)) }];
  const bnNode = (x: string, y: string, name: string, opset = 9): NodeSpec =>
    ({ op: "BatchNormalization", inputs: [x, `${name}_s`, `${name}_b`, `${name}_m`, `${name}_v`], outputs: [y], attrs: { epsilon: 1e-3, ...(opset < 9 ? { spatial: 1 } : {}) } });
  const g = await check({
    opset: 9, inputs: [{ name: "x", shape: ["N", 3, 6, 6] }], outputs: ["y"],
    initializers: [w("w", [4, 3, 3, 3]), ...bn("bn1", 4), ...bn("bn2", 4)],
    nodes: [
      { op: "Conv", inputs: ["x", "w"], outputs: ["c"], attrs: { pads: [1, 1, 1, 1] } }, bnNode("c", "n", "bn1"),
      { op: "Clip", inputs: ["n"], outputs: ["a"], attrs: { min: 0.0, max: 6.0 } }, bnNode("a", "y", "bn2"),
    ],
  }, { batches: [1, 2], expectDynamic: true });
  assert.deepEqual(g.nodes.map((n) => n.op), ["Conv", "ChannelAffine"]);
  assert.equal(g.nodes[0].attrs.act, 2);
  const g2 = await check({
    opset: 15, inputs: [{ name: "x", shape: ["N", 8] }], outputs: ["y", "h"],
    initializers: [w("w", [5, 8]), w("b", [5]), ...bn("bn", 5)],
    nodes: [{ op: "Gemm", inputs: ["x", "w", "b"], outputs: ["h"], attrs: { transB: 1 } }, bnNode("h", "n", "bn", 15),
      { op: "LeakyRelu", inputs: ["n"], outputs: ["y"], attrs: { alpha: 0.1 } }],
  }, { batches: [1, 2] });
  assert.deepEqual(g2.nodes.map((n) => n.op), ["Gemm", "ChannelAffine", "LeakyRelu"], "h is a graph output: nothing folds into it");
});

test("activations, PRelu, Clip (attrs before opset 11, inputs after)", async () => {
  for (const [op, attrs] of [["Relu", {}], ["Sigmoid", {}], ["Tanh", {}], ["LeakyRelu", {}], ["LeakyRelu", { alpha: 0.3 }],
    ["HardSigmoid", {}], ["HardSigmoid", { alpha: 0.3, beta: 0.4 }]] as const)
    await check(single(13, ["N", 3, 4], { op, inputs: ["x"], attrs }), { batches: [2] });
  await check(single(14, ["N", 3, 4], { op: "HardSwish", inputs: ["x"] }), { batches: [2] });
  await check(single(13, ["N", 3, 2, 2], { op: "PRelu", inputs: ["x", "s"] }, [w("s", [3, 1, 1])]), { batches: [2] });
  await check(single(9, ["N", 5], { op: "Clip", inputs: ["x"], attrs: { min: -0.5, max: 0.5 } }));
  await check(single(7, ["N", 5], { op: "Clip", inputs: ["x"], attrs: { max: 0.25 } }));
  await check(single(13, ["N", 5], { op: "Clip", inputs: ["x", "lo", "hi"] },
    [{ name: "lo", dims: [], data: [-0.3] }, { name: "hi", dims: [], data: [0.7] }]), { batches: [2] });
  await check(single(12, ["N", 5], { op: "Clip", inputs: ["x", "", "hi"] }, [{ name: "hi", dims: [], data: [0.1] }]));
});

test("Softmax / LogSoftmax: opset 11 (flatten from axis) vs opset 13 (one axis)", async () => {
  for (const opset of [11, 13])
    for (const op of ["Softmax", "LogSoftmax"]) {
      await check(single(opset, ["N", 3, 4, 5], { op, inputs: ["x"] }), { batches: [1, 2] });
      await check(single(opset, ["N", 3, 4, 5], { op, inputs: ["x"], attrs: { axis: 2 } }), { batches: [2] });
      await check(single(opset, ["N", 10], { op, inputs: ["x"], attrs: { axis: -1 } }), { batches: [1, 3], expectDynamic: true });
    }
  await check(single(13, ["N", 6], { op: "Softmax", inputs: ["x"], attrs: { axis: 0 } }), { expectDynamic: false });
});

test("binary ops with numpy broadcasting, Sum, Concat", async () => {
  for (const op of ["Add", "Sub", "Mul", "Div"]) {
    await check(single(13, ["N", 3, 4], { op, inputs: ["x", "c"] }, [w("c", [4])]), { batches: [1, 2], expectDynamic: true });
    await check(single(13, ["N", 3, 4], { op, inputs: ["c", "x"] }, [w("c", [3, 1])]), { batches: [2] });
  }
  await check({ opset: 13, inputs: [{ name: "x", shape: ["N", 3, 1] }, { name: "z", shape: ["N", 1, 4] }], outputs: ["y"],
    nodes: [{ op: "Mul", inputs: ["x", "z"], outputs: ["y"] }] }, { batches: [1, 2], expectDynamic: true });
  await check({ opset: 13, inputs: [{ name: "x", shape: ["N", 4] }, { name: "z", shape: ["N", 4] }], outputs: ["y"], initializers: [w("c", [4])],
    nodes: [{ op: "Sum", inputs: ["x", "z", "c"], outputs: ["y"] }] }, { batches: [2] });
  await check({ opset: 13, inputs: [{ name: "x", shape: ["N", 2, 3] }, { name: "z", shape: ["N", 4, 3] }], outputs: ["y"], initializers: [w("c", [1, 1, 3])],
    nodes: [{ op: "Relu", inputs: ["z"], outputs: ["rz"] }, { op: "Concat", inputs: ["x", "rz"], outputs: ["y"], attrs: { axis: -2 } }] },
  { batches: [1, 2], expectDynamic: true });
  await check({ opset: 13, inputs: [{ name: "x", shape: [2, 3] }], outputs: ["y"], initializers: [w("c", [1, 3])],
    nodes: [{ op: "Concat", inputs: ["x", "c"], outputs: ["y"], attrs: { axis: 0 } }] });
});

test("Flatten, Reshape (0, -1, allowzero), Squeeze/Unsqueeze (opset 11 attrs vs 13 inputs), Identity, Dropout, Transpose", async () => {
  await check(single(13, ["N", 2, 3, 4], { op: "Flatten", inputs: ["x"], attrs: { axis: 2 } }), { batches: [1, 2], expectDynamic: true });
  await check(single(13, ["N", 2, 3, 4], { op: "Flatten", inputs: ["x"], attrs: { axis: 0 } }), { expectDynamic: false });
  await check(single(13, ["N", 2, 3, 4], { op: "Reshape", inputs: ["x", "s"] }, [i64("s", [0, -1, 4])]), { batches: [1, 3], expectDynamic: true });
  await check(single(14, [2, 6], { op: "Reshape", inputs: ["x", "s"], attrs: { allowzero: 1 } }, [i64("s", [3, 4])]));
  await check(single(13, ["N", 6], { op: "Reshape", inputs: ["x", "s"] }, [i64("s", [-1])]), { batches: [1, 2], expectDynamic: true });
  await check(single(11, ["N", 1, 5, 1], { op: "Squeeze", inputs: ["x"], attrs: { axes: [1, -1] } }), { batches: [1, 2], expectDynamic: true });
  await check(single(13, ["N", 1, 5, 1], { op: "Squeeze", inputs: ["x", "a"] }, [i64("a", [3])]), { batches: [2], expectDynamic: true });
  await check(single(13, ["N", 1, 5], { op: "Squeeze", inputs: ["x"] }), { expectDynamic: false });
  await check(single(11, ["N", 5], { op: "Unsqueeze", inputs: ["x"], attrs: { axes: [1, 3] } }), { batches: [2], expectDynamic: true });
  await check(single(13, ["N", 5], { op: "Unsqueeze", inputs: ["x", "a"] }, [i64("a", [-1])]), { batches: [2], expectDynamic: true });
  await check({ opset: 10, inputs: [{ name: "x", shape: ["N", 5] }], outputs: ["y"],
    nodes: [{ op: "Identity", inputs: ["x"], outputs: ["i"] }, { op: "Dropout", inputs: ["i"], outputs: ["d"], attrs: { ratio: 0.3 } },
      { op: "Relu", inputs: ["d"], outputs: ["r"] }, { op: "Identity", inputs: ["r"], outputs: ["y"] }] }, { batches: [2] });
  await check(single(13, ["N", 5], { op: "Identity", inputs: ["x"] }));
  await check(single(13, ["N", 2, 3, 4], { op: "Transpose", inputs: ["x"], attrs: { perm: [0, 3, 1, 2] } }), { batches: [1, 2], expectDynamic: true });
  await check(single(13, [2, 3], { op: "Transpose", inputs: ["x"] }));
});

test("Pad: attributes before opset 11, inputs after, axes at opset 18, modes", async () => {
  await check(single(7, ["N", 2, 3, 3], { op: "Pad", inputs: ["x"], attrs: { pads: [0, 0, 1, 2, 0, 0, 2, 1], value: 1.5 } }), { batches: [1, 2], expectDynamic: true });
  await check(single(11, ["N", 2, 4, 4], { op: "Pad", inputs: ["x", "p", "v"] }, [i64("p", [0, 0, 1, 1, 0, 0, 1, 1]), { name: "v", dims: [], data: [-2] }]), { batches: [2] });
  await check(single(13, ["N", 2, 4, 4], { op: "Pad", inputs: ["x", "p"], attrs: { mode: "reflect" } }, [i64("p", [0, 0, 2, 1, 0, 0, 1, 3])]), { batches: [2] });
  await check(single(13, ["N", 2, 4, 4], { op: "Pad", inputs: ["x", "p"], attrs: { mode: "edge" } }, [i64("p", [0, 0, 2, 1, 0, 0, 1, 3])]), { batches: [2] });
  await check(single(18, ["N", 2, 4, 4], { op: "Pad", inputs: ["x", "p", "", "a"] }, [i64("p", [1, 2, 3, 0]), i64("a", [2, -1])]), { batches: [2], expectDynamic: true });
  await check(single(13, ["N", 4], { op: "Pad", inputs: ["x", "p"] }, [i64("p", [1, 0, 0, 0])]), { expectDynamic: false });
});

test("PyTorch-style shape subgraphs and Constant nodes fold away (x.view(x.size(0), -1))", async () => {
  const g = await check({
    opset: 11, inputs: [{ name: "input", shape: ["batch", 2, 4, 4] }], outputs: ["logits"],
    initializers: [w("fc.weight", [3, 32], false), w("fc.bias", [3], false)],
    nodes: [
      { op: "Relu", inputs: ["input"], outputs: ["r"] },
      { op: "Shape", inputs: ["r"], outputs: ["s"] },
      { op: "Constant", inputs: [], outputs: ["zero"], attrs: { value: tensor({ dims: [], data: [0], dtype: "int64" }) } },
      { op: "Gather", inputs: ["s", "zero"], outputs: ["n"], attrs: { axis: 0 } },
      { op: "Unsqueeze", inputs: ["n"], outputs: ["n1"], attrs: { axes: [0] } },
      { op: "Constant", inputs: [], outputs: ["m1"], attrs: { value: tensor({ dims: [1], data: [-1], dtype: "int64", raw: false }) } },
      { op: "Concat", inputs: ["n1", "m1"], outputs: ["shape"], attrs: { axis: 0 } },
      { op: "Reshape", inputs: ["r", "shape"], outputs: ["flat"] },
      { op: "Gemm", inputs: ["flat", "fc.weight", "fc.bias"], outputs: ["logits"], attrs: { alpha: float(1), beta: float(1), transB: 1 } },
    ],
  }, { batches: [1, 4], expectDynamic: true });
  assert.deepEqual(g.nodes.map((n) => n.op), ["Relu", "Reshape", "Gemm"]);
  assert.equal(countParams(g), 3 * 32 + 3);
  // Opset 13: Unsqueeze axes as input; Shape(start) at opset 15; Slice, Cast, Range, ConstantOfShape, int arithmetic.
  await check({
    opset: 15, inputs: [{ name: "x", shape: ["N", 3, 4] }], outputs: ["y"],
    initializers: [i64("ax", [0])],
    nodes: [
      { op: "Shape", inputs: ["x"], outputs: ["s12"], attrs: { start: 1 } },
      { op: "Constant", inputs: [], outputs: ["st"], attrs: { value_ints: [0] } },
      { op: "Constant", inputs: [], outputs: ["en"], attrs: { value_ints: [1] } },
      { op: "Slice", inputs: ["s12", "st", "en"], outputs: ["c3"] },
      { op: "Shape", inputs: ["x"], outputs: ["s"], attrs: { end: 1 } },
      { op: "Mul", inputs: ["c3", "en"], outputs: ["c3b"] },
      { op: "Constant", inputs: [], outputs: ["four"], attrs: { value_int: 4 } },
      { op: "Unsqueeze", inputs: ["four", "ax"], outputs: ["four1"] },
      { op: "Concat", inputs: ["s", "c3b", "four1"], outputs: ["shape"], attrs: { axis: 0 } },
      { op: "Reshape", inputs: ["x", "shape"], outputs: ["xr"] },
      { op: "Constant", inputs: [], outputs: ["len"], attrs: { value: tensor({ dims: [1], data: [4], dtype: "int64" }) } },
      { op: "ConstantOfShape", inputs: ["len"], outputs: ["ones"], attrs: { value: tensor({ dims: [1], data: [1] }) } },
      { op: "Constant", inputs: [], outputs: ["r0"], attrs: { value: tensor({ dims: [], data: [0], dtype: "int64" }) } },
      { op: "Constant", inputs: [], outputs: ["r1"], attrs: { value: tensor({ dims: [], data: [4], dtype: "int64" }) } },
      { op: "Constant", inputs: [], outputs: ["r2"], attrs: { value: tensor({ dims: [], data: [1], dtype: "int64" }) } },
      { op: "Range", inputs: ["r0", "r1", "r2"], outputs: ["rng"] },
      { op: "Cast", inputs: ["rng"], outputs: ["rngf"], attrs: { to: 1 } },
      { op: "Add", inputs: ["rngf", "ones"], outputs: ["bias"] },
      { op: "Constant", inputs: [], outputs: ["half"], attrs: { value_float: 0.5 } },
      { op: "Mul", inputs: ["bias", "half"], outputs: ["bias2"] },
      { op: "Add", inputs: ["xr", "bias2"], outputs: ["y"] },
    ],
  }, { batches: [1, 2], expectDynamic: true });
});

test("initializers as raw_data, float_data, listed as inputs; static batch; shapes option", async () => {
  for (const raw of [true, false]) {
    const g = await check({
      opset: 8, inputs: [{ name: "x", shape: [1, 6] }], outputs: ["y"], initializersAsInputs: true,
      initializers: [w("w", [6, 4], raw), w("b", [4], raw)],
      nodes: [{ op: "Gemm", inputs: ["x", "w", "b"], outputs: ["y"] }],
    });
    assert.equal(g.batchDynamic, false);
  }
  const spec = single(13, ["N", 3, "H", "W"], { op: "Relu", inputs: ["x"] });
  assert.throws(() => importOnnx(buildModel(spec)), (e: Error) => e instanceof UnsupportedError && /symbolic dim 2 \("H"\).*shapes/.test(e.message));
  const g = await check(spec, { shapes: { x: [-1, 3, 4, 5] }, batches: [1, 2], expectDynamic: true });
  assert.deepEqual(g.tensors.get("x")!.shape, [1, 3, 4, 5]);
});

test("zoo-like CNN end to end: dynamic batch, folded BN, fused Relu, params and MACs", async () => {
  const g = await check({
    opset: 13, inputs: [{ name: "x", shape: ["N", 1, 28, 28] }], outputs: ["p"],
    initializers: [w("w1", [6, 1, 5, 5]), w("b1", [6]), w("w2", [16, 6, 5, 5]), w("b2", [16]), w("f1", [256, 10]), w("fb", [10])],
    nodes: [
      { op: "Conv", inputs: ["x", "w1", "b1"], outputs: ["c1"] }, { op: "Relu", inputs: ["c1"], outputs: ["r1"] },
      { op: "MaxPool", inputs: ["r1"], outputs: ["p1"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: "Conv", inputs: ["p1", "w2", "b2"], outputs: ["c2"] }, { op: "Relu", inputs: ["c2"], outputs: ["r2"] },
      { op: "MaxPool", inputs: ["r2"], outputs: ["p2"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: "Flatten", inputs: ["p2"], outputs: ["f"] }, { op: "MatMul", inputs: ["f", "f1"], outputs: ["m"] },
      { op: "Add", inputs: ["m", "fb"], outputs: ["l"] }, { op: "Softmax", inputs: ["l"], outputs: ["p"] },
    ],
  }, { batches: [1, 5], expectDynamic: true });
  assert.deepEqual(g.nodes.map((n) => n.op), ["Conv", "MaxPool", "Conv", "MaxPool", "Reshape", "Gemm", "Add", "Softmax"]);
  // conv1 + pool1 + conv2 + pool2 + fc + bias add + softmax
  assert.equal(countMacs(g).total, 6 * 24 * 24 * 25 + 6 * 12 * 12 * 4 + 16 * 8 * 8 * 150 + 16 * 4 * 4 * 4 + 256 * 10 + 10 + 10);
  assert.equal(countParams(g), 6 * 25 + 6 + 16 * 150 + 16 + 2560 + 10 + 10);
});

test("unsupported ops, attributes and dtypes give clear errors", () => {
  const expectUnsupported = (spec: ModelSpec, re: RegExp): void =>
    assert.throws(() => importOnnx(buildModel(spec)), (e: Error) => e instanceof UnsupportedError && re.test(e.message), String(re));
  expectUnsupported(single(13, ["N", 4], { op: "Erf", inputs: ["x"], name: "erf0" }), /node "erf0" \(Erf\): op Erf is not supported; supported: .*Conv/);
  expectUnsupported(single(13, ["N", 2, 4, 4, 4], { op: "MaxPool", inputs: ["x"], attrs: { kernel_shape: [2, 2, 2] } }), /MaxPool.*3-D.*supported: 1-D and 2-D/);
  expectUnsupported(single(13, ["N", 2, 4, 4, 4], { op: "Conv", inputs: ["x", "w"] }, [w("w", [2, 2, 1, 1, 1])]), /Conv.*3-D/);
  expectUnsupported(single(13, ["N", 2, 4, 4], { op: "Pad", inputs: ["x", "p"], attrs: { mode: "mirror" } }, [i64("p", [0, 0, 1, 1, 0, 0, 1, 1])]), /attribute mode="mirror".*constant, reflect, edge, wrap/);
  expectUnsupported(single(13, ["N", 2, 4, 4], { op: "Conv", inputs: ["x", "w"], attrs: { auto_pad: "FULL" } }, [w("w", [2, 2, 1, 1])]), /auto_pad="FULL"/);
  expectUnsupported({ ...single(13, ["N", 4], { op: "Relu", inputs: ["x"] }), inputs: [{ name: "x", shape: ["N", 4], dtype: "uint8" }] }, /element type UINT8; supported: float/);
  expectUnsupported({ opset: 13, inputs: [{ name: "x", shape: ["N", 2, 4, 4] }, { name: "k", shape: [2, 2, 1, 1] }], outputs: ["y"],
    nodes: [{ op: "Conv", inputs: ["x", "k"], outputs: ["y"], name: "dyn" }] }, /node "dyn" \(Conv\): W \(weights\) \(input 1\) must be a constant/);
  expectUnsupported(single(13, ["N", 3, 9, 9], { op: "AveragePool", inputs: ["x"], attrs: { kernel_shape: [2, 2], strides: [2, 2], ceil_mode: 1, count_include_pad: 1 } }), /ceil_mode=1 with count_include_pad=1/);
  assert.throws(() => importOnnx(new Uint8Array([1, 2, 3, 4, 5])), (e: Error) => e instanceof FormatError && /not an ONNX model/.test(e.message));
  expectUnsupported({ ...single(13, ["N", 4], { op: "Relu", inputs: ["x"] }), opset: 26 }, /opset 26 is not supported; supported: 7..25/);
});

test("export raises the opset only when an op needs it", async () => {
  const g = importOnnx(buildModel(single(14, ["N", 4], { op: "HardSwish", inputs: ["x"] })));
  const m = onnx.onnx.ModelProto.decode(exportOnnx(g));
  assert.equal(Number(m.opsetImport[0].version), 14);
  assert.equal(m.graph?.input?.[0]?.type?.tensorType?.shape?.dim?.[0]?.dimParam, "N");
});

test("the same CNN imports at every opset 7..25", async () => {
  for (let opset = 7; opset <= 25; opset++) {
    const g = await check({
      opset, inputs: [{ name: "x", shape: ["N", 2, 6, 6] }], outputs: ["y"],
      initializers: [w("w", [3, 2, 3, 3]), w("b", [3]), w("fc", [3 * 3 * 3, 4], opset % 2 === 0)],
      nodes: [
        { op: "Conv", inputs: ["x", "w", "b"], outputs: ["c"], attrs: { pads: [1, 1, 1, 1] } },
        { op: "Relu", inputs: ["c"], outputs: ["r"] },
        { op: "MaxPool", inputs: ["r"], outputs: ["p"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
        { op: "Flatten", inputs: ["p"], outputs: ["f"] },
        { op: "MatMul", inputs: ["f", "fc"], outputs: ["m"] },
        { op: "Softmax", inputs: ["m"], outputs: ["y"], attrs: { axis: 1 } },
      ],
    }, { batches: [2], expectDynamic: true });
    assert.deepEqual(g.nodes.map((n) => n.op), ["Conv", "MaxPool", "Reshape", "Gemm", "Softmax"], `opset ${opset}`);
  }
});

test("a transpose of the batch axis is not batch-dynamic", () => {
  const g = importOnnx(buildModel(single(13, ["N", 3], { op: "Transpose", inputs: ["x"], attrs: { perm: [1, 0] } })));
  assert.equal(g.batchDynamic, false);
});

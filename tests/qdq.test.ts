// QuantizeLinear / DequantizeLinear (docs/FORMAT.md §4.1 ops 30/31) and ONNX quantized models:
// the runtime op (SIMD and scalar) against a JS reference written here (round half to even,
// clamping, per axis) and onnxruntime-web; the straight-through backward in trainer.wasm; import
// of QDQ / QLinear / Integer models against onnxruntime-web; the int8 folding (tags, scales,
// inputQuant) and the exporter's round trip.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-web";
import { buildModel, rng, type ModelSpec } from "./helpers/onnx-builder.js";
import { importOnnx } from "../src/import/onnx.js";
import { exportOnnx } from "../src/export/onnx.js";
import { writeSlim } from "../src/format/writer.js";
import { GraphBuilder } from "../src/ir/build.js";
import type { Graph } from "../src/ir/graph.js";
import { Model } from "../src/runtime/index.js";
import { UnsupportedError } from "../src/runtime/errors.js";

ort.env.wasm.numThreads = 1;
const r = rng(7);
const numel = (s: number[]): number => s.reduce((a, b) => a * b, 1);

/** Round half to even, written differently from the importer's (floor and fraction). */
function rhe(v: number): number {
  const f = Math.floor(v), d = v - f;
  return d < 0.5 ? f : d > 0.5 ? f + 1 : f % 2 === 0 ? f : f + 1;
}
/** Channel of flat index k for per-axis parameters along `axis` of `shape` (0 when per tensor). */
const chan = (shape: number[], axis: number, n: number, k: number): number => (n === 1 ? 0 : Math.floor(k / numel(shape.slice(axis + 1))) % n);
function refQ(x: Float32Array, shape: number[], axis: number, s: number[], z: number[], lo: number, hi: number): number[] {
  return Array.from(x, (v, k) => { const c = chan(shape, axis, s.length, k); return Math.min(hi, Math.max(lo, rhe(Math.fround(v / Math.fround(s[c]))) + z[c])); });
}
function refDQ(x: ArrayLike<number>, shape: number[], axis: number, s: number[], z: number[]): number[] {
  return Array.from(x, (v, k) => { const c = chan(shape, axis, s.length, k); return Math.fround((v - z[c]) * Math.fround(s[c])); });
}

interface QCase { shape: number[]; axis: number; s: number[]; z: number[]; lo: number; hi: number }
const CASES: QCase[] = [
  { shape: [1, 23], axis: 0, s: [0.5], z: [0], lo: 0, hi: 255 }, // u8, ties at x/s = k + 0.5, tail of 3
  { shape: [3, 11], axis: 0, s: [0.25], z: [-3], lo: -128, hi: 127 }, // s8 per tensor
  { shape: [2, 3, 5], axis: 1, s: [0.5, 0.125, 2], z: [128, 0, 7], lo: 0, hi: 255 }, // per axis 1
  { shape: [4, 6], axis: 1, s: [1, 0.5, 0.25, 4, 0.75, 3], z: [0, -1, 2, -128, 127, 5], lo: -128, hi: 127 }, // last axis
];
/** Inputs: exact ties (m + ½)·s, big values that clamp, and random ones. */
function inputs(c: QCase): Float32Array {
  return Float32Array.from({ length: numel(c.shape) }, (_, k) => {
    const s = c.s[chan(c.shape, c.axis, c.s.length, k)];
    if (k % 3 === 0) return (Math.floor(r() * 8) - 4 + 0.5) * s;
    if (k % 7 === 1) return (k % 2 ? 1 : -1) * 400 * s;
    return r() * 60 * s;
  });
}
function qGraph(op: "QuantizeLinear" | "DequantizeLinear", c: QCase): Graph {
  const b = new GraphBuilder();
  const x = b.input("x", c.shape), n = c.s.length;
  const y = b.node(op, [x, b.constant("s", [n], Float32Array.from(c.s)), b.constant("z", [n], Float32Array.from(c.z))],
    op === "QuantizeLinear" ? { axis: c.axis, qmin: c.lo, qmax: c.hi } : { axis: c.axis }, { name: op, out: "y" });
  return b.build(op, [y], false);
}

test("QuantizeLinear: runtime (SIMD and scalar) and onnxruntime-web (exported) equal the JS reference: ties to even, clamping, per axis", async () => {
  let ties = 0;
  for (const c of CASES) {
    const x = inputs(c), want = refQ(x, c.shape, c.axis, c.s, c.z, c.lo, c.hi), g = qGraph("QuantizeLinear", c);
    x.forEach((v, k) => { const q = v / c.s[chan(c.shape, c.axis, c.s.length, k)]; if (q - Math.floor(q) === 0.5) ties++; });
    assert.ok(want.includes(c.lo) && want.includes(c.hi), "the case clamps at both ends");
    for (const simd of [true, false]) {
      const m = await Model.load(writeSlim(g), { simd });
      assert.deepEqual(Array.from(m.run({ x: { data: x, shape: c.shape } }).y.data), want, `${JSON.stringify(c)} simd=${simd}`);
    }
    const s = await ort.InferenceSession.create(exportOnnx(g));
    const got = (await s.run({ x: new ort.Tensor("float32", x, c.shape) })).y.data;
    assert.deepEqual(Array.from(got as ArrayLike<number>, Number), want, `ORT ${JSON.stringify(c)}`);
  }
  assert.ok(ties > 20, `${ties} exact ties tested`);
});

test("DequantizeLinear: runtime (SIMD and scalar) and onnxruntime-web equal (x − z)·s per tensor and per axis", async () => {
  for (const c of CASES) {
    const x = Float32Array.from(ints(numel(c.shape), c.lo, c.hi));
    const want = refDQ(x, c.shape, c.axis, c.s, c.z), g = qGraph("DequantizeLinear", c);
    for (const simd of [true, false]) {
      const m = await Model.load(writeSlim(g), { simd });
      assert.deepEqual(Array.from(m.run({ x: { data: x, shape: c.shape } }).y.data), want, `${JSON.stringify(c)} simd=${simd}`);
    }
    const s = await ort.InferenceSession.create(exportOnnx(g));
    const xi = c.lo < 0 ? Int8Array.from(x) : Uint8Array.from(x);
    const got = (await s.run({ x: new ort.Tensor(c.lo < 0 ? "int8" : "uint8", xi, c.shape) })).y.data as Float32Array;
    assert.deepEqual(Array.from(got), want, `ORT ${JSON.stringify(c)}`);
  }
});

test("the shape rule refuses per-axis parameters of the wrong length and qmin > qmax", () => {
  const b = new GraphBuilder(), x = b.input("x", [2, 3]);
  assert.throws(() => b.node("QuantizeLinear", [x, b.constant("s", [2], new Float32Array([1, 1])), b.constant("z", [1], new Float32Array(1))], { axis: 1, qmin: 0, qmax: 255 }),
    /QuantizeLinear: expected scale of 1 element or dims\[axis=1\] of X \[2,3\], got \[2\]/);
  assert.throws(() => b.node("QuantizeLinear", [x, b.constant("s2", [1], new Float32Array([1])), b.constant("z2", [1], new Float32Array(1))], { axis: 0, qmin: 5, qmax: 4 }),
    /qmin ≤ qmax/);
});

/** trainer.wasm with one graph loaded for training; f(id, grad) views a tensor or its gradient. */
function trainer(g: Graph) {
  const slim = writeSlim(g, { training: true });
  const w = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(new URL("../dist/trainer.wasm", import.meta.url))), {}).exports as Record<string, (...a: number[]) => number> & { memory: WebAssembly.Memory };
  const at = w.reserve(slim.length);
  new Uint8Array(w.memory.buffer, at, slim.length).set(slim);
  for (const rc of [w.load(slim.length, 1 << 26, 1 << 30), w.plan(1), w.trainPlan()]) assert.equal(rc, 0);
  w.setInputGrads(1);
  const ids = [...g.tensors.keys()];
  const f = (name: string, grad: boolean) => new Float32Array(w.memory.buffer, grad ? w.gradData(ids.indexOf(name)) : w.tensorData(ids.indexOf(name)), numel(g.tensors.get(name)!.shape));
  return { w, f };
}

test("backward (straight through): Q passes dY/scale where qmin ≤ x/scale + z ≤ qmax, else 0; DQ passes dY·scale", () => {
  for (const c of CASES) {
    for (const op of ["QuantizeLinear", "DequantizeLinear"] as const) {
      const g = qGraph(op, c), { w, f } = trainer(g), x = inputs(c);
      f("x", false).set(x);
      assert.equal(w.run(), 0);
      const dy = Float32Array.from(x, (_, i) => (i % 5) - 1.5);
      f("y", true).set(dy);
      assert.equal(w.backward(), 0);
      const want = Array.from(x, (v, k) => {
        const i = chan(c.shape, c.axis, c.s.length, k), s = Math.fround(c.s[i]);
        if (op === "DequantizeLinear") return Math.fround(dy[k] * s);
        const u = Math.fround(Math.fround(v / s) + c.z[i]);
        return u >= c.lo && u <= c.hi ? Math.fround(dy[k] / s) : 0;
      });
      assert.deepEqual(Array.from(f("x", true)), want, `${op} ${JSON.stringify(c)}`);
      if (op === "QuantizeLinear") assert.ok(want.some((v) => v === 0) && want.some((v) => v !== 0));
    }
  }
});

// ---- ONNX models ------------------------------------------------------------------------------
const ints = (n: number, lo: number, hi: number): number[] => Array.from({ length: n }, () => lo + Math.floor(Math.abs(r() * 1e6)) % (hi - lo + 1));
const floats = (n: number, scale = 1): number[] => Array.from({ length: n }, () => r() * scale);

/**
 * A QDQ MLP the way onnxruntime's quantizer writes it: X → Q(u8) → DQ → Gemm(W = DQ(int8, per
 * row)) → Relu → Q → DQ → MatMul(B = DQ(int8 [K,N], per column)) → Q(s8) → DQ → Y.
 */
const qdqMlp = (): ModelSpec => structuredClone(MLP);
const MLP = ((): ModelSpec => {
  const sw1 = floats(6).map((v) => 0.01 + Math.abs(v) * 0.01), sw2 = floats(5).map((v) => 0.02 + Math.abs(v) * 0.01);
  return {
    opset: 13, inputs: [{ name: "x", shape: ["N", 8] }], outputs: ["y"],
    initializers: [
      { name: "sx", dims: [], data: [0.02] }, { name: "zx", dims: [], data: [117], dtype: "uint8" },
      { name: "w1q", dims: [6, 8], data: ints(48, -127, 127), dtype: "int8" }, { name: "sw1", dims: [6], data: sw1 }, { name: "zw1", dims: [6], data: new Array(6).fill(0), dtype: "int8" },
      { name: "b1", dims: [6], data: floats(6, 0.1) },
      { name: "sh", dims: [], data: [0.015] }, { name: "zh", dims: [], data: [0], dtype: "uint8" },
      { name: "w2q", dims: [6, 5], data: ints(30, -127, 127), dtype: "int8" }, { name: "sw2", dims: [5], data: sw2 }, { name: "zw2", dims: [5], data: new Array(5).fill(0), dtype: "int8" },
      { name: "sy", dims: [], data: [0.05] }, { name: "zy", dims: [], data: [-4], dtype: "int8" },
    ],
    nodes: [
      { op: "QuantizeLinear", inputs: ["x", "sx", "zx"], outputs: ["xq"] },
      { op: "DequantizeLinear", inputs: ["xq", "sx", "zx"], outputs: ["xd"] },
      { op: "DequantizeLinear", inputs: ["w1q", "sw1", "zw1"], outputs: ["w1"], attrs: { axis: 0 } },
      { op: "Gemm", inputs: ["xd", "w1", "b1"], outputs: ["h0"], attrs: { transB: 1 } },
      { op: "Relu", inputs: ["h0"], outputs: ["h"] },
      { op: "QuantizeLinear", inputs: ["h", "sh", "zh"], outputs: ["hq"] },
      { op: "DequantizeLinear", inputs: ["hq", "sh", "zh"], outputs: ["hd"] },
      { op: "DequantizeLinear", inputs: ["w2q", "sw2", "zw2"], outputs: ["w2"], attrs: { axis: 1 } },
      { op: "MatMul", inputs: ["hd", "w2"], outputs: ["m"] },
      { op: "QuantizeLinear", inputs: ["m", "sy", "zy"], outputs: ["yq"] },
      { op: "DequantizeLinear", inputs: ["yq", "sy", "zy"], outputs: ["y"] },
    ],
  };
})();

async function ortRun(bytes: Uint8Array, feeds: Record<string, ort.Tensor>): Promise<Record<string, Float32Array>> {
  const s = await ort.InferenceSession.create(bytes), out = await s.run(feeds);
  return Object.fromEntries(s.outputNames.map((n) => [n, Float32Array.from(out[n].data as ArrayLike<number>, Number)]));
}
const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => { let m = 0; for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i])); return m; };

test("QDQ MLP: imported (f32) runs like onnxruntime-web; output steps of sy differ only where a requantization tie flips", async () => {
  const bytes = buildModel(qdqMlp()), g = importOnnx(bytes, { int8: false });
  assert.ok(g.batchDynamic);
  const x = Float32Array.from(floats(4 * 8, 4)), want = (await ortRun(bytes, { x: new ort.Tensor("float32", x, [4, 8]) })).y;
  const got = (await Model.load(writeSlim(g))).run({ x: { data: x, shape: [4, 8] } }).y.data;
  const d = maxDiff(got, want), flips = Array.from(got).filter((v, i) => v !== want[i]).length;
  console.log(`  QDQ MLP f32 import vs ORT: max |diff| ${d} (${flips}/${got.length} outputs one step of 0.05 apart)`);
  assert.ok(d <= 0.05 + 1e-6 && flips <= 2, `max diff ${d}, ${flips} differing`);
});

test("int8 folding: DQ'd int8 weights become int8 tensors with per-row scales; Q→DQ pairs become inputQuant (s8 shifted to u8)", () => {
  const g = importOnnx(buildModel(qdqMlp()), { int8: true });
  assert.deepEqual(g.nodes.map((n) => n.op), ["Gemm", "Gemm", "QuantizeLinear", "DequantizeLinear"]);
  const [l1, l2] = g.nodes, w1 = g.tensors.get(l1.inputs[1])!, w2 = g.tensors.get(l2.inputs[1])!;
  assert.equal(l1.inputs[0], "x");
  assert.equal(l1.attrs.act, 1, "Relu fused");
  const spec = qdqMlp(), init = (n: string) => spec.initializers!.find((t) => t.name === n)!.data as number[];
  for (const [w, q, s, t] of [[w1, init("w1q"), init("sw1"), false], [w2, init("w2q"), init("sw2"), true]] as const) {
    assert.equal(w.encoding, "int8");
    assert.deepEqual(Array.from(w.scales!), s.map(Math.fround));
    const [rows, cols] = w.shape;
    for (let i = 0; i < rows * cols; i++) {
      const rr = Math.floor(i / cols), cc = i % cols, qv = t ? q[cc * rows + rr] : q[i]; // MatMul's B is [K,N]: W = Bᵀ
      assert.equal(w.data![i], Math.fround(qv * Math.fround(s[rr])));
    }
  }
  assert.deepEqual(w1.inputQuant, { scale: Math.fround(0.02), zeroPoint: 117 });
  assert.deepEqual(w2.inputQuant, { scale: Math.fround(0.015), zeroPoint: 0 });
  // An int8 activation pair: zero point −4 in −128..127 is 124 in 0..255.
  const s8 = qdqMlp();
  s8.initializers!.find((t) => t.name === "zh")!.data = [-4];
  s8.initializers!.find((t) => t.name === "zh")!.dtype = "int8";
  const g8 = importOnnx(buildModel(s8), { int8: true });
  assert.deepEqual(g8.tensors.get(g8.nodes[1].inputs[1])!.inputQuant, { scale: Math.fround(0.015), zeroPoint: 124 });
  // With int8: false the same graph stays f32.
  const f = importOnnx(buildModel(qdqMlp()), { int8: false });
  assert.ok([...f.tensors.values()].every((t) => t.encoding !== "int8" && !t.inputQuant));
});

test("int8 folding keeps the f32 form where it would not be exact: zero point ≠ 0, −128, or a pair with a second consumer", () => {
  const zp = qdqMlp();
  zp.initializers!.find((t) => t.name === "zw1")!.data = [0, 0, 1, 0, 0, 0];
  const wz = importOnnx(buildModel(zp), { int8: true });
  assert.equal(wz.tensors.get(wz.nodes.find((n) => n.op === "Gemm")!.inputs[1])!.encoding, "f32");
  const m128 = qdqMlp();
  (m128.initializers!.find((t) => t.name === "w1q")!.data as number[])[3] = -128;
  const g128 = importOnnx(buildModel(m128), { int8: true });
  assert.equal(g128.tensors.get(g128.nodes.find((n) => n.op === "Gemm")!.inputs[1])!.encoding, "f32");
  const two = qdqMlp();
  two.outputs = ["y", "xd"];
  const g2 = importOnnx(buildModel(two), { int8: true }), first = g2.nodes.find((n) => n.op === "Gemm")!;
  assert.equal(g2.tensors.get(first.inputs[1])!.encoding, "f32", "the pair's output is also a graph output");
});

test("export → import round trip of the folded graph: same int8 tags, scales, inputQuant and values; ORT runs the exported QDQ model like the original", async () => {
  const bytes = buildModel(qdqMlp()), g = importOnnx(bytes, { int8: true });
  const exported = exportOnnx(g), back = importOnnx(exported, { int8: true });
  assert.deepEqual(back.nodes.map((n) => n.op), g.nodes.map((n) => n.op));
  for (const [a, b] of g.nodes.map((n, k) => [n, back.nodes[k]])) {
    for (let i = 1; i < a.inputs.length; i++) {
      const ta = g.tensors.get(a.inputs[i])!, tb = back.tensors.get(b.inputs[i])!;
      assert.equal(tb.encoding, ta.encoding);
      assert.deepEqual(tb.scales && Array.from(tb.scales), ta.scales && Array.from(ta.scales));
      assert.deepEqual(tb.inputQuant, ta.inputQuant);
      assert.deepEqual(Array.from(tb.data!), Array.from(ta.data!));
    }
  }
  const x = Float32Array.from(floats(3 * 8, 4)), feeds = { x: new ort.Tensor("float32", x, [3, 8]) };
  const want = (await ortRun(bytes, feeds)).y, got = (await ortRun(exported, feeds)).y;
  assert.deepEqual(Array.from(got), Array.from(want));
});

/** Integer outputs: ours (f32 integers) vs ORT's; requantized outputs may be one step off where f32 rounding flips a tie. */
async function intCheck(spec: ModelSpec, feeds: Record<string, { type: "uint8" | "int8" | "float32"; data: number[]; shape: number[] }>, tol: number, note: string): Promise<void> {
  const bytes = buildModel(spec), g = importOnnx(bytes);
  const want = await ortRun(bytes, Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor(v.type, v.type === "uint8" ? Uint8Array.from(v.data) : v.type === "int8" ? Int8Array.from(v.data) : Float32Array.from(v.data), v.shape)])));
  const m = await Model.load(writeSlim(g));
  const got = m.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, { data: Float32Array.from(v.data), shape: v.shape }])));
  for (const [k, w] of Object.entries(want)) {
    const d = maxDiff(got[k].data, w);
    console.log(`  ${note}: max |diff| vs ORT ${d} over ${w.length} integers`);
    assert.ok(d <= tol, `${note} ${k}: max diff ${d}`);
  }
}

test("QLinearConv (constant int8 W per channel, int32 bias), QLinearMatMul (constant B), MatMulInteger and ConvInteger vs onnxruntime-web", async () => {
  const x = { type: "uint8" as const, data: ints(2 * 3 * 6 * 6, 0, 255), shape: [2, 3, 6, 6] };
  await intCheck({
    opset: 13, inputs: [{ name: "x", shape: [2, 3, 6, 6], dtype: "uint8" }], outputs: [{ name: "y", dtype: "uint8" }],
    initializers: [
      { name: "sx", dims: [], data: [0.03] }, { name: "zx", dims: [], data: [100], dtype: "uint8" },
      { name: "w", dims: [4, 3, 3, 3], data: ints(108, -127, 127), dtype: "int8" }, { name: "sw", dims: [4], data: [0.01, 0.02, 0.005, 0.013] },
      { name: "zw", dims: [4], data: [0, 0, 0, 0], dtype: "int8" }, { name: "sy", dims: [], data: [0.4] }, { name: "zy", dims: [], data: [128], dtype: "uint8" },
      { name: "b", dims: [4], data: [100, -2000, 35, 7], dtype: "int32" },
    ],
    nodes: [{ op: "QLinearConv", inputs: ["x", "sx", "zx", "w", "sw", "zw", "sy", "zy", "b"], outputs: ["y"], attrs: { pads: [1, 1, 1, 1], strides: [1, 2] } }],
  }, { x }, 1, "QLinearConv (requantized)");
  await intCheck({
    opset: 10, inputs: [{ name: "a", shape: [5, 7], dtype: "int8" }], outputs: [{ name: "y", dtype: "int8" }],
    initializers: [
      { name: "sa", dims: [], data: [0.05] }, { name: "za", dims: [], data: [3], dtype: "int8" },
      { name: "b", dims: [7, 4], data: ints(28, -128, 127), dtype: "int8" }, { name: "sb", dims: [], data: [0.02] }, { name: "zb", dims: [], data: [-1], dtype: "int8" },
      { name: "sy", dims: [], data: [0.3] }, { name: "zy", dims: [], data: [-10], dtype: "int8" },
    ],
    nodes: [{ op: "QLinearMatMul", inputs: ["a", "sa", "za", "b", "sb", "zb", "sy", "zy"], outputs: ["y"] }],
  }, { a: { type: "int8", data: ints(35, -128, 127), shape: [5, 7] } }, 1, "QLinearMatMul (requantized)");
  await intCheck({
    opset: 10, inputs: [{ name: "a", shape: [3, 6], dtype: "uint8" }, { name: "b", shape: [6, 4], dtype: "uint8" }], outputs: [{ name: "y", dtype: "int32" }],
    initializers: [{ name: "za", dims: [], data: [12], dtype: "uint8" }, { name: "zb", dims: [4], data: [1, 2, 3, 200], dtype: "uint8" }],
    nodes: [{ op: "MatMulInteger", inputs: ["a", "b", "za", "zb"], outputs: ["y"] }],
  }, { a: { type: "uint8", data: ints(18, 0, 255), shape: [3, 6] }, b: { type: "uint8", data: ints(24, 0, 255), shape: [6, 4] } }, 0, "MatMulInteger (exact)");
  await intCheck({
    opset: 10, inputs: [{ name: "x", shape: [1, 2, 5, 5], dtype: "uint8" }], outputs: [{ name: "y", dtype: "int32" }],
    initializers: [{ name: "w", dims: [3, 2, 2, 2], data: ints(24, 0, 255), dtype: "uint8" }, { name: "zx", dims: [], data: [9], dtype: "uint8" }],
    nodes: [{ op: "ConvInteger", inputs: ["x", "w", "zx"], outputs: ["y"], attrs: { pads: [1, 0, 1, 0] } }],
  }, { x: { type: "uint8", data: ints(50, 0, 255), shape: [1, 2, 5, 5] } }, 0, "ConvInteger (exact)");
});

test("unsupported quantization variants say what they are", () => {
  const q = (init: ModelSpec["initializers"], attrs = {}) => () => importOnnx(buildModel({
    opset: 21, inputs: [{ name: "x", shape: [2, 4] }], outputs: [{ name: "y", dtype: "uint8" }], initializers: init,
    nodes: [{ op: "QuantizeLinear", inputs: ["x", "s", "z"], outputs: ["y"], attrs }],
  }));
  assert.throws(q([{ name: "s", dims: [2, 2], data: [1, 1, 1, 1] }, { name: "z", dims: [2, 2], data: [0, 0, 0, 0], dtype: "uint8" }], { axis: 1, block_size: 2 }),
    (e: unknown) => e instanceof UnsupportedError && /block_size=2/.test(e.message));
  assert.throws(q([{ name: "s", dims: [], data: [1] }, { name: "z", dims: [], data: [0], dtype: "int32" }]),
    (e: unknown) => e instanceof UnsupportedError && /INT32/.test(e.message));
  assert.throws(q([{ name: "s", dims: [], data: [1], dtype: "double" }, { name: "z", dims: [], data: [0], dtype: "uint8" }]),
    (e: unknown) => e instanceof UnsupportedError && /scale \(input 1\) has element type DOUBLE/.test(e.message));
  // An int8 graph input read by a float op is still refused (its integer semantics are not ours).
  assert.throws(() => importOnnx(buildModel({
    opset: 13, inputs: [{ name: "x", shape: [4], dtype: "int8" }], outputs: ["y"], nodes: [{ op: "Relu", inputs: ["x"], outputs: ["y"] }],
  })), (e: unknown) => e instanceof UnsupportedError && /element type INT8/.test(e.message));
});

test("folded int8 graph (qs8 Gemm with inputQuant) in the runtime vs onnxruntime-web on the same QDQ model, SIMD and scalar", async () => {
  const bytes = buildModel(qdqMlp()), g = importOnnx(bytes, { int8: true });
  assert.equal(g.nodes.filter((n) => g.tensors.get(n.inputs[1])?.encoding === "int8").length, 2);
  const x = Float32Array.from(floats(16 * 8, 4)), want = (await ortRun(bytes, { x: new ort.Tensor("float32", x, [16, 8]) })).y;
  const slim = writeSlim(g);
  for (const simd of [true, false]) {
    const got = (await Model.load(slim, { simd })).run({ x: { data: x, shape: [16, 8] } }).y.data;
    const d = maxDiff(got, want), flips = Array.from(got).filter((v, i) => v !== want[i]).length;
    console.log(`  folded int8 (simd=${simd}) vs ORT: max |diff| ${d}, ${flips}/${got.length} outputs one step (0.05) apart`);
    assert.ok(d <= 0.05 + 1e-6 && flips <= 4, `max diff ${d}, ${flips} differing`);
  }
  const f32 = writeSlim(importOnnx(bytes, { int8: false }));
  console.log(`  file size: int8 ${slim.length} B, f32 ${f32.length} B`);
  assert.ok(slim.length < f32.length);
});

test("folded QLinearConv (constant W, int32 bias, u8 pair in front) runs int8 in the runtime like onnxruntime-web", async () => {
  const spec: ModelSpec = {
    opset: 13, inputs: [{ name: "x", shape: [2, 3, 6, 6] }], outputs: ["y"],
    initializers: [
      { name: "sx", dims: [], data: [0.03] }, { name: "zx", dims: [], data: [100], dtype: "uint8" },
      { name: "w", dims: [4, 3, 3, 3], data: ints(108, -127, 127), dtype: "int8" }, { name: "sw", dims: [4], data: [0.01, 0.02, 0.005, 0.013] },
      { name: "zw", dims: [4], data: [0, 0, 0, 0], dtype: "int8" }, { name: "sy", dims: [], data: [0.05] }, { name: "zy", dims: [], data: [128], dtype: "uint8" },
      { name: "b", dims: [4], data: [100, -2000, 35, 7], dtype: "int32" },
    ],
    nodes: [
      { op: "QuantizeLinear", inputs: ["x", "sx", "zx"], outputs: ["xq"] },
      { op: "DequantizeLinear", inputs: ["xq", "sx", "zx"], outputs: ["xd"] },
      { op: "QuantizeLinear", inputs: ["xd", "sx", "zx"], outputs: ["xq2"] },
      { op: "QLinearConv", inputs: ["xq2", "sx", "zx", "w", "sw", "zw", "sy", "zy", "b"], outputs: ["yq"], attrs: { pads: [1, 1, 1, 1] } },
      { op: "DequantizeLinear", inputs: ["yq", "sy", "zy"], outputs: ["y"] },
    ],
  };
  const bytes = buildModel(spec), g = importOnnx(bytes, { int8: true });
  const conv = g.nodes.find((n) => n.op === "Conv")!;
  assert.equal(g.tensors.get(conv.inputs[1])!.encoding, "int8");
  assert.deepEqual(g.tensors.get(conv.inputs[1])!.inputQuant, { scale: Math.fround(0.03), zeroPoint: 100 });
  const x = Float32Array.from(floats(2 * 3 * 36, 4)), want = (await ortRun(bytes, { x: new ort.Tensor("float32", x, [2, 3, 6, 6]) })).y;
  const got = (await Model.load(writeSlim(g))).run({ x: { data: x, shape: [2, 3, 6, 6] } }).y.data;
  const d = maxDiff(got, want), flips = Array.from(got).filter((v, i) => v !== want[i]).length;
  console.log(`  folded QLinearConv int8 vs ORT: max |diff| ${d}, ${flips}/${got.length} outputs one step (0.05) apart`);
  assert.ok(d <= 0.05 + 1e-6 && flips <= 3, `max diff ${d}, ${flips} differing`);
});

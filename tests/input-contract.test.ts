// The input contract of model.run (docs/API.md "Input contract"): names, shapes, lengths and
// types are checked and every violation is an InputError saying exactly what is wrong; NaN and
// ±Infinity are data, never rejected, and flow through as pinned here (both backends).
import assert from "node:assert/strict";
import { runInNewContext } from "node:vm";
import { test } from "node:test";
import { writeSlim } from "../src/format/writer.js";
import { importOnnx } from "../src/import/onnx.js";
import { InputError, Model } from "../src/runtime/index.js";
import { buildModel, type ModelSpec, type NodeSpec, type TensorSpec } from "./helpers/onnx-builder.js";

const BACKENDS = ["simd", "scalar"] as const;
const load = (spec: ModelSpec, backend: (typeof BACKENDS)[number] = "simd") =>
  Model.load(writeSlim(importOnnx(buildModel(spec))), { backend } as Parameters<typeof Model.load>[1]);
const one = (x: (number | string)[], nodes: NodeSpec[], initializers: (TensorSpec & { name: string })[] = []): ModelSpec =>
  ({ opset: 13, inputs: [{ name: "x", shape: x }], outputs: ["y"], nodes, initializers });

/** y = Relu(a + b), a and b [N,4]: two batch-dynamic inputs. */
const twoInputs: ModelSpec = {
  opset: 13, inputs: [{ name: "a", shape: ["N", 4] }, { name: "b", shape: ["N", 4] }], outputs: ["y"],
  nodes: [{ op: "Add", inputs: ["a", "b"], outputs: ["s"] }, { op: "Relu", inputs: ["s"], outputs: ["y"] }],
};
/** A fixed-shape model: x [2,3] → Relu. */
const fixed = one([2, 3], [{ op: "Relu", inputs: ["x"], outputs: ["y"] }]);

function rejects(f: () => unknown, re: RegExp): void {
  assert.throws(f, (e: Error) => {
    assert.ok(e instanceof InputError, `expected InputError, got ${e.name}: ${e.message}`);
    assert.match(e.message, re);
    return true;
  });
}

test("names: unknown and missing inputs, feeds that are not an object", async () => {
  const m = await load(twoInputs), x = new Float32Array(4);
  rejects(() => m.run({ a: x, b: x, c: x }), /^unknown input "c"; the model's inputs are "a" \[-1,4\], "b" \[-1,4\]$/);
  rejects(() => m.run({ a: x }), /^missing input "b" \(shape \[-1,4\]\); the model's inputs are "a" \[-1,4\], "b" \[-1,4\]$/);
  rejects(() => m.run({}), /^missing input "a"/);
  for (const bad of [null, undefined, 3, "a"]) rejects(() => m.run(bad as never), /^run\(\) takes an object of feeds by input name \("a" \[-1,4\], "b" \[-1,4\]\)$/);
  rejects(() => m.run({ a: x, b: undefined } as never), /^missing input "b"/);
});

test("types: only Float32Array data (not Float64Array, number[], null, Uint8Array, strings)", async () => {
  const m = await load(twoInputs), x = new Float32Array(4);
  const cases: [unknown, RegExp][] = [
    [new Float64Array(4), /input "b": expected a Float32Array or \{ data: Float32Array, shape \}, got (a )?Float64Array/],
    [[1, 2, 3, 4], /input "b": expected a Float32Array .*, got .*(array|Array)/],
    [null, /input "b": expected a Float32Array .*, got null/],
    [new Uint8Array(4), /got (a )?Uint8Array/],
    ["1,2,3,4", /got .*string/],
    [{ data: new Float64Array(4), shape: [1, 4] }, /input "b": expected a Float32Array or \{ data: Float32Array, shape \}, got data of type (a )?Float64Array/],
    [{ data: [1, 2, 3, 4], shape: [1, 4] }, /got data of type/],
    [{ shape: [1, 4] }, /got an object without data$/],
  ];
  for (const [feed, re] of cases) rejects(() => m.run({ a: x, b: feed } as never), re);
  // A Float32Array of another realm (a vm context, an iframe) is data like any other.
  const foreign = runInNewContext("Float32Array.from([1, -2, 3, -4])") as Float32Array;
  assert.equal(foreign instanceof Float32Array, false);
  assert.deepEqual(m.run({ a: foreign, b: { data: foreign, shape: [1, 4] } }), m.run({ a: Float32Array.from([1, -2, 3, -4]), b: Float32Array.from([1, -2, 3, -4]) }));
});

test("lengths and shapes: wrong length, wrong shape, batch mismatch between inputs", async () => {
  const m = await load(twoInputs), f = await load(fixed);
  rejects(() => m.run({ a: new Float32Array(6), b: new Float32Array(8) }), /^input "a": expected a multiple of 4 values \(N samples of shape \[4\]\), got 6$/);
  rejects(() => m.run({ a: new Float32Array(0), b: new Float32Array(0) }), /^input "a": expected a multiple of 4 values .*got 0$/);
  rejects(() => m.run({ a: new Float32Array(8), b: new Float32Array(12) }), /^input "b" has batch 3 but input "a" has batch 2$/);
  rejects(() => m.run({ a: { data: new Float32Array(8), shape: [2, 4] }, b: { data: new Float32Array(4), shape: [1, 4] } }), /^input "b" has batch 1 but input "a" has batch 2$/);
  rejects(() => m.run({ a: { data: new Float32Array(8), shape: [4, 2] }, b: new Float32Array(8) }), /^input "a": shape \[4,2\] does not match the model's \[-1,4\]$/);
  rejects(() => m.run({ a: { data: new Float32Array(8), shape: [2, 4, 1] }, b: new Float32Array(8) }), /shape \[2,4,1\] does not match/);
  rejects(() => m.run({ a: { data: new Float32Array(8), shape: [0, 4] }, b: new Float32Array(8) }), /shape \[0,4\] does not match/);
  rejects(() => m.run({ a: { data: new Float32Array(8), shape: [1.5, 4] }, b: new Float32Array(8) }), /shape \[1\.5,4\] does not match/);
  rejects(() => m.run({ a: { data: new Float32Array(4), shape: [2, 4] }, b: new Float32Array(8) }), /^input "a": shape \[2,4\] needs 8 values, got 4$/);
  rejects(() => f.run({ x: new Float32Array(12) }), /^input "x": expected 6 values \(shape \[2,3\]\), got 12$/);
  rejects(() => f.run({ x: { data: new Float32Array(6), shape: [3, 2] } }), /^input "x": shape \[3,2\] does not match the model's \[2,3\]$/);
  // the same model still runs after every rejection, and the batch follows the data
  const y = m.run({ a: Float32Array.from([1, -2, 3, -4, 5, 6, 7, 8]), b: Float32Array.from([1, 1, 1, 1, 1, 1, 1, 1]) }).y;
  assert.deepEqual(y.shape, [2, 4]);
  assert.deepEqual([...y.data], [2, 0, 4, 0, 6, 7, 8, 9]);
});

// NaN and ±Infinity: never rejected, computed as the kernels compute them. The oracle is
// IEEE-754 arithmetic in f64 plus the exceptions docs/API.md lists (pinned here so a change
// of behaviour has to change the documentation too).
const W = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0];
const gemm = (relu: boolean): ModelSpec => one(["N", 4], [
  { op: "Gemm", inputs: ["x", "w", "b"], outputs: [relu ? "h" : "y"], attrs: { transB: 1 } },
  ...(relu ? [{ op: "Relu", inputs: ["h"], outputs: ["y"] }] : []),
], [{ name: "w", dims: [3, 4], data: W }, { name: "b", dims: [3], data: [0, 0, 0] }]);
const gemmRef = (x: number[], relu: boolean): number[] => {
  const out: number[] = [];
  for (let s = 0; s < x.length / 4; s++) for (let n = 0; n < 3; n++) {
    let v = 0;
    for (let k = 0; k < 4; k++) v += x[4 * s + k] * W[4 * n + k];
    out.push(relu ? (v > 0 ? v : 0) : v); // fused Relu: NaN → 0 (see docs/API.md)
  }
  return out;
};

test("NaN and ±Infinity are data: they propagate as documented in docs/API.md, on both backends", async () => {
  const same = (got: ArrayLike<number>, want: number[], what: string) =>
    assert.deepEqual(Array.from(got).map((v) => Object.is(v, -0) ? 0 : v), want, what);
  for (const backend of BACKENDS) {
    const x = [NaN, 1, Infinity, 2, 1, -Infinity, 3, 4];
    same((await load(gemm(false), backend)).run({ x: Float32Array.from(x) }).y.data, gemmRef(x, false), `${backend} Gemm`);
    same((await load(gemm(true), backend)).run({ x: Float32Array.from(x) }).y.data, gemmRef(x, true), `${backend} Gemm + fused Relu`);
    const unary = async (op: NodeSpec, xs: number[], want: number[], shape: (number | string)[] = ["N", 4], inits: (TensorSpec & { name: string })[] = []) =>
      same((await load(one(shape, [op], inits), backend)).run({ x: Float32Array.from(xs) }).y.data, want, `${backend} ${op.op}`);
    await unary({ op: "Relu", inputs: ["x"], outputs: ["y"] }, [NaN, Infinity, -Infinity, -1], [NaN, Infinity, 0, 0]);
    await unary({ op: "Sigmoid", inputs: ["x"], outputs: ["y"] }, [NaN, Infinity, -Infinity, 0], [NaN, 1, 0, 0.5]);
    await unary({ op: "Clip", inputs: ["x", "lo", "hi"], outputs: ["y"] }, [NaN, Infinity, -Infinity, 3], [NaN, 6, 0, 3], ["N", 4],
      [{ name: "lo", dims: [], data: [0] }, { name: "hi", dims: [], data: [6] }]);
    await unary({ op: "Softmax", inputs: ["x"], outputs: ["y"] }, [NaN, 1, 2, 3], [NaN, NaN, NaN, NaN]);
    await unary({ op: "Softmax", inputs: ["x"], outputs: ["y"] }, [Infinity, 1, 2, 3], [NaN, NaN, NaN, NaN]);
    await unary({ op: "MaxPool", inputs: ["x"], outputs: ["y"], attrs: { kernel_shape: [2, 2] } }, [1, NaN, 2, 3], [3], ["N", 1, 2, 2]);
    await unary({ op: "GlobalMaxPool", inputs: ["x"], outputs: ["y"] }, [1, NaN, 2, 3], [NaN], ["N", 1, 2, 2]);
    await unary({ op: "GlobalAveragePool", inputs: ["x"], outputs: ["y"] }, [Infinity, -Infinity, 2, 3], [NaN], ["N", 1, 2, 2]);
    // a NaN in one sample never leaks into another sample of the batch
    same((await load(gemm(false), backend)).run({ x: Float32Array.from([NaN, 0, 0, 0, 1, 2, 3, 4]) }).y.data, [NaN, NaN, NaN, 1, 2, 0], `${backend} batch isolation`);
  }
});

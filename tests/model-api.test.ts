// The JS API over the wasm runtime: Model.load sources, inputs/outputs, run() with batch
// inference and re-planning, copies of outputs, and the errors a caller can make.
import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { test } from "node:test";
import { writeSlim } from "../src/format/writer.js";
import { countMacs } from "../src/ir/analysis.js";
import { GraphBuilder } from "../src/ir/build.js";
import type { Graph } from "../src/ir/graph.js";
import { FormatError, InputError, Model, SlimnetError } from "../src/runtime/index.js";

const W = new Float32Array([1, 2, 3, 4, -1, -2, -3, -4, 0.5, 0, -0.5, 1]);
const B = new Float32Array([0.5, 0, -1]);

/** y = relu(x·Wᵀ + b), x [N,4] → y [N,3]. */
function gemmGraph(batchDynamic: boolean): Graph {
  const g = new GraphBuilder();
  const x = g.input("x", [1, 4]);
  const y = g.node("Gemm", [x, g.constant("w", [3, 4], W), g.constant("b", [3], B)], { act: 1 }, { out: "y" });
  return g.build("gemm", [y], batchDynamic);
}

/** sum = a + b, both [1,3]. */
function addGraph(): Graph {
  const g = new GraphBuilder();
  const a = g.input("a", [1, 3]);
  const b = g.input("b", [1, 3]);
  return g.build("add", [g.node("Add", [a, b], {}, { out: "sum" })], true);
}

function reference(x: Float32Array): number[] {
  const out: number[] = [];
  for (let s = 0; s < x.length / 4; s++) {
    for (let n = 0; n < 3; n++) {
      let acc = B[n];
      for (let k = 0; k < 4; k++) acc += x[s * 4 + k] * W[n * 4 + k];
      out.push(Math.max(0, acc));
    }
  }
  return out;
}

const close = (got: ArrayLike<number>, want: ArrayLike<number>): void => {
  assert.equal(got.length, want.length);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])), `[${i}] ${got[i]} vs ${want[i]}`);
};

const dynamicBytes = writeSlim(gemmGraph(true));

test("inputs, outputs and macs describe the model; dynamic batch shows as -1", async () => {
  const model = await Model.load(dynamicBytes);
  assert.deepEqual(model.inputs, [{ name: "x", shape: [-1, 4], dtype: "float32" }]);
  assert.deepEqual(model.outputs, [{ name: "y", shape: [-1, 3], dtype: "float32" }]);
  assert.equal(model.batchDynamic, true);
  assert.equal(model.macs, countMacs(gemmGraph(true)).total);
  const fixed = await Model.load(writeSlim(gemmGraph(false)));
  assert.deepEqual(fixed.inputs[0].shape, [1, 4]);
  assert.equal(fixed.batchDynamic, false);
});

test("run: batch from the Float32Array length, from { data, shape }, re-planned on change", async () => {
  const model = await Model.load(dynamicBytes);
  const x1 = new Float32Array([1, 0, -1, 2]);
  const r1 = model.run({ x: x1 });
  assert.deepEqual(r1.y.shape, [1, 3]);
  close(r1.y.data, reference(x1));
  const x3 = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i));
  const r3 = model.run({ x: x3 });
  assert.deepEqual(r3.y.shape, [3, 3]);
  close(r3.y.data, reference(x3));
  const r2 = model.run({ x: { data: x3.subarray(0, 8), shape: [2, 4] } });
  assert.deepEqual(r2.y.shape, [2, 3]);
  close(r2.y.data, reference(x3.subarray(0, 8)));
  (r2.y.shape as number[])[0] = 99; // a caller's edit of one result's shape reaches no other
  assert.deepEqual(model.run({ x: x3.subarray(0, 8) }).y.shape, [2, 3]);
  close(model.run({ x: x1 }).y.data, reference(x1));
});

test("run returns copies: later runs do not change earlier results", async () => {
  const model = await Model.load(dynamicBytes);
  const first = model.run({ x: new Float32Array([1, 1, 1, 1]) });
  const kept = [...first.y.data];
  model.run({ x: new Float32Array([5, 5, 5, 5]) });
  assert.deepEqual([...first.y.data], kept);
  first.y.data.fill(42);
  close(model.run({ x: new Float32Array([1, 1, 1, 1]) }).y.data, kept);
});

test("NaN is data, not an error", async () => {
  const model = await Model.load(dynamicBytes);
  const r = model.run({ x: new Float32Array([NaN, 0, 0, 0]) });
  assert.equal(r.y.data.length, 3);
});

test("the scalar build gives the same numbers as the SIMD build", async () => {
  const x = Float32Array.from({ length: 20 }, (_, i) => Math.cos(i));
  const simd = (await Model.load(dynamicBytes)).run({ x }).y.data;
  const scalarModel = await Model.load(dynamicBytes, { simd: false });
  assert.equal(scalarModel.backend, "scalar");
  close(scalarModel.run({ x }).y.data, simd);
});

test("load sources: bytes, ArrayBuffer, Response, path, file: URL, compiled runtime module", async () => {
  const dir = mkdtempSync(join(tmpdir(), "slimnet-api-"));
  const path = join(dir, "gemm.slim");
  writeFileSync(path, dynamicBytes);
  const x = new Float32Array([1, 2, 3, 4]);
  const want = reference(x);
  const copy = dynamicBytes.slice();
  const wasm = new URL("../dist/runtime.simd.wasm", import.meta.url);
  const module = await WebAssembly.compile(await (await import("node:fs/promises")).readFile(wasm));
  for (const [label, source, options] of [
    ["ArrayBuffer", copy.buffer, {}],
    ["Response", new Response(copy), {}],
    ["path", path, {}],
    ["file: URL", pathToFileURL(path), {}],
    ["file: URL string", pathToFileURL(path).href, {}],
    ["options.wasm Module", dynamicBytes, { wasm: module }],
    ["options.wasm URL", dynamicBytes, { wasm }],
  ] as const) {
    const model = await Model.load(source, options);
    close(model.run({ x }).y.data, want);
    assert.ok(label);
  }
});

test("feed errors name the input and say what was expected", async () => {
  const model = await Model.load(dynamicBytes);
  assert.throws(() => model.run({ z: new Float32Array(4) }),
    (e: Error) => e instanceof InputError && /unknown input "z"; the model's inputs are "x" \[-1,4\]/.test(e.message));
  assert.throws(() => model.run({}), (e: Error) => e instanceof InputError && /missing input "x"/.test(e.message));
  assert.throws(() => model.run({ x: new Float32Array(5) }),
    (e: Error) => e instanceof InputError && /input "x": expected a multiple of 4 values .*got 5/.test(e.message));
  assert.throws(() => model.run({ x: new Float32Array(0) }), InputError);
  assert.throws(() => model.run({ x: [1, 2, 3, 4] as unknown as Float32Array }),
    (e: Error) => e instanceof InputError && /expected a Float32Array .*got Array/.test(e.message));
  assert.throws(() => model.run({ x: { data: new Float32Array(8), shape: [2, 3] } }),
    (e: Error) => e instanceof InputError && /shape \[2,3\] does not match the model's \[-1,4\]/.test(e.message));
  assert.throws(() => model.run({ x: { data: new Float32Array(7), shape: [2, 4] } }),
    (e: Error) => e instanceof InputError && /needs 8 values, got 7/.test(e.message));
  const fixed = await Model.load(writeSlim(gemmGraph(false)));
  assert.throws(() => fixed.run({ x: new Float32Array(8) }),
    (e: Error) => e instanceof InputError && /expected 4 values \(shape \[1,4\]\), got 8/.test(e.message));
  const add = await Model.load(writeSlim(addGraph()));
  assert.throws(() => add.run({ a: new Float32Array(6), b: new Float32Array(3) }),
    (e: Error) => e instanceof InputError && /input "b" has batch 1 but input "a" has batch 2/.test(e.message));
  close(add.run({ a: new Float32Array([1, 2, 3]), b: new Float32Array([10, 20, 30]) }).sum.data, [11, 22, 33]);
});

test("load errors: malformed bytes are a FormatError, bad arguments an InputError", async () => {
  await assert.rejects(Model.load(new Uint8Array(64)), FormatError);
  await assert.rejects(Model.load(dynamicBytes.subarray(0, dynamicBytes.length - 8)), FormatError);
  const flipped = dynamicBytes.slice();
  flipped[flipped.length - 3] ^= 0xff;
  await assert.rejects(Model.load(flipped), FormatError);
  await assert.rejects(Model.load(42 as unknown as Uint8Array), (e: Error) => e instanceof InputError && /got number/.test(e.message));
  await assert.rejects(Model.load("/no/such/file.slim"), (e: Error) => e instanceof SlimnetError && /no\/such\/file\.slim: ENOENT/.test(e.message));
  await assert.rejects(Model.load(dynamicBytes, { maxArenaBytes: 0 }), InputError);
  const tiny = await Model.load(dynamicBytes, { maxArenaBytes: 4096 });
  assert.throws(() => tiny.run({ x: new Float32Array(4 * 100000) }), (e: Error) => e instanceof InputError && /batch 100000/.test(e.message));
  close(tiny.run({ x: new Float32Array([1, 2, 3, 4]) }).y.data, reference(new Float32Array([1, 2, 3, 4])));
});

// f16 weights (docs/FORMAT.md §3.6): the writer's rounding against an independent f64
// round-to-nearest-even on the half grid, every half expanding back to itself, both readers'
// checks, and the runtime (which expands at load) matching the f32 file of the rounded weights.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import type { Graph, Tensor } from "../src/ir/graph.js";
import { writeSlim } from "../src/format/writer.js";
import { readSlim } from "../src/format/reader.js";
import { crc32 } from "../src/format/crc32.js";
import { toHalf, halfToF32Bits } from "../src/format/f16.js";
import { FormatError } from "../src/runtime/errors.js";
import { Model } from "../src/runtime/model.js";
import { lenet5 } from "../src/zoo/index.js";

const f32 = new Float32Array(1), u32 = new Uint32Array(f32.buffer);
const fromBits = (w: number) => { u32[0] = w; return f32[0]; };
const halfValue = (h: number) => fromBits(halfToF32Bits(h));

/** Independent oracle: x rounded to the binary16 grid in f64 (ties to even), ±Inf past 65504 + 16. */
function roundToHalf(x: number): number {
  if (Number.isNaN(x) || !Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x);
  if (a >= 65520) return Math.sign(x) * Infinity;
  const e = Math.max(-14, Math.floor(Math.log2(a))), ulp = 2 ** (e - 10);
  let q = a / ulp;
  const r = Math.round(q);
  q = r - q === 0.5 && r % 2 ? r - 1 : r; // Math.round rounds .5 up: back to even
  return Math.sign(x) * q * ulp || (x < 0 ? -0 : 0);
}

let seed = 11;
const rand = () => ((seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32);

describe("f16 format", () => {
  it("every half expands to itself and re-encodes to the same bits (NaN stays NaN)", () => {
    for (let h = 0; h < 65536; h++) {
      const v = halfValue(h);
      if (Number.isNaN(v)) { assert.ok((h & 0x7c00) === 0x7c00 && h & 0x3ff); assert.ok(Number.isNaN(halfValue(toHalf(v)))); continue; }
      assert.equal(toHalf(v), h, `half 0x${h.toString(16)} = ${v}`);
      assert.equal(roundToHalf(v), v);
    }
  });

  it("f32 → half rounds to nearest, ties to even, overflow to ±Inf, underflow to ±0 (vs an f64 oracle)", () => {
    const edge = [65504, 65519.99, 65520, 65536, 1e10, 5.96e-8, 2.98e-8, 2.9802322387695312e-8, 2.99e-8, 1e-9, 6.1e-5, 6.103515625e-5, 1 + 2 ** -11, 1 + 3 * 2 ** -11, 2049, 2051, -0, 0.1, 1 / 3];
    const xs = [...edge, ...edge.map((v) => -v)];
    for (let i = 0; i < 200000; i++) xs.push(fromBits((rand() * 2 ** 32) >>> 0));
    for (let i = 0; i < 20000; i++) xs.push((rand() - 0.5) * 2 ** (rand() * 40 - 28));
    for (const x0 of xs) {
      const x = Math.fround(x0);
      if (Number.isNaN(x)) continue;
      const want = roundToHalf(x), got = halfValue(toHalf(x));
      assert.ok(Object.is(got, want), `${x}: got ${got}, want ${want}`);
    }
  });

  const gemm = (w: Tensor): Graph => ({
    name: "g", inputs: ["x"], outputs: ["y"], batchDynamic: false,
    tensors: new Map<string, Tensor>([["x", { name: "x", shape: [1, w.shape[1]] }], ["w", w], ["b", { name: "b", shape: [w.shape[0]], data: new Float32Array(w.shape[0]) }],
      ["y", { name: "y", shape: [1, w.shape[0]] }]]),
    nodes: [{ op: "Gemm", name: "fc", inputs: ["x", "w", "b"], outputs: ["y"], attrs: { act: 0, actA: 0, actB: 0 } }],
  });

  it("both readers check param and byteLength; reading gives the halves, writing again the same bytes", async () => {
    const data = Float32Array.from({ length: 21 }, () => (rand() - 0.5) * 10);
    const b = writeSlim(gemm({ name: "w", shape: [3, 7], data, encoding: "f16" }));
    const g = readSlim(b);
    assert.equal(g.tensors.get("w")!.encoding, "f16");
    assert.deepEqual([...g.tensors.get("w")!.data!], [...data].map((v) => Math.fround(roundToHalf(Math.fround(v)))));
    assert.deepEqual(writeSlim(g), b);
    const dv = new DataView(b.buffer);
    let tens = 0;
    for (let i = 0; i < dv.getUint32(8, true); i++) if (String.fromCharCode(...b.subarray(32 + 16 * i, 36 + 16 * i)) === "TENS") tens = dv.getUint32(36 + 16 * i, true);
    const rec = tens + 4 + 48;
    assert.equal(b[rec + 7], 1);
    assert.equal(dv.getUint32(rec + 36, true), 42);
    for (const [label, field, v, re] of [
      ["param", 40, 1, /section "TENS" at offset 0x[0-9a-f]+: tensor 1 "w": param 1, expected 0 for f16/],
      ["byteLength", 36, 40, /section "TENS" at offset 0x[0-9a-f]+: tensor 1 "w": byteLength 40, expected 2 × 21 elements \(f16\)/],
    ] as const) {
      const m = b.slice(), mv = new DataView(m.buffer);
      mv.setUint32(rec + field, v, true);
      const n = mv.getUint32(8, true);
      for (let i = 0; i < n; i++) { const at = 32 + 16 * i, o = mv.getUint32(at + 4, true), l = mv.getUint32(at + 8, true); mv.setUint32(at + 12, crc32(m.subarray(o, o + l)), true); }
      mv.setUint32(16, crc32(m.subarray(32, 32 + 16 * n), crc32(m.subarray(0, 16))), true);
      assert.throws(() => readSlim(m), (e: unknown) => (e instanceof FormatError && re.test(e.message)) || assert.fail(`${label}: ${(e as Error).message}`));
      for (const simd of [true, false]) await assert.rejects(Model.load(m, { simd }), (e: Error) => re.test(e.message) || assert.fail(`${label} runtime: ${e.message}`));
    }
  });

  it("LeNet-5 with f16 weights runs exactly as the f32 file of the rounded weights (SIMD, scalar)", async () => {
    const g = lenet5(), rounded = lenet5();
    for (const [name, t] of g.tensors) if (t.data) {
      t.data = t.data.map((v) => v * 300); // past the half range's comfortable part: ±Inf never, subnormals rarely
      t.encoding = "f16";
      rounded.tensors.get(name)!.data = t.data.map((v) => roundToHalf(v));
    }
    const half = writeSlim(g), full = writeSlim(rounded);
    assert.ok(half.length < full.length * 0.52);
    for (const simd of [true, false]) {
      const a = await Model.load(half, { simd }), b = await Model.load(full, { simd }), inp = a.inputs[0];
      const x = Float32Array.from({ length: 3 * 784 }, () => rand());
      const feed = { [inp.name]: { data: x, shape: [3, ...inp.shape.slice(1)] } };
      assert.deepEqual(a.run(feed)[a.outputs[0].name].data, b.run(feed)[b.outputs[0].name].data);
    }
  });
});

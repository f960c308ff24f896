// int8 and f16 quantization (src/passes/quantize.ts, docs/FORMAT.md §3.6–3.7) against oracles
// written here: per-row scales and q from an f64 computation, calibration ranges and u8
// parameters of a small graph whose activations are known by hand, the percentile method against
// sorted arrays, f16 rounding against a search over all 65,536 halves, the §3.7 integer
// arithmetic recomputed in TS for every int8 layer of the LeNets as the runtime runs them, the
// trained LeNets' MNIST accuracy before and after, QAT keeping the weights on the int8 grid, and
// the quantize command's table and JSON.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fromImageSet, head, subset } from "../src/data/batches.js";
import { loadImageSet } from "../src/data/mnist.js";
import { writeSlim } from "../src/format/writer.js";
import { importOnnx } from "../src/import/onnx.js";
import { GraphBuilder } from "../src/ir/build.js";
import type { Graph } from "../src/ir/graph.js";
import {
  calibrate, f16round, histogramRange, HISTOGRAM_BINS, insertFakeQuant, int8Weights, quantize, recoverInt8, removeFakeQuant, roundHalfEven, u8Params,
} from "../src/passes/quantize.js";
import { rng } from "../src/zoo/init.js";

const model = (name: string): Graph => importOnnx(readFileSync(new URL(`../data/models/${name}.onnx`, import.meta.url)));
const mnistTrain = fromImageSet(loadImageSet("mnist", "train"));
const mnistTest = fromImageSet(loadImageSet("mnist", "test"));

test("roundHalfEven: ties to the even integer, both signs", () => {
  const cases: [number, number][] = [[0.5, 0], [1.5, 2], [2.5, 2], [-0.5, -0], [-1.5, -2], [-2.5, -2], [2.4999, 2], [2.5001, 3], [-3.5, -4], [7, 7]];
  for (const [v, want] of cases) assert.equal(roundHalfEven(v), want, `${v}`);
});

test("int8 weights: per-row scale max|row|/127 (zero row → 1), q = round-half-even(w/scale) in ±127, data = f32(q·scale) exactly", () => {
  const r = rng(7), rows = 9, cols = 37, d = Float32Array.from({ length: rows * cols }, () => r(-1, 1) * 0.3);
  d.fill(0, 4 * cols, 5 * cols); // a zero row
  d[2 * cols + 3] = -0.75; // a row whose extreme is negative
  d[6 * cols + 1] = Math.fround(127 * 0.001); d.fill(Math.fround(0.0005), 6 * cols + 2, 7 * cols); // exact ties: 0.5 · scale
  const w = int8Weights(d, rows);
  for (let row = 0; row < rows; row++) {
    let m = 0;
    for (let c = 0; c < cols; c++) m = Math.max(m, Math.abs(d[row * cols + c]));
    const s = m === 0 ? 1 : Math.fround(m / 127);
    assert.equal(w.scales[row], s, `scale of row ${row}`);
    for (let c = 0; c < cols; c++) {
      const i = row * cols + c, x = d[i] / s, fl = Math.floor(x);
      const q = x - fl === 0.5 ? (fl % 2 === 0 ? fl : fl + 1) : Math.round(x);
      assert.equal(w.q[i], q || 0, `q[${row},${c}] of ${d[i]} / ${s}`);
      assert.ok(Math.abs(w.q[i]) <= 127);
      assert.equal(w.data[i], Math.fround((q || 0) * s), "data (+0 for q = 0)");
    }
  }
  assert.equal(w.scales[4], 1);
  assert.equal(w.q[2 * cols + 3], -127);
  assert.deepEqual(recoverInt8(w.data, rows).q, w.q, "data already on the grid: the same q");
});

test("recoverInt8: weights trained on a grid q·s with s not max/127 of the data come back with that s and q", () => {
  const r = rng(3), rows = 5, cols = 64, s = Float32Array.from({ length: rows }, () => r(0.001, 0.01));
  const q = Int8Array.from({ length: rows * cols }, () => Math.round(r(-127, 127)));
  for (let row = 0; row < rows; row++) q[row * cols] = 127; // the row's max is 127·s, as the trainer's hook makes it
  const d = Float32Array.from(q, (v, i) => Math.fround(v * s[Math.floor(i / cols)]));
  const w = recoverInt8(d, rows);
  assert.deepEqual(w.q, q);
  assert.deepEqual(w.data, d, "bit-identical data");
});

test("u8 parameters: scale (hi − lo)/255 with lo ≤ 0 ≤ hi, zero point round-half-even(−lo/scale) clamped", () => {
  assert.deepEqual(u8Params(0, 1), { scale: Math.fround(1 / 255), zeroPoint: 0 });
  assert.deepEqual(u8Params(-2, 4), { scale: Math.fround(6 / 255), zeroPoint: 85 });
  assert.deepEqual(u8Params(0.5, 2), { scale: Math.fround(2 / 255), zeroPoint: 0 }, "lo widened to 0");
  assert.deepEqual(u8Params(-3, -1), { scale: Math.fround(3 / 255), zeroPoint: 255 }, "hi widened to 0");
  assert.deepEqual(u8Params(0, 0), { scale: 1, zeroPoint: 0 }, "empty range");
});

/** x[N,4] → fc1 (W = first three unit rows) → fc2 → y: fc2's input is x[:, :3] exactly. */
function tiny(): Graph {
  const b = new GraphBuilder(), x = b.input("x", [1, 4]);
  const w1 = b.constant("fc1.weight", [3, 4], Float32Array.of(1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0));
  const h = b.node("Gemm", [x, w1, b.constant("fc1.bias", [3], new Float32Array(3))], { act: 0 }, { name: "fc1", out: "h" });
  const w2 = b.constant("fc2.weight", [2, 3], Float32Array.of(0.5, -0.25, 1, 2, 0, -1));
  const y = b.node("Gemm", [h, w2, b.constant("fc2.bias", [2], Float32Array.of(0.1, -0.1))], { act: 0 }, { name: "fc2", out: "y" });
  return b.build("tiny", [y], true);
}

test("calibration on a graph with known activations: minmax ranges, scale and zero point by hand", async () => {
  const g = tiny(), x = Float32Array.of(1, -2, 0.5, 4, -1, 3, 0, 0, 0.25, 0.5, -0.5, -7);
  const ranges = await calibrate(g, ["x", "h"], x);
  assert.deepEqual(ranges.map((r) => [r.tensor, r.min, r.max, r.count]), [["x", -7, 4, 12], ["h", -2, 3, 9]]);
  const data = { x, labels: Int32Array.of(0, 1, 0), n: 3, sample: [4], source: "tiny" };
  const r = await quantize(g, { data });
  const q1 = r.graph.tensors.get("fc1.weight")!.inputQuant!, q2 = r.graph.tensors.get("fc2.weight")!.inputQuant!;
  // fc1 reads x: [−7, 4] → scale 11/255, zero point 7·255/11 = 162.27 → 162; fc2 reads h = x[:, :3]: [−2, 3] → 5/255, 102.
  assert.deepEqual(q1, { scale: Math.fround(11 / 255), zeroPoint: 162 });
  assert.deepEqual(q2, { scale: Math.fround(5 / 255), zeroPoint: 102 });
  assert.deepEqual(Array.from(r.graph.tensors.get("fc2.weight")!.scales!), [Math.fround(1 / 127), Math.fround(2 / 127)]);
  assert.equal(r.graph.tensors.get("fc2.weight")!.encoding, "int8");
  assert.notEqual(r.graph.tensors.get("fc2.bias")!.encoding, "int8", "biases stay f32");
  const dyn = await quantize(g, { dynamic: true, exclude: ["fc1"] });
  assert.equal(dyn.graph.tensors.get("fc2.weight")!.inputQuant, undefined, "dynamic: no input parameters");
  assert.notEqual(dyn.graph.tensors.get("fc1.weight")!.encoding, "int8", "excluded layer stays f32");
  await assert.rejects(quantize(g, {}), /static int8 needs calibration data/);
  await assert.rejects(quantize(g, { data, exclude: ["fc3"] }), /exclude: no layer "fc3"; layers: fc1, fc2/);
});

test("percentile calibration: within one histogram bin outside the sorted-array percentiles", async () => {
  const r = rng(5), n = 20000, x = Float32Array.from({ length: n * 4 }, () => r(-1, 1) * Math.abs(r(-1, 1)) ** 3 * 10);
  const g = tiny();
  for (const p of [99, 99.9, 99.99]) {
    const [cx, ch] = await calibrate(g, ["x", "h"], x, { method: "percentile", percentile: p });
    for (const [range, vals] of [[cx, x], [ch, x.filter((_, i) => i % 4 !== 3)]] as const) {
      const sorted = Float64Array.from(vals).sort(), k = Math.ceil((p / 100) * sorted.length);
      const hi = sorted[k - 1], lo = sorted[sorted.length - k], bin = (sorted[sorted.length - 1] - sorted[0]) / HISTOGRAM_BINS;
      assert.ok(range.hi >= hi && range.hi <= hi + bin * 1.0001, `${p}% ${range.tensor}: hi ${range.hi} vs ${hi} (bin ${bin})`);
      assert.ok(range.lo <= lo && range.lo >= lo - bin * 1.0001, `${p}% ${range.tensor}: lo ${range.lo} vs ${lo}`);
      assert.ok(range.hi < range.max && range.lo > range.min, "tails clipped");
    }
  }
  // All values equal: the range is that value.
  assert.deepEqual(histogramRange(new Float64Array(8), 2, 2, 5, 99), [2, 2]);
});

test("f16 rounding: the nearest of all 65,536 halves, ties to the even mantissa, ±Inf past 65520", () => {
  const halves: number[] = [];
  for (let h = 0; h < 0x7c00; h++) {
    const e = h >> 10, m = h & 1023;
    halves.push(e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15));
  }
  const nearest = (v: number): number => {
    const a = Math.abs(v);
    if (a >= 65520) return Math.sign(v) * Infinity;
    let lo = 0, hi = halves.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (halves[mid] <= a) lo = mid;
      else hi = mid;
    }
    const dl = a - halves[lo], dh = halves[hi] - a;
    const pick = dl < dh ? lo : dh < dl ? hi : lo % 2 === 0 ? lo : hi;
    return Math.sign(v) * halves[a >= halves[hi] ? hi : pick];
  };
  const r = rng(11), values = [0.1, 1 / 3, 65504, 65519.99, 65520, 1e-8, 2 ** -25, 3 * 2 ** -26, 2 ** -24 * 1.5, 1 + 2 ** -11, 1 + 3 * 2 ** -11, -2.00048828125];
  for (let i = 0; i < 20000; i++) values.push(Math.fround(r(-1, 1) * 2 ** Math.floor(r(-28, 17))));
  for (const v of values) assert.equal(f16round(v), nearest(v), `${v}`);
});

test("QAT graph surgery: QuantizeLinear → DequantizeLinear before each layer, removed again exactly", () => {
  const g = tiny(), before = structuredClone(g);
  const constants = insertFakeQuant(g, new Map([["fc2", { scale: 0.5, zeroPoint: 3 }]]));
  assert.deepEqual(constants, ["fc2.x_scale", "fc2.x_zero_point"]);
  assert.deepEqual(g.nodes.map((n) => n.op), ["Gemm", "QuantizeLinear", "DequantizeLinear", "Gemm"]);
  assert.deepEqual(g.nodes[1].inputs, ["h", "fc2.x_scale", "fc2.x_zero_point"]);
  assert.deepEqual(g.nodes[1].attrs, { axis: 1, qmin: 0, qmax: 255 });
  assert.deepEqual(g.nodes[3].inputs[0], g.nodes[2].outputs[0]);
  removeFakeQuant(g, ["fc2"]);
  assert.deepEqual(g, before);
});

export { head, subset, execFileSync, mkdtempSync, statSync, tmpdir, join, writeSlim, mnistTrain, mnistTest, model };

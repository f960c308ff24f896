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
import { fromImageSet, head } from "../src/data/batches.js";
import { loadImageSet } from "../src/data/mnist.js";
import { readSlim } from "../src/format/reader.js";
import { writeSlim } from "../src/format/writer.js";
import { importOnnx } from "../src/import/onnx.js";
import { GraphBuilder } from "../src/ir/build.js";
import type { Graph } from "../src/ir/graph.js";
import {
  calibrate, f16round, histogramRange, HISTOGRAM_BINS, insertFakeQuant, int8Weights, modelAccuracy, quantize, recoverInt8, removeFakeQuant, roundHalfEven, u8Params,
} from "../src/passes/quantize.js";
import { Model } from "../src/runtime/model.js";
import { rng } from "../src/zoo/init.js";
import { Trainer } from "../src/train/trainer.js";
import { mobilenetTiny } from "../src/zoo/mobilenet-tiny.js";
import { fold } from "../src/passes/fold.js";

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

const fr = Math.fround;

/** §3.7 u8 quantization of one value, in f32 as the format defines it. */
const qu8 = (x: number, scale: number, zero: number): number => Math.max(0, Math.min(255, roundHalfEven(fr(x / scale)) + zero));

/** §3.7 dynamic parameters of one sample's values. */
function dynamicParams(v: Float32Array): { scale: number; zeroPoint: number } {
  let lo = 0, hi = 0;
  for (const x of v) { lo = Math.min(lo, x); hi = Math.max(hi, x); }
  const scale = hi === lo ? 1 : fr(fr(hi - lo) / 255);
  return { scale, zeroPoint: Math.max(0, Math.min(255, roundHalfEven(fr(-lo / scale)))) };
}

/**
 * The §3.7 integer pipeline of one int8 Gemm or Conv, in plain loops: X quantized to u8 (static
 * or per sample), exact integer sums Σ qx·q − xZero·Σ q, then f32(acc)·f32(xScale·scale[r]) + B[r]
 * and the fused activation (none or Relu here); Conv pads with qx = xZero.
 */
function int8Reference(g: Graph, node: Graph["nodes"][number], x: Float32Array, batch: number): Float32Array {
  const wt = g.tensors.get(node.inputs[1])!, b = g.tensors.get(node.inputs[2])?.data, scales = wt.scales!, rows = wt.shape[0];
  const q = Int32Array.from(wt.data!, (v, i) => roundHalfEven(v / scales[Math.floor(i / (wt.data!.length / rows))]));
  const cols = q.length / rows, per = x.length / batch, a = node.attrs, act = (a.act as number) ?? 0;
  assert.ok(act === 0 || act === 1, `${node.name}: act ${act}`);
  const qsum = Array.from({ length: rows }, (_, r) => q.subarray(r * cols, (r + 1) * cols).reduce((s, v) => s + v, 0));
  const outShape = g.tensors.get(node.outputs[0])!.shape, outPer = outShape.slice(1).reduce((p, d) => p * d, 1), y = new Float32Array(batch * outPer);
  const epilogue = (acc: number, r: number, xs: number): number => {
    const v = fr(fr(fr(acc) * fr(xs * scales[r])) + (b ? b[r] : 0));
    return act === 1 ? Math.max(0, v) : v;
  };
  for (let n = 0; n < batch; n++) {
    const xsamp = x.subarray(n * per, (n + 1) * per), p = wt.inputQuant ?? dynamicParams(xsamp);
    const qx = Int32Array.from(xsamp, (v) => qu8(v, p.scale, p.zeroPoint)), z = p.zeroPoint;
    if (node.op === "Gemm") {
      for (let r = 0; r < rows; r++) {
        let acc = 0;
        for (let c = 0; c < cols; c++) acc += qx[c] * q[r * cols + c];
        y[n * rows + r] = epilogue(acc - z * qsum[r], r, p.scale);
      }
      continue;
    }
    const [, C, H, W] = g.tensors.get(node.inputs[0])!.shape, [, F, OH, OW] = outShape, [kh, kw] = [wt.shape[2], wt.shape[3]];
    const grp = (a.group as number) ?? 1, cg = C / grp, fg = F / grp, [sh, sw, dh, dw, pt, pl] = ["sh", "sw", "dh", "dw", "padTop", "padLeft"].map((k) => (a[k] as number) ?? (k[0] === "p" ? 0 : 1));
    for (let f = 0; f < F; f++) {
      const c0 = Math.floor(f / fg) * cg;
      for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) {
        let acc = 0;
        for (let c = 0; c < cg; c++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
          const iy = oy * sh - pt + ky * dh, ix = ox * sw - pl + kx * dw;
          const xv = iy >= 0 && iy < H && ix >= 0 && ix < W ? qx[((c0 + c) * H + iy) * W + ix] : z;
          acc += xv * q[((f * cg + c) * kh + ky) * kw + kx];
        }
        y[n * outPer + (f * OH + oy) * OW + ox] = epilogue(acc - z * qsum[f], f, p.scale);
      }
    }
  }
  return y;
}

/** Every int8 layer's runtime output against int8Reference applied to the runtime's own input of that layer. */
async function checkInt8Layers(g: Graph, x: Float32Array, batch: number, label: string): Promise<number> {
  const layers = g.nodes.filter((n) => (n.op === "Gemm" || n.op === "Conv") && g.tensors.get(n.inputs[1])!.encoding === "int8");
  const extra = layers.flatMap((n) => [n.inputs[0], n.outputs[0]]).filter((t) => !g.inputs.includes(t) && !g.outputs.includes(t));
  const probe: Graph = { ...g, outputs: [...g.outputs, ...new Set(extra)] };
  let checked = 0;
  for (const simd of [true, false]) {
    const m = await Model.load(writeSlim(probe), { simd }), out = m.run({ [g.inputs[0]]: x });
    for (const n of layers) {
      const xin = g.inputs.includes(n.inputs[0]) ? x : out[n.inputs[0]].data, want = int8Reference(g, n, xin, batch), got = out[n.outputs[0]].data;
      assert.equal(got.length, want.length);
      for (let i = 0; i < want.length; i++) if (got[i] !== want[i]) assert.fail(`${label} ${simd ? "simd" : "scalar"} ${n.name}[${i}]: runtime ${got[i]}, §3.7 reference ${want[i]}`);
      checked += want.length;
    }
  }
  return checked;
}

test("runtime int8 Gemm/Conv = the §3.7 integer arithmetic recomputed here (LeNets, static and dynamic; SIMD and scalar)", async () => {
  const x = head(mnistTest, 16).x, calib = head(mnistTrain, 200);
  for (const name of ["lenet5", "lenet300"]) {
    for (const dynamic of [false, true]) {
      const r = await quantize(model(name), dynamic ? { dynamic } : { data: calib });
      const n = await checkInt8Layers(r.graph, x, 16, `${name}${dynamic ? " dynamic" : ""}`);
      assert.ok(n > 1000);
    }
  }
  // Padding (qx = xZero), stride 2 and depthwise groups: a folded MobileNet, random weights.
  const mb = mobilenetTiny(3);
  fold(mb);
  // Inputs centred on 0, so the stem's zero point is not 0 and its padding is tested.
  const shifted = { ...calib, x: calib.x.map((v) => v - 0.5) }, xs = head(mnistTest, 4).x.map((v) => v - 0.5);
  for (const o of [{ data: shifted }, { dynamic: true }]) {
    const q = await quantize(mb, o);
    if (o.data) assert.ok(q.layers[0].inputQuant!.zeroPoint > 100, `stem zero point ${q.layers[0].inputQuant!.zeroPoint}`);
    await checkInt8Layers(q.graph, xs, 4, "mobilenet-tiny");
  }
});

test("PTQ LeNet-5 and LeNet-300-100: written int8 file in the runtime within 0.2 points of f32 on 2,000 test images; ~4× smaller", async () => {
  const test2k = head(mnistTest, 2000);
  for (const name of ["lenet5", "lenet300"]) {
    const g = model(name), f32 = writeSlim(g), a0 = modelAccuracy(await Model.load(f32), test2k);
    for (const method of ["minmax", "percentile"] as const) {
      const r = await quantize(g, { data: mnistTrain, method });
      assert.equal(r.calibrationSamples, 1000);
      const bytes = writeSlim(r.graph), a = modelAccuracy(await Model.load(bytes), test2k);
      assert.ok(Math.abs(a - a0) <= 0.002, `${name} ${method}: int8 ${(100 * a).toFixed(2)}% vs f32 ${(100 * a0).toFixed(2)}%`);
      assert.ok(bytes.length < f32.length / 3.8, `${name}: ${bytes.length} B vs f32 ${f32.length} B`);
      for (const l of r.layers) assert.equal(readSlim(bytes).tensors.get(l.weight)!.encoding, "int8", `${name} ${l.name} stored int8`);
    }
  }
});

test("f16: every constant stored as halves, the file about half the f32 file, LeNet-300-100 accuracy unchanged", async () => {
  const g = model("lenet300"), test2k = head(mnistTest, 2000), r = await quantize(g, { mode: "f16" });
  const f32 = writeSlim(g), f16 = writeSlim(r.graph), back = readSlim(f16);
  assert.ok(f16.length < 0.51 * f32.length && f16.length > 0.49 * f32.length, `${f16.length} vs ${f32.length}`);
  for (const [name, t] of r.graph.tensors) if (t.data) {
    assert.equal(t.encoding, "f16");
    assert.deepEqual(back.tensors.get(name)!.data, t.data.map(f16round), `${name}: halves read back`);
  }
  const a0 = modelAccuracy(await Model.load(f32), test2k), a = modelAccuracy(await Model.load(f16), test2k);
  assert.ok(Math.abs(a - a0) <= 0.001, `f16 ${a} vs f32 ${a0}`);
});

test("QAT smoke: a few steps keep every weight on its row's int8 grid and u8 inputs as calibrated; accuracy not worse", async () => {
  const g = model("lenet300"), test2k = head(mnistTest, 2000), data = head(mnistTrain, 1280);
  const ptq = await quantize(g, { data });
  const r = await quantize(g, { data, qatEpochs: 1, batch: 64, progress: false });
  assert.equal(r.history.length, 1);
  assert.deepEqual(r.graph.nodes.map((n) => n.op), g.nodes.map((n) => n.op), "the QuantizeLinear/DequantizeLinear pairs are gone");
  assert.deepEqual([...r.graph.tensors.keys()].sort(), [...g.tensors.keys()].sort());
  let moved = 0;
  for (const l of r.layers) {
    const t = r.graph.tensors.get(l.weight)!, d = t.data!, s = t.scales!, cols = d.length / s.length;
    assert.equal(t.encoding, "int8");
    assert.deepEqual(t.inputQuant, ptq.graph.tensors.get(l.weight)!.inputQuant, `${l.name}: trained with the calibrated input parameters`);
    for (let i = 0; i < d.length; i++) {
      const q = Math.round(d[i] / s[Math.floor(i / cols)]);
      if (!(Math.abs(q) <= 127 && Math.fround(q * s[Math.floor(i / cols)]) === d[i])) assert.fail(`${l.name}[${i}] = ${d[i]} is off the grid of scale ${s[Math.floor(i / cols)]}`);
    }
    const before = ptq.graph.tensors.get(l.weight)!.data!;
    moved += d.reduce((n, v, i) => n + (v !== before[i] ? 1 : 0), 0);
  }
  assert.ok(moved > 0, "training moved some weights");
  const a0 = modelAccuracy(await Model.load(writeSlim(g)), test2k), a = modelAccuracy(await Model.load(writeSlim(r.graph)), test2k);
  assert.ok(a >= a0 - 0.002, `QAT ${a} vs f32 ${a0}`);
});

test("the trainer's 8-bit quant hook leaves weights whose int8 q and scale recoverInt8 finds bit-exactly", async () => {
  const g = model("lenet300"), hooks = Object.fromEntries(["fc1.weight", "fc2.weight", "logits.weight"].map((w) => [w, { kind: "quant", bits: 8 } as const]));
  for (const w of Object.keys(hooks)) assert.ok(g.tensors.has(w), w);
  const t = await Trainer.create(g, { batch: 64, hooks, optimizer: { kind: "sgd", lr: 0.01, momentum: 0.9 } });
  const data = head(mnistTrain, 64 * 3);
  for (let s = 0; s < 3; s++) t.step(data.x.subarray(s * 64 * 784, (s + 1) * 64 * 784), data.labels.subarray(s * 64, (s + 1) * 64));
  const trained = t.toGraph();
  for (const w of Object.keys(hooks)) {
    const d = trained.tensors.get(w)!.data!, r = recoverInt8(d, trained.tensors.get(w)!.shape[0]);
    // (the hook leaves −0 where q rounds to −0; the file has no −0 q, so +0 = −0 here)
    const off = d.findIndex((v, i) => v !== r.data[i]);
    assert.equal(off, -1, `${w}[${off}]: trained ${d[off]}, q·scale ${r.data[off]}`);
    assert.ok(r.q.every((q) => Math.abs(q) <= 127));
  }
});

const ROOT = new URL("..", import.meta.url).pathname;
const cli = (...args: string[]): string => execFileSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], { cwd: ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

test("slimnet quantize: per-layer table and totals, accuracy line, --json fields; f16; errors name the flag", () => {
  const dir = mkdtempSync(join(tmpdir(), "slimnet-quantize-")), src = join(ROOT, "data/models/lenet300.onnx"), out = join(dir, "q.slim");
  const text = cli("quantize", src, "-o", out, "--data", "mnist", "--calib", "500", "--method", "percentile", "--exclude", "logits");
  for (const h of ["layer", "op", "weights", "encoding", "bits/weight", "bytes", "ratio", "input range", "input scale", "zero point"]) assert.match(text, new RegExp(h.replace("/", "\\/")));
  assert.match(text, /fc1\s+Gemm\s+235,200\s+int8\s+8\.04\s+919\.9 KB → 232\.0 KB\s+4\.0×\s+\[0\.000, 1\.000\]\s+0\.003922\s+0/);
  assert.match(text, /logits\s+Gemm\s+1,000\s+f32\s+32\.00/);
  assert.match(text, /inputs calibrated on 500 training samples \(percentile\)/);
  assert.match(text, /test accuracy \(10,000 images, in the runtime\): 98\.53% → 98\.\d\d%/);
  const j = JSON.parse(cli("quantize", src, "-o", out, "--data", "mnist", "--json"));
  assert.equal(j.mode, "int8");
  assert.equal(j.method, "minmax");
  assert.equal(j.calibrationSamples, 1000);
  assert.equal(j.outputBytes, statSync(out).size);
  assert.deepEqual(j.layers.map((l: { name: string }) => l.name), ["fc1", "fc2", "logits"]);
  for (const l of j.layers) {
    assert.equal(l.encoding, "int8");
    assert.ok(l.bytesAfter < l.bytesBefore / 3.5, `${l.name}: ${l.bytesBefore} → ${l.bytesAfter}`);
    assert.ok(l.inputQuant.scale > 0 && Number.isInteger(l.inputQuant.zeroPoint) && l.range.hi > l.range.lo);
  }
  assert.deepEqual(j.layers[0].inputQuant, { scale: Math.fround(1 / 255), zeroPoint: 0 }, "MNIST pixels in [0, 1]");
  assert.ok(Math.abs(j.test.after - j.test.before) <= 0.002 && j.test.n === 10000, JSON.stringify(j.test));
  const h = JSON.parse(cli("quantize", src, "-o", join(dir, "h.slim"), "--f16", "--json"));
  assert.equal(h.mode, "f16");
  assert.ok(h.layers.every((l: { encoding: string; bitsPerWeight: number }) => l.encoding === "f16" && l.bitsPerWeight === 16));
  assert.ok(Math.abs(h.outputBytes / statSync(join(ROOT, "data/models/lenet300.onnx")).size - 0.5) < 0.02, `f16 ${h.outputBytes} B`);
  const fails = (args: string[], re: RegExp) => assert.throws(() => cli(...args), (e: { stderr: string }) => re.test(e.stderr), `${args.join(" ")}`);
  fails(["quantize", src, "-o", out], /quantize needs --data for calibration/);
  fails(["quantize", src, "-o", out, "--data", "mnist", "--method", "kl"], /--method takes minmax or percentile, got "kl"/);
  fails(["quantize", src, "-o", out, "--dynamic", "--exclude", "fc9"], /--exclude: no layer "fc9"; layers: fc1, fc2, logits/);
  fails(["quantize", src, "-o", out, "--f16", "--dynamic"], /--dynamic does not apply to --f16/);
});

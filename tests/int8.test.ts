// int8 weights (docs/FORMAT.md §3.7) end to end: the writer's layout and scale checks, both
// readers' ✔ rules on crafted byte mutations, the qs8 kernels against their scalar twins and an
// f64 evaluation of the §3.7 formula, and int8 LeNets in the runtime against a TypeScript
// evaluation of the same integer arithmetic, plus their MNIST accuracy next to f32.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { bothBuilds, rng, type KernelWasm } from "./kernels-wasm.js";
import { evalGraph, type Value } from "./helpers/ir-eval.js";
import type { Graph, Node, Tensor } from "../src/ir/graph.js";
import { writeSlim } from "../src/format/writer.js";
import { readSlim } from "../src/format/reader.js";
import { roundEven } from "../src/format/int8.js";
import { FormatError, SlimnetError } from "../src/runtime/errors.js";
import { Model } from "../src/runtime/model.js";
import { importOnnx } from "../src/import/onnx.js";
import { loadImageSet } from "../src/data/mnist.js";
import { fixCrcs, sectionOffset as sectionAt } from "./helpers/slim-bytes.js";

const fr = Math.fround;
const rand = rng(7);
const randn = (n: number) => Float32Array.from({ length: n }, () => fr(rand() * 2 - 1));

// ---- the §3.7 arithmetic in TypeScript (the oracle) ----

/** [xScale, xZero] of values xs when W says (s, z); s = 0: dynamic (ONNX DynamicQuantizeLinear, in f32). */
function params(xs: ArrayLike<number>, s: number, z: number): [number, number] {
  if (s) return [s, z];
  let lo = 0, hi = 0;
  for (let i = 0; i < xs.length; i++) { lo = Math.min(lo, xs[i]); hi = Math.max(hi, xs[i]); }
  const sc = hi === lo ? 1 : fr(fr(hi - lo) / 255);
  return [sc, Math.min(255, Math.max(0, roundEven(fr(-lo / sc))))];
}
const quant = (x: number, s: number, z: number) => {
  const v = roundEven(fr(x / s)) + z;
  return Number.isNaN(v) ? 0 : Math.min(255, Math.max(0, v));
};
function applyAct(v: number, act: number, a: number, b: number): number {
  if (act === 1) return v > 0 ? v : 0;
  if (act === 2) return v < a ? a : v > b ? b : v;
  if (act === 3) return v >= 0 ? v : fr(v * a);
  return v;
}
/** y = act(f32(acc − xZero·Σq) · f32(xScale·scale) + b), acc exact (f64 holds it). */
const epilogue = (acc: number, qsum: number, xs: number, xz: number, s: number, b: number, act: number, a: number, bb: number) =>
  applyAct(fr(fr(fr(acc - xz * qsum) * fr(xs * s)) + b), act, a, bb);

interface Q { q: Int8Array; scales: Float32Array; xs: number; xz: number; rows: number; cols: number }
function qOf(t: Tensor): Q {
  const rows = t.shape[0], cols = t.data!.length / rows, scales = t.scales!;
  const q = Int8Array.from(t.data!, (v, i) => Math.round(v / scales[Math.floor(i / cols)]));
  return { q, scales, xs: t.inputQuant?.scale ?? 0, xz: t.inputQuant?.zeroPoint ?? 0, rows, cols };
}

function refGemm(x: Value, w: Q, b: Float32Array, attrs: Node["attrs"]): Value {
  const m = x.shape[0], k = w.cols, y = new Float32Array(m * w.rows);
  for (let i = 0; i < m; i++) {
    const row = x.data.subarray(i * k, (i + 1) * k), [xs, xz] = params(row, w.xs, w.xz), qx = Array.from(row, (v) => quant(v, xs, xz));
    for (let r = 0; r < w.rows; r++) {
      let acc = 0, qs = 0;
      for (let c = 0; c < k; c++) { acc += qx[c] * w.q[r * k + c]; qs += w.q[r * k + c]; }
      y[i * w.rows + r] = epilogue(acc, qs, xs, xz, w.scales[r], b[r], attrs.act as number, attrs.actA as number, attrs.actB as number);
    }
  }
  return { data: y, shape: [m, w.rows] };
}

function refConv(x: Value, w: Q, wShape: number[], b: Float32Array, a: Node["attrs"], out: number[]): Value {
  const [n, c, h, wd] = x.shape, [f, cg, kh, kw] = wShape, g = a.group as number, fg = f / g, [oh, ow] = [out[2], out[3]];
  const y = new Float32Array(n * f * oh * ow), img = c * h * wd;
  for (let i = 0; i < n; i++) {
    const xi = x.data.subarray(i * img, (i + 1) * img), [xs, xz] = params(xi, w.xs, w.xz), qx = Array.from(xi, (v) => quant(v, xs, xz));
    for (let o = 0; o < f; o++) {
      const gi = Math.floor(o / fg);
      let qs = 0;
      for (let e = 0; e < w.cols; e++) qs += w.q[o * w.cols + e];
      for (let oy = 0; oy < oh; oy++) for (let ox = 0; ox < ow; ox++) {
        let acc = 0;
        for (let cc = 0; cc < cg; cc++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kw; kx++) {
          const iy = oy * (a.sh as number) - (a.padTop as number) + ky * (a.dh as number), ix = ox * (a.sw as number) - (a.padLeft as number) + kx * (a.dw as number);
          const v = iy >= 0 && iy < h && ix >= 0 && ix < wd ? qx[(gi * cg + cc) * h * wd + iy * wd + ix] : xz;
          acc += v * w.q[((o * cg + cc) * kh + ky) * kw + kx];
        }
        y[((i * f + o) * oh + oy) * ow + ox] = epilogue(acc, qs, xs, xz, w.scales[o], b[o], a.act as number, a.actA as number, a.actB as number);
      }
    }
  }
  return { data: y, shape: [n, f, oh, ow] };
}

/** The graph as read back from its file, evaluated with int8 Gemm/Conv by the oracle and every other node by ir-eval. */
function evalInt8(g: Graph, feed: Value): Float32Array {
  const vals = new Map<string, Value>([[g.inputs[0], feed]]);
  for (const [name, t] of g.tensors) if (t.data) vals.set(name, { data: t.data, shape: t.shape });
  for (const n of g.nodes) {
    const w = g.tensors.get(n.inputs[1]);
    let v: Value;
    if ((n.op === "Gemm" || n.op === "Conv") && w?.encoding === "int8") {
      const x = vals.get(n.inputs[0])!, b = vals.get(n.inputs[2])!.data;
      if (n.op === "Gemm") v = refGemm(x, qOf(w), b, n.attrs);
      else {
        const [f, , kh, kw] = w.shape, a = n.attrs, H = x.shape[2], W = x.shape[3];
        const oh = Math.floor((H + (a.padTop as number) + (a.padBottom as number) - ((kh - 1) * (a.dh as number) + 1)) / (a.sh as number)) + 1;
        const ow = Math.floor((W + (a.padLeft as number) + (a.padRight as number) - ((kw - 1) * (a.dw as number) + 1)) / (a.sw as number)) + 1;
        v = refConv(x, qOf(w), w.shape, b, a, [x.shape[0], f, oh, ow]);
      }
    } else {
      const one: Graph = { name: "n", inputs: n.inputs.filter((i) => !g.tensors.get(i)!.data), outputs: n.outputs, nodes: [n], batchDynamic: g.batchDynamic,
        tensors: new Map([...n.inputs, ...n.outputs].map((i) => [i, g.tensors.get(i)!])) };
      v = evalGraph(one, Object.fromEntries(one.inputs.map((i) => [i, vals.get(i)!])))[n.outputs[0]];
    }
    vals.set(n.outputs[0], v);
  }
  return vals.get(g.outputs[0])!.data;
}

// ---- file helpers ----

const gemm = (w: Tensor, op: "Gemm" | "MatMul" = "Gemm"): Graph => ({
  name: "g", inputs: ["x"], outputs: ["y"], batchDynamic: false,
  tensors: new Map<string, Tensor>([["x", { name: "x", shape: [1, w.shape[1]] }], ["w", w], ["b", { name: "b", shape: [w.shape[0]], data: randn(w.shape[0]) }],
    ["y", { name: "y", shape: [1, op === "Gemm" ? w.shape[0] : w.shape[1]] }]]),
  nodes: [op === "Gemm" ? { op, name: "fc", inputs: ["x", "w", "b"], outputs: ["y"], attrs: { act: 0, actA: 0, actB: 0 } }
    : { op, name: "mm", inputs: ["x", "w"], outputs: ["y"], attrs: {} }],
});
/** Exact int8 weights: q·scale with the given scales. */
function exactW(rows: number, cols: number, withScales = true): Tensor {
  const scales = Float32Array.from({ length: rows }, () => fr(0.001 + rand() * 0.05));
  const data = Float32Array.from({ length: rows * cols }, (_, i) => fr(Math.round(rand() * 254 - 127) * scales[Math.floor(i / cols)]));
  return { name: "w", shape: [rows, cols], data, encoding: "int8", ...(withScales ? { scales } : {}) };
}

async function rejectsBoth(b: Uint8Array, re: RegExp, label: string): Promise<void> {
  assert.throws(() => readSlim(b), (e: unknown) => (e instanceof FormatError && re.test(e.message)) || assert.fail(`${label} TS: ${(e as Error).message}`));
  for (const simd of [true, false])
    await assert.rejects(Model.load(b, { simd }), (e: Error) => re.test(e.message) || assert.fail(`${label} runtime (simd ${simd}): ${e.message}`));
}

describe("int8 format", () => {
  it("writer: layout bytes, exact scales kept, inputQuant, byte-identical round trip", () => {
    const w = { ...exactW(5, 19), inputQuant: { scale: 0.02, zeroPoint: 17 } };
    const b = writeSlim(gemm(w)), at = sectionAt(b, "WGTS"), rec = sectionAt(b, "TENS") + 4 + 48, dv = new DataView(b.buffer);
    assert.equal(b[rec + 7], 2);
    assert.equal(dv.getUint32(rec + 36, true), 16 + 4 * 5 + 95);
    const p = at + dv.getUint32(rec + 32, true);
    assert.equal(dv.getFloat32(p, true), fr(0.02));
    assert.equal(dv.getUint32(p + 4, true), 17);
    for (let r = 0; r < 5; r++) assert.equal(dv.getFloat32(p + 16 + 4 * r, true), w.scales![r]);
    for (let i = 0; i < 95; i++) assert.equal(fr(dv.getInt8(p + 36 + i) * w.scales![Math.floor(i / 19)]), w.data![i]);
    const g = readSlim(b), t = g.tensors.get("w")!;
    assert.equal(t.encoding, "int8");
    assert.deepEqual(t.data, w.data);
    assert.deepEqual(t.scales, w.scales);
    assert.deepEqual(t.inputQuant, { scale: fr(0.02), zeroPoint: 17 });
    assert.deepEqual(writeSlim(g), b);
    // dynamic: no inputQuant read back
    const d = writeSlim(gemm(exactW(3, 4)));
    assert.equal(readSlim(d).tensors.get("w")!.inputQuant, undefined);
    assert.deepEqual(writeSlim(readSlim(d)), d);
  });

  it("writer: derived scales max|row|/127 (zero row: 1), rounding half to even", () => {
    // Row 0: scale 31.75/127 = 0.25 exactly, so 0.125, 0.375, −0.625 are ties (q 0, 2, −2).
    const data = Float32Array.from([31.75, 0.125, 0.375, -0.625, 0.3, 0, 0, 0, 0, 0]);
    const g = readSlim(writeSlim(gemm({ name: "w", shape: [2, 5], data, encoding: "int8" }))), t = g.tensors.get("w")!;
    assert.deepEqual([...t.scales!], [0.25, 1]);
    assert.deepEqual([...t.data!], [31.75, 0, 0.5, -0.5, 0.25, 0, 0, 0, 0, 0]);
  });

  it("writer refuses what §3.7 cannot hold, naming the tensor", () => {
    const w = exactW(3, 5);
    w.data![7] = fr(w.data![7] + 1e-4);
    assert.throws(() => writeSlim(gemm(w)), (e: Error) => e instanceof SlimnetError && /tensor "w": element 7 \(row 1\) .* is not q·scale/.test(e.message));
    const big = exactW(2, 3);
    big.data![0] = fr(128 * big.scales![0]);
    assert.throws(() => writeSlim(gemm(big)), /tensor "w": element 0 .*\|q\| ≤ 127/);
    assert.throws(() => writeSlim(gemm({ ...exactW(2, 3), scales: Float32Array.of(1, 0) })), /tensor "w"/);
    for (const iq of [{ scale: -1, zeroPoint: 0 }, { scale: 0.1, zeroPoint: 256 }, { scale: 0, zeroPoint: 3 }, { scale: NaN, zeroPoint: 0 }, { scale: 0.1, zeroPoint: 1.5 }])
      assert.throws(() => writeSlim(gemm({ ...exactW(2, 3), inputQuant: iq })), /tensor "w": inputQuant/);
    const g = gemm(exactW(2, 3));
    g.tensors.set("b", { name: "b", shape: [2], data: randn(2), encoding: "int8" });
    assert.throws(() => writeSlim(g), /tensor "b": int8 needs rank ≥ 2/);
  });

  it("both readers reject every §3.7 rule, and an int8 tensor read other than as Gemm/Conv W", async () => {
    const good = writeSlim(gemm({ ...exactW(3, 5), inputQuant: { scale: 0.1, zeroPoint: 9 } }));
    const dyn = writeSlim(gemm(exactW(3, 5)));
    const rec = sectionAt(good, "TENS") + 4 + 48;
    const data = (b: Uint8Array) => sectionAt(b, "WGTS") + new DataView(b.buffer).getUint32(rec + 32, true);
    const set32 = (b: Uint8Array, o: number, v: number) => new DataView(b.buffer).setUint32(o, v, true);
    const setF = (b: Uint8Array, o: number, v: number) => new DataView(b.buffer).setFloat32(o, v, true);
    const cases: [string, Uint8Array, (b: Uint8Array) => void, RegExp][] = [
      ["rank", good, (b) => { b[rec + 6] = 1; set32(b, rec + 12, 0); }, /section "TENS" at offset 0x[0-9a-f]+: tensor 1 "w": int8 needs rank ≥ 2, got 1/],
      ["param", good, (b) => set32(b, rec + 40, 1), /section "TENS" .*tensor 1 "w": param 1, expected 0 for int8/],
      ["byteLength", good, (b) => set32(b, rec + 36, 16 + 12 + 14), /section "TENS" .*tensor 1 "w": byteLength 42, expected 43 for int8/],
      ["xScale NaN", good, (b) => setF(b, data(b), NaN), /section "WGTS" .*tensor 1 "w": int8 xScale .* is not finite and ≥ 0/],
      ["xScale < 0", good, (b) => setF(b, data(b), -0.5), /tensor 1 "w": int8 xScale .* is not finite and ≥ 0/],
      ["xScale inf", good, (b) => setF(b, data(b), Infinity), /tensor 1 "w": int8 xScale .* is not finite and ≥ 0/],
      ["xZero > 255", good, (b) => set32(b, data(b) + 4, 256), /section "WGTS" .*tensor 1 "w": int8 xZero 256 exceeds 255/],
      ["xZero dynamic", dyn, (b) => set32(b, data(b) + 4, 5), /tensor 1 "w": int8 xZero 5 with xScale 0 \(dynamic\), expected 0/],
      ["reserved 8", good, (b) => set32(b, data(b) + 8, 1), /tensor 1 "w": int8 reserved word at \+8 is 1, expected 0/],
      ["reserved 12", good, (b) => set32(b, data(b) + 12, 7), /tensor 1 "w": int8 reserved word at \+12 is 7, expected 0/],
      ["scale 0", good, (b) => setF(b, data(b) + 20, 0), /section "WGTS" .*tensor 1 "w": int8 scale 1 \(.*\) is not finite and > 0/],
      ["scale < 0", good, (b) => setF(b, data(b) + 16, -1), /tensor 1 "w": int8 scale 0 \(.*\) is not finite and > 0/],
      ["scale NaN", good, (b) => setF(b, data(b) + 24, NaN), /tensor 1 "w": int8 scale 2 \(.*\) is not finite and > 0/],
      ["q = -128", good, (b) => { b[data(b) + 28 + 6] = 0x80; }, /section "WGTS" .*tensor 1 "w": int8 weight 6 is -128, expected -127..127/],
    ];
    for (const [label, b0, edit, re] of cases) {
      const b = b0.slice();
      edit(b);
      await rejectsBoth(fixCrcs(b), re, label);
    }
    // Offsets: the same field in both readers.
    const b = good.slice();
    new DataView(b.buffer).setUint32(data(b) + 4, 300, true);
    fixCrcs(b);
    const off = (m: string) => /offset (0x[0-9a-f]+)/.exec(m)![1];
    const ts = (() => { try { readSlim(b); } catch (e) { return (e as Error).message; } return ""; })();
    const rt = await Model.load(b).then(() => "", (e: Error) => e.message);
    assert.equal(off(ts), off(rt));
    assert.equal(off(ts), "0x" + (data(b) + 4).toString(16));
    // Tag 2 only as input 1 of Gemm/Conv.
    const mm = writeSlim(gemm({ ...exactW(5, 3), name: "w" }, "MatMul"));
    await rejectsBoth(mm, /node .*"?mm"? \(MatMul\): input 1 "w" is int8; only Gemm and Conv read it as W/, "MatMul W");
  });
});

// ---- kernels ----

describe("int8 kernels: SIMD and scalar builds vs their twins and the §3.7 formula", () => {
  let builds: [KernelWasm, KernelWasm];
  before(async () => { builds = await bothBuilds(); });

  it("f32-qu8-vcvt and the dynamic parameters (ties to even, clamp, NaN, ±Inf)", () => {
    for (const kw of builds) {
      for (const n of [1, 15, 16, 17, 100]) {
        const x = Float32Array.from({ length: n }, (_, i) => i % 7 === 0 ? fr(i * 0.25 + 0.125) : i % 11 === 3 ? [NaN, Infinity, -Infinity, 1e30][i % 4] : fr((rand() - 0.3) * 40));
        for (const [s, z] of [[0.25, 0], [0.5, 128], [0.1, 255], [3, 7]]) {
          kw.reset();
          const px = kw.put(x), q = kw.alloc(n);
          for (const fn of ["f32Qu8Vcvt", "refQu8Vcvt"]) {
            kw.k[fn](n, px, q, s, z);
            const got = new Uint8Array(kw.k.memory.buffer, q, n);
            x.forEach((v, i) => assert.equal(got[i], quant(v, s, z), `${fn} n=${n} s=${s} z=${z} x[${i}]=${v}`));
          }
        }
        const finite = x.map((v) => (Number.isFinite(v) ? v : 0));
        for (const xs of [finite, finite.map((v) => Math.abs(v)), finite.map((v) => -Math.abs(v) - 1), new Float32Array(n)]) {
          kw.reset();
          const px = kw.put(xs), out = kw.alloc(2);
          for (const fn of ["f32Qu8Params", "refQu8Params"]) {
            kw.k[fn](n, px, out);
            const [es, ez] = params(xs, 0, 0);
            assert.equal(kw.view(out, 1)[0], es, fn);
            assert.equal(new Int32Array(kw.k.memory.buffer, out + 4, 1)[0], ez, fn);
          }
        }
      }
    }
  });

  it("qs8-gemv / qs8-gemm: odd shapes, K not a multiple of 16, all acts, static and per-row dynamic", () => {
    for (const [bi, kw] of builds.entries()) for (const [m, n, k] of [[1, 1, 1], [1, 9, 17], [2, 4, 16], [3, 7, 33], [5, 13, 100], [4, 8, 500], [1, 30, 785], [7, 3, 40], [9, 1, 25], [12, 6, 64]]) {
      const kp = (k + 15) & ~15;
      for (const act of [0, 1, 2, 3]) for (const dynamic of [false, true]) {
        kw.reset();
        const q = new Int8Array(n * kp);
        for (let r = 0; r < n; r++) for (let c = 0; c < k; c++) q[r * kp + c] = Math.round(rand() * 254 - 127);
        const qa = new Uint8Array(m * kp).map(() => Math.floor(rand() * 256)); // padding bytes arbitrary: W pads are 0
        const xq = new Float32Array(2 * m), xqi = new Int32Array(xq.buffer);
        for (let i = 0; i < m; i++) { xq[2 * i] = fr(dynamic ? 0.001 + rand() * 0.1 : 0.05); xqi[2 * i + 1] = dynamic ? Math.floor(rand() * 256) : 128; }
        const scale = Float32Array.from({ length: n }, () => fr(0.001 + rand() * 0.02)), b = randn(n);
        const rowSum = Int32Array.from({ length: n }, (_, r) => q.subarray(r * kp, r * kp + k).reduce((s, v) => s + v, 0));
        const bytes = (u: Uint8Array | Int8Array) => { const p = kw.alloc(Math.ceil(u.length / 4) + 4); new Uint8Array(kw.k.memory.buffer, p, u.length).set(new Uint8Array(u.buffer, u.byteOffset, u.length)); return p; };
        const pa = bytes(qa), pw = bytes(q), prs = bytes(new Uint8Array(rowSum.buffer)), psc = kw.put(scale), pxq = kw.put(xq), pb = kw.put(b);
        const [aA, aB] = act === 2 ? [-0.5, 0.7] : [0.1, 0];
        const expect = (i: number, r: number) => {
          let acc = 0;
          for (let c = 0; c < k; c++) acc += qa[i * kp + c] * q[r * kp + c];
          return epilogue(acc, rowSum[r], xq[2 * i], xqi[2 * i + 1], scale[r], b[r], act, fr(aA), fr(aB));
        };
        for (const fn of ["qs8Gemm", "refQs8Gemm"]) {
          // Conv-style output [n, m] (ym 1, yn m) and Gemm-style [m, n].
          // Static: one shared [xScale, xZero] (stride 0, as Conv passes it) too.
          for (const [ym, yn] of [[n, 1], [1, m]]) for (const stride of dynamic ? [8] : [8, 0]) {
            const y = kw.alloc(m * n);
            kw.k[fn](m, n, kp, pa, pw, prs, psc, pxq, stride, pb, y, ym, yn, act, aA, aB);
            const got = kw.read(y, m * n);
            for (let i = 0; i < m; i++) for (let r = 0; r < n; r++)
              assert.ok(Object.is(got[i * ym + r * yn] + 0, expect(i, r) + 0), `${bi ? "scalar" : "simd"} ${fn} ${m}x${n}x${k} act ${act} dyn ${dynamic} [${i},${r}] ${got[i * ym + r * yn]} vs ${expect(i, r)}`);
          }
        }
        for (const fn of ["qs8Gemv", "refQs8Gemv"]) {
          const y = kw.alloc(n);
          kw.k[fn](n, kp, pa, pw, prs, psc, xq[0], xqi[1], pb, y, 1, act, aA, aB);
          kw.read(y, n).forEach((v, r) => assert.ok(Object.is(v + 0, expect(0, r) + 0), `${fn} ${n}x${k} [${r}]`));
        }
      }
    }
  });

  it("x8-im2col: pads read as the zero point, strides, dilations", () => {
    for (const kw of builds) for (const [c, h, w, kh, kwd, s, d, p] of [[1, 28, 28, 5, 5, 1, 1, 0], [3, 7, 9, 3, 3, 2, 1, 1], [2, 10, 6, 3, 2, 1, 2, 2], [20, 12, 12, 5, 5, 1, 1, 0], [2, 9, 14, 3, 9, 1, 1, 2], [1, 6, 6, 3, 3, 1, 1, 3]]) {
      kw.reset();
      const oh = Math.floor((h + 2 * p - (kh - 1) * d - 1) / s) + 1, ow = Math.floor((w + 2 * p - (kwd - 1) * d - 1) / s) + 1, K = c * kh * kwd, kp = (K + 22) & ~15; // ≥ K + 7 (decode/int8.ts)
      const x = new Uint8Array(c * h * w).map(() => Math.floor(rand() * 256)), z = 77;
      const px = kw.alloc(Math.ceil(x.length / 4) + 4), out = kw.alloc((oh * ow * kp) / 4 + 4);
      new Uint8Array(kw.k.memory.buffer, px, x.length).set(x);
      const rows = Math.max(1, oh - 1); // a block not starting at row 0 too
      for (const oy0 of [0, oh - rows]) {
        kw.k.x8Im2col(c, h, w, kh, kwd, s, s, d, d, p, p, oy0, rows, ow, px, z, out, kp);
        const got = new Uint8Array(kw.k.memory.buffer, out, rows * ow * kp);
        for (let oy = oy0; oy < oy0 + rows; oy++) for (let ox = 0; ox < ow; ox++) for (let cc = 0; cc < c; cc++) for (let ky = 0; ky < kh; ky++) for (let kx = 0; kx < kwd; kx++) {
          const iy = oy * s - p + ky * d, ix = ox * s - p + kx * d;
          const want = iy >= 0 && iy < h && ix >= 0 && ix < w ? x[cc * h * w + iy * w + ix] : z;
          assert.equal(got[((oy - oy0) * ow + ox) * kp + (cc * kh + ky) * kwd + kx], want);
        }
      }
    }
  });
});

// ---- whole models ----

const testSet = loadImageSet("mnist", "test");
const images = (from: number, n: number) => testSet.images.subarray(from * 784, (from + n) * 784);

/** Input min/max of every Gemm/Conv over `n` images, from the f32 model with those inputs as extra outputs. */
async function calibrate(g: Graph, n: number): Promise<Map<string, [number, number]>> {
  const wanted = [...new Set(g.nodes.filter((x) => x.op === "Gemm" || x.op === "Conv").map((x) => x.inputs[0]))];
  const model = await Model.load(writeSlim({ ...g, outputs: [...g.outputs, ...wanted.filter((w) => !g.outputs.includes(w))] }));
  const inp = model.inputs[0], feed = { [inp.name]: { data: images(0, n), shape: [n, ...inp.shape.slice(1)] } };
  const out = model.run(feed), range = new Map<string, [number, number]>();
  for (const w of wanted) {
    const d = w === inp.name ? feed[inp.name].data : out[w].data;
    range.set(w, [Math.min(0, ...d), Math.max(0, ...d)]);
  }
  return range;
}

async function int8Model(file: string, mode: "static" | "dynamic"): Promise<{ f32: Graph; q: Graph }> {
  const f32 = importOnnx(readFileSync(`data/models/${file}.onnx`)), g = importOnnx(readFileSync(`data/models/${file}.onnx`));
  const range = mode === "static" ? await calibrate(f32, 20) : undefined;
  for (const n of g.nodes) if (n.op === "Gemm" || n.op === "Conv") {
    const t = g.tensors.get(n.inputs[1])!;
    t.encoding = "int8";
    if (range) {
      const [lo, hi] = range.get(n.inputs[0])!, scale = fr((hi - lo) / 255);
      t.inputQuant = { scale, zeroPoint: Math.min(255, roundEven(-lo / scale)) };
    }
  }
  return { f32, q: g };
}

function accuracy(model: Model, from: number, n: number): number {
  const inp = model.inputs[0], batch = 100;
  let right = 0;
  for (let i = from; i < from + n; i += batch) {
    const y = model.run({ [inp.name]: { data: images(i, batch), shape: [batch, ...inp.shape.slice(1)] } })[model.outputs[0].name].data;
    for (let b = 0; b < batch; b++) {
      const row = y.subarray(b * 10, b * 10 + 10);
      if (row.indexOf(Math.max(...row)) === testSet.labels[i + b]) right++;
    }
  }
  return right / n;
}

describe("int8 LeNets in the runtime", () => {
  for (const file of ["lenet300", "lenet5"]) for (const mode of ["static", "dynamic"] as const) {
    it(`${file} ${mode}: runtime = TypeScript integer arithmetic (SIMD, scalar, batch 1 and 3), round trip, accuracy`, async () => {
      const { f32, q } = await int8Model(file, mode);
      const bytes = writeSlim(q), read = readSlim(bytes);
      assert.deepEqual(writeSlim(read), bytes);
      const f32Bytes = writeSlim(f32);
      console.log(`${file} ${mode}: ${f32Bytes.length} → ${bytes.length} B`);
      for (const simd of [true, false]) {
        const m = await Model.load(bytes, { simd }), inp = m.inputs[0];
        for (const [from, batch] of [[0, 1], [5, 3], [40, 1]]) {
          const feed = { data: Float32Array.from(images(from, batch)), shape: [batch, ...inp.shape.slice(1)] };
          const got = m.run({ [inp.name]: feed })[m.outputs[0].name].data, want = evalInt8(read, feed);
          want.forEach((v, i) => assert.ok(Math.abs(got[i] - v) <= 1e-5 * Math.max(1, Math.abs(v)), `simd ${simd} [${from}+${batch}] y[${i}] ${got[i]} vs ${v}`));
        }
      }
      if (file === "lenet5") {
        const n = 2000, a8 = accuracy(await Model.load(bytes), 0, n), a32 = accuracy(await Model.load(f32Bytes), 0, n);
        console.log(`lenet5 ${mode} accuracy on ${n}: int8 ${(100 * a8).toFixed(2)} %, f32 ${(100 * a32).toFixed(2)} %`);
        assert.ok(Math.abs(a8 - a32) <= 0.003, `int8 ${a8} vs f32 ${a32}`);
      }
    });
  }
});

// trainer.wasm: backward kernels and hooks against central finite differences (f32 forward runs
// of the same module, eps 1e-3: a gradient bug gives errors of order 1, rounding ~1e-4), loss
// kernels against JS formulas, optimizer steps against hand-computed values, and the trainer's
// forward against runtime.simd.wasm on the same file: bit-identical (the same kernels run).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { GraphBuilder } from "../src/ir/build.js";
import { writeSlim } from "../src/format/writer.js";
import type { Graph } from "../src/ir/graph.js";

type Fn = (...a: number[]) => number;
type Ex = Record<string, Fn> & { memory: WebAssembly.Memory };
const trainerBytes = readFileSync(new URL("../dist/trainer.wasm", import.meta.url));
const runtimeBytes = readFileSync(new URL("../dist/runtime.simd.wasm", import.meta.url));

let seed = 12345;
const rand = () => { seed = (seed * 1103515245 + 12345) >>> 0; return seed / 2 ** 32; };
const randn = (n: number, away = 0) => Float32Array.from({ length: n }, () => {
  const v = Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  return away ? Math.sign(v || 1) * (away + Math.abs(v)) : v; // keep off kinks at 0
});
const numel = (s: number[]) => s.reduce((a, b) => a * b, 1);

class Wasm {
  ex: Ex;
  constructor(bytes: Uint8Array<ArrayBuffer>) { this.ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as Ex; }
  f32(ptr: number, n: number) { return new Float32Array(this.ex.memory.buffer, ptr, n); }
  i32(ptr: number, n: number) { return new Int32Array(this.ex.memory.buffer, ptr, n); }
  error() { return new TextDecoder().decode(new Uint8Array(this.ex.memory.buffer, this.ex.errorPtr(), this.ex.errorLen())); }
  check(rc: number, what: string) { assert.equal(rc, 0, `${what}: ${this.error()}`); }
  open(slim: Uint8Array, train: boolean) {
    const at = this.ex.reserve(slim.length);
    new Uint8Array(this.ex.memory.buffer, at, slim.length).set(slim);
    this.check(this.ex.load(slim.length, 1 << 26, 1 << 30), "load");
    this.check(this.ex.plan(1), "plan");
    if (train) this.check(this.ex.trainPlan(), "trainPlan");
  }
  put(data: Float32Array) { const p = this.ex.alloc(data.length * 4); this.f32(p, data.length).set(data); return p; }
}

/** A graph loaded into trainer.wasm with every tensor id by name. */
class Net {
  w = new Wasm(trainerBytes);
  ids = new Map<string, number>();
  constructor(readonly g: Graph, readonly slim = writeSlim(g, { training: true })) {
    this.w.open(slim, true);
    [...g.tensors.keys()].forEach((k, i) => this.ids.set(k, i));
  }
  size(name: string) { return numel(this.g.tensors.get(name)!.shape); }
  data(name: string) { return this.w.f32(this.w.ex.tensorData(this.ids.get(name)!), this.size(name)); }
  grad(name: string) { return this.w.f32(this.w.ex.gradData(this.ids.get(name)!), this.size(name)); }
}

/** Inputs set, one forward run; returns L = Σ_outputs Σ y·R_out (f64). */
function lossOf(net: Net, inputs: Map<string, Float32Array>, R: Map<string, Float32Array>): number {
  for (const [k, v] of inputs) net.data(k).set(v);
  net.w.check(net.w.ex.run(), "run");
  let L = 0;
  for (const [k, r] of R) { const y = net.data(k); for (let i = 0; i < r.length; i++) L += y[i] * r[i]; }
  return L;
}

/**
 * Checks dL/dt for every input and constant t of the graph (at most 24 sampled elements each)
 * against central differences. `away` keeps random inputs that far from the kinks at 0.
 */
function gradCheck(g: Graph, opts: { away?: number; eps?: number; tol?: number; training?: boolean; skip?: string[] } = {}) {
  const net = new Net(g);
  const { eps = 1e-3, tol = 5e-3 } = opts;
  net.w.ex.setInputGrads(1);
  net.w.ex.setTraining(opts.training ? 1 : 0);
  const inputs = new Map(g.inputs.map((k) => [k, randn(net.size(k), opts.away ?? 0)]));
  const R = new Map(g.outputs.map((k) => [k, randn(net.size(k))]));
  lossOf(net, inputs, R);
  for (const [k, r] of R) net.grad(k).set(r);
  net.w.check(net.w.ex.backward(), "backward");
  const names = [...g.tensors.values()].filter((t) => t.data || g.inputs.includes(t.name)).map((t) => t.name)
    .filter((k) => !(opts.skip ?? []).includes(k));
  for (const name of names) {
    const got = net.grad(name).slice(), n = got.length;
    const idx = n <= 24 ? [...Array(n).keys()] : Array.from({ length: 24 }, () => Math.floor(rand() * n));
    for (const i of idx) {
      const read = () => (inputs.has(name) ? inputs.get(name)! : net.data(name));
      const v = read()[i];
      read()[i] = v + eps; const lp = lossOf(net, inputs, R);
      read()[i] = v - eps; const lm = lossOf(net, inputs, R);
      read()[i] = v;
      const fd = (lp - lm) / (2 * eps);
      assert.ok(Math.abs(fd - got[i]) <= tol * Math.max(1, Math.abs(fd)),
        `d/d${name}[${i}]: backward ${got[i]}, finite difference ${fd}`);
    }
  }
  return net;
}

/** One-node graph: X inputs (shapes), constants, node, output. */
function one(op: string, xs: number[][], consts: number[][], attrs: Record<string, unknown> = {}, away = 0): Graph {
  const b = new GraphBuilder();
  const ins = xs.map((s, i) => b.input(`x${i}`, s));
  const cs = consts.map((s, i) => b.constant(`c${i}`, s, randn(numel(s), away)));
  const y = b.node(op as never, [...ins, ...cs], attrs as never);
  return b.build(op, [y], false);
}

test("Gemm: dX, dW, dB for every fused act, odd sizes, M = 1 (GEMV) and M = 7", () => {
  for (const [act, actA, actB] of [[0, 0, 0], [1, 0, 0], [2, -0.5, 0.7], [3, 0.2, 0]]) {
    for (const [m, k, n] of [[1, 9, 5], [7, 13, 11], [6, 16, 8]]) {
      gradCheck(one("Gemm", [[m, k]], [[n, k], [n]], { act, actA, actB }));
    }
  }
});

test("MatMul: 2-D, batched with broadcasting, both operands activations", () => {
  gradCheck(one("MatMul", [[5, 7]], [[7, 9]]));
  gradCheck(one("MatMul", [[2, 3, 5, 7]], [[7, 4]]));
  gradCheck(one("MatMul", [[3, 1, 5, 6], [2, 6, 3]], []));
  gradCheck(one("MatMul", [[2, 9, 8], [2, 8, 11]], []));
});

test("activations: Relu, LeakyRelu, Clip, Sigmoid, Tanh, HardSigmoid, HardSwish, PRelu", () => {
  const s = [[3, 7]];
  gradCheck(one("Relu", s, []), { away: 0.05 });
  gradCheck(one("LeakyRelu", s, [], { alpha: 0.1 }), { away: 0.05 });
  gradCheck(one("Clip", s, [], { min: -0.6, max: 0.8 }));
  gradCheck(one("Sigmoid", s, []));
  gradCheck(one("Tanh", s, []));
  gradCheck(one("HardSigmoid", s, [], { alpha: 0.2, beta: 0.5 }));
  gradCheck(one("HardSwish", [[2, 9]], []), { away: 0.05 });
  gradCheck(one("PRelu", [[2, 3, 4]], [[3, 1]]), { away: 0.05 });
});

test("Add/Sub/Mul/Div with broadcasting (gradients summed over broadcast axes)", () => {
  for (const op of ["Add", "Sub", "Mul", "Div"]) {
    gradCheck(one(op, [[2, 3, 5], [2, 3, 5]], []), { away: op === "Div" ? 0.5 : 0 });
    gradCheck(one(op, [[2, 3, 5]], [[3, 1]]), { away: op === "Div" ? 0.5 : 0 });
    gradCheck(one(op, [[4, 1, 5], [3, 1]], []), { away: op === "Div" ? 0.5 : 0 });
    gradCheck(one(op, [[1]], [[2, 3]]), { away: op === "Div" ? 0.5 : 0 });
  }
});

test("a tensor read twice gets the sum of both gradients (x·x, x + x)", () => {
  for (const op of ["Mul", "Add"]) {
    const b = new GraphBuilder();
    const x = b.input("x", [2, 5]);
    gradCheck(b.build("twice", [b.node(op as never, [x, x])], false));
  }
});

test("Concat, Reshape, Transpose, Pad (every mode)", () => {
  gradCheck(one("Concat", [[2, 3, 4], [2, 1, 4], [2, 2, 4]], [], { axis: 1 }));
  gradCheck(one("Reshape", [[2, 3, 4]], [], { shape: [6, 4] }));
  gradCheck(one("Transpose", [[2, 3, 4, 5]], [], { perm: [0, 3, 1, 2] }));
  gradCheck(one("Transpose", [[3, 1, 4]], [], { perm: [2, 1, 0] }));
  for (const mode of [0, 1, 2, 3]) gradCheck(one("Pad", [[2, 4, 5]], [], { mode, value: 0.5, pads: [0, 1, 2, 1, 2, 3] }));
});

test("Softmax / LogSoftmax: last axis, inner axis, toEnd", () => {
  for (const op of ["Softmax", "LogSoftmax"]) {
    gradCheck(one(op, [[3, 7]], [], { axis: 1, toEnd: 0 }));
    gradCheck(one(op, [[2, 5, 3]], [], { axis: 1, toEnd: 0 }));
    gradCheck(one(op, [[2, 3, 4]], [], { axis: 1, toEnd: 1 }));
  }
});

test("ChannelAffine, GlobalAveragePool, GlobalMaxPool", () => {
  gradCheck(one("ChannelAffine", [[2, 3, 4, 5]], [[3], [3]]));
  gradCheck(one("GlobalAveragePool", [[2, 3, 4, 5]], []));
  gradCheck(one("GlobalMaxPool", [[2, 3, 3, 5]], []));
});

test("BatchNormalization: training (batch statistics) and inference-mode gradients; running stats", () => {
  const bn = (s: number[]) => {
    const b = new GraphBuilder(), c = s[1];
    const x = b.input("x", s);
    const p = ["scale", "bias"].map((k) => b.constant(k, [c], randn(c)));
    const mean = b.constant("mean", [c], randn(c)), v = b.constant("var", [c], Float32Array.from({ length: c }, () => 0.5 + rand()));
    return b.build("bn", [b.node("BatchNormalization", [x, ...p, mean, v], { epsilon: 1e-5, momentum: 0.9 })], false);
  };
  gradCheck(bn([4, 3, 2, 3]), { training: true, skip: ["mean", "var"], tol: 1e-2 });
  gradCheck(bn([3, 5]), { training: true, skip: ["mean", "var"], tol: 1e-2 });
  gradCheck(bn([2, 3, 2, 2]), { training: false, skip: ["mean", "var"] });
  // running statistics after one training forward: 0.9·old + 0.1·batch (variance unbiased)
  const net = new Net(bn([4, 2, 3, 1]));
  const x = randn(24), m0 = net.data("mean").slice(), v0 = net.data("var").slice();
  net.data("x").set(x);
  net.w.ex.setTraining(1);
  net.w.check(net.w.ex.run(), "run");
  for (let c = 0; c < 2; c++) {
    const vals = [0, 1, 2, 3].flatMap((n) => [0, 1, 2].map((j) => x[n * 6 + c * 3 + j]));
    const mu = vals.reduce((a, b) => a + b, 0) / 12, va = vals.reduce((a, b) => a + (b - mu) ** 2, 0) / 11;
    assert.ok(Math.abs(net.data("mean")[c] - (0.9 * m0[c] + 0.1 * mu)) < 1e-5);
    assert.ok(Math.abs(net.data("var")[c] - (0.9 * v0[c] + 0.1 * va)) < 1e-5);
  }
});

test("Dropout: inverted mask (seeded, reproducible), gradient through the kept mask; identity when not training", () => {
  const b = new GraphBuilder();
  const x = b.input("x", [4, 50]);
  const w = b.constant("w", [3, 50], randn(150));
  const d = b.node("Dropout", [x], { ratio: 0.3, seed: 7 });
  const g = b.build("drop", [b.node("Gemm", [d, w, b.constant("b", [3], randn(3))], { act: 0, actA: 0, actB: 0 })], false);
  const net = gradCheckDropout(g);
  const y = net.data(d), xs = net.data("x");
  let dropped = 0;
  for (let i = 0; i < 200; i++) {
    if (y[i] === 0) dropped++;
    else assert.ok(Math.abs(y[i] - xs[i] / 0.7) < 1e-5 * Math.max(1, Math.abs(y[i])));
  }
  assert.ok(dropped > 30 && dropped < 90, `dropped ${dropped} of 200 at ratio 0.3`);
  const again = new Net(g);
  again.data("x").set(xs);
  again.w.ex.setTraining(1);
  again.w.check(again.w.ex.run(), "run");
  assert.deepEqual(again.data(d), y, "same seed, same mask");
  again.w.ex.setTraining(0);
  again.w.check(again.w.ex.run(), "run");
  assert.deepEqual(again.data(d), again.data("x"), "inference: identity");
});

/** Finite differences through a dropout node with the mask frozen: reseeding each run would
 *  change the mask, so the check compares dX with dY·mask computed from the forward output. */
function gradCheckDropout(g: Graph): Net {
  const net = new Net(g);
  net.w.ex.setInputGrads(1);
  net.w.ex.setTraining(1);
  const x = randn(200, 0.1);
  net.data("x").set(x);
  net.w.check(net.w.ex.run(), "run");
  const d = g.nodes[0].outputs[0], y = net.data(d).slice();
  const out = g.outputs[0], r = randn(net.size(out));
  net.grad(out).set(r);
  net.w.check(net.w.ex.backward(), "backward");
  const dy = net.grad(d).slice(), dx = net.grad("x");
  for (let i = 0; i < 200; i++) assert.ok(Math.abs(dx[i] - dy[i] * (y[i] / x[i])) < 1e-4 * Math.max(1, Math.abs(dx[i])), `dropout dX[${i}]`);
  return net;
}

test("an MLP end to end (Gemm+Relu → Gemm → LogSoftmax), input gradients off by default", () => {
  const b = new GraphBuilder();
  const x = b.input("x", [5, 12]);
  const h = b.node("Gemm", [x, b.constant("w1", [9, 12], randn(108)), b.constant("b1", [9], randn(9))], { act: 1, actA: 0, actB: 0 });
  const z = b.node("Gemm", [h, b.constant("w2", [4, 9], randn(36)), b.constant("b2", [4], randn(4))], { act: 0, actA: 0, actB: 0 });
  const g = b.build("mlp", [b.node("LogSoftmax", [z], { axis: 1, toEnd: 0 })], false);
  gradCheck(g);
  const net = new Net(g);
  net.data("x").set(randn(60));
  net.w.check(net.w.ex.run(), "run");
  net.grad(g.outputs[0]).fill(1);
  net.w.check(net.w.ex.backward(), "backward");
  assert.ok(net.grad("x").every((v) => v === 0), "no input gradient unless setInputGrads(1)");
  assert.ok(net.grad("w1").some((v) => v !== 0));
});

test("trainer forward is bit-identical to runtime.simd.wasm (MLP, BN + Dropout in inference mode)", () => {
  const b = new GraphBuilder();
  const x = b.input("x", [3, 3, 4, 4]);
  const bn = b.node("BatchNormalization", [x, ...["s", "b", "m"].map((k) => b.constant(k, [3], randn(3))), b.constant("v", [3], Float32Array.of(0.5, 1, 2))], { epsilon: 1e-5, momentum: 0.9 });
  const f = b.node("Reshape", [b.node("Dropout", [bn], { ratio: 0.5, seed: 1 })], { shape: [3, 48] });
  const h = b.node("Gemm", [f, b.constant("w1", [37, 48], randn(37 * 48)), b.constant("b1", [37], randn(37))], { act: 1, actA: 0, actB: 0 });
  const y = b.node("Softmax", [b.node("Gemm", [h, b.constant("w2", [10, 37], randn(370)), b.constant("b2", [10], randn(10))], { act: 0, actA: 0, actB: 0 })], { axis: 1, toEnd: 0 });
  const g = b.build("fwd", [y], false);
  const slim = writeSlim(g, { training: true });
  const net = new Net(g, slim), rt = new Wasm(runtimeBytes);
  rt.open(slim, false);
  const input = randn(144);
  net.data("x").set(input);
  rt.f32(rt.ex.tensorData(0), 144).set(input);
  net.w.check(net.w.ex.run(), "trainer run");
  rt.check(rt.ex.run(), "runtime run");
  const id = net.ids.get(y)!;
  assert.deepEqual(net.data(y), rt.f32(rt.ex.tensorData(id), 30));
});

test("losses: softmax CE, distillation (α·T²·soft CE + (1−α)·CE) and mimic against JS formulas; weights add", () => {
  const w = new Wasm(trainerBytes);
  const n = 3, c = 5, T = 4, alpha = 0.7, weight = 0.5;
  const z = randn(n * c).map((v) => 2 * v), zt = randn(n * c).map((v) => 3 * v), labels = Int32Array.of(1, 4, 0);
  const soft = (row: ArrayLike<number>, t: number) => {
    const m = Math.max(...Array.from(row, (v) => v / t)), e = Array.from(row, (v) => Math.exp(v / t - m)), s = e.reduce((a, b) => a + b);
    return e.map((v) => v / s);
  };
  const pt = new Float32Array(n * c);
  for (let i = 0; i < n; i++) pt.set(soft(zt.subarray(i * c, i * c + c), T), i * c);
  const pz = w.put(z), pp = w.put(pt), pzt = w.put(zt), pd = w.put(new Float32Array(n * c).fill(0.25));
  const pl = w.ex.alloc(n * 4); w.i32(pl, n).set(labels);
  // JS reference of loss and gradient
  let ce = 0, kd = 0, mim = 0;
  const gce = new Float64Array(n * c), gkd = new Float64Array(n * c), gmim = new Float64Array(n * c);
  for (let i = 0; i < n; i++) {
    const row = z.subarray(i * c, i * c + c), q1 = soft(row, 1), qT = soft(row, T);
    ce += -Math.log(q1[labels[i]]) / n;
    let sce = 0;
    for (let j = 0; j < c; j++) {
      const p = pt[i * c + j];
      sce += -p * Math.log(qT[j]);
      gce[i * c + j] = (q1[j] - (j === labels[i] ? 1 : 0)) / n;
      gkd[i * c + j] = (alpha * T * (qT[j] - p) + (1 - alpha) * (q1[j] - (j === labels[i] ? 1 : 0))) / n;
      const e = row[j] - zt[i * c + j];
      mim += 0.5 * e * e / n;
      gmim[i * c + j] = e / n;
    }
    kd += (alpha * T * T * sce + (1 - alpha) * -Math.log(q1[labels[i]])) / n;
  }
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${what}: ${a} vs ${b}`);
  close(w.ex.lossSoftmaxCE(pz, pl, n, c, pd, weight), ce, "CE");
  w.f32(pd, n * c).forEach((v, i) => close(v, 0.25 + weight * gce[i], `dCE[${i}]`));
  w.f32(pd, n * c).fill(0);
  close(w.ex.lossDistill(pz, pp, pl, n, c, T, alpha, pd, 1), kd, "KD (T² factor)");
  w.f32(pd, n * c).forEach((v, i) => close(v, gkd[i], `dKD[${i}]`));
  // multi-loss: a second loss adds with its own weight
  w.ex.lossMimic(pz, pzt, n, c, pd, 2);
  w.f32(pd, n * c).forEach((v, i) => close(v, gkd[i] + 2 * gmim[i], `dKD + 2·dMimic [${i}]`));
  w.f32(pd, n * c).fill(0);
  close(w.ex.lossMimic(pz, pzt, n, c, pd, 1), mim, "mimic");
  // the KD gradient is the derivative of the KD loss (finite differences in the logits)
  for (const i of [0, 7, 14]) {
    const f = (d: number) => { w.f32(pz, n * c)[i] = z[i] + d; const l = w.ex.lossDistill(pz, pp, pl, n, c, T, alpha, pd, 0); w.f32(pz, n * c)[i] = z[i]; return l; };
    const fd = (f(1e-2) - f(-1e-2)) / 2e-2; // f32 loss: differences good to ~1e-4
    assert.ok(Math.abs(fd - gkd[i]) < 3e-4, `FD dKD[${i}]: ${fd} vs ${gkd[i]}`);
  }
  const hits = [0, 1, 2].filter((i) => { const r = Array.from(z.subarray(i * c, i * c + c)); return r.indexOf(Math.max(...r)) === labels[i]; }).length;
  assert.equal(w.ex.countCorrect(pz, pl, n, c), hits);
});

test("SGD (momentum, weight decay, Nesterov) and Adam (bias correction, decoupled decay): three steps by hand", () => {
  const w = new Wasm(trainerBytes);
  const n = 6, g0 = Float32Array.of(0.5, -1, 2, 0.25, -0.75, 1.5), w0 = Float32Array.of(1, -2, 0.5, 3, -0.1, 0.2);
  for (const nesterov of [0, 1]) {
    const pw = w.put(w0), pg = w.put(g0), pv = w.put(new Float32Array(n));
    const W = Array.from(w0), V = new Array(n).fill(0);
    for (let s = 0; s < 3; s++) {
      w.ex.sgdStep(pw, pg, pv, n, 0.1, 0.9, 0.01, nesterov);
      for (let i = 0; i < n; i++) {
        const gg = g0[i] + 0.01 * W[i];
        V[i] = 0.9 * V[i] + gg;
        W[i] -= 0.1 * (nesterov ? gg + 0.9 * V[i] : V[i]);
      }
    }
    w.f32(pw, n).forEach((v, i) => assert.ok(Math.abs(v - W[i]) < 1e-5, `sgd nesterov=${nesterov} w[${i}] ${v} vs ${W[i]}`));
  }
  // hand-computed first step: m̂ = g, v̂ = g² → w −= lr·g/(|g| + ε) = lr·sign(g)
  const pw = w.put(w0), pg = w.put(g0), pm = w.put(new Float32Array(n)), pv = w.put(new Float32Array(n));
  w.ex.adamStep(pw, pg, pm, pv, n, 0.01, 0.9, 0.999, 1e-8, 0, 1);
  w.f32(pw, n).forEach((v, i) => assert.ok(Math.abs(v - (w0[i] - 0.01 * Math.sign(g0[i]))) < 1e-6, `adam step 1 w[${i}]`));
  const W = Array.from(w0).map((v, i) => v - 0.01 * Math.sign(g0[i])), M = Array.from(g0, (g) => 0.1 * g), V = Array.from(g0, (g) => 0.001 * g * g);
  for (let t = 2; t <= 3; t++) {
    w.ex.adamStep(pw, pg, pm, pv, n, 0.01, 0.9, 0.999, 1e-8, 0.1, t);
    for (let i = 0; i < n; i++) {
      M[i] = 0.9 * M[i] + 0.1 * g0[i];
      V[i] = 0.999 * V[i] + 0.001 * g0[i] ** 2;
      W[i] = W[i] * (1 - 0.01 * 0.1) - 0.01 * (M[i] / (1 - 0.9 ** t)) / (Math.sqrt(V[i] / (1 - 0.999 ** t)) + 1e-8);
    }
  }
  w.f32(pw, n).forEach((v, i) => assert.ok(Math.abs(v - W[i]) < 1e-5, `adam step 3 w[${i}] ${v} vs ${W[i]}`));
});

test("hooks: mask keeps zeros and zero grads, STE sign (+XNOR scales), sign grad window, fake-quant, grouped gradients", () => {
  const w = new Wasm(trainerBytes);
  const n = 10, x = randn(n), mask = Float32Array.from({ length: n }, (_, i) => (i % 3 ? 1 : 0));
  const px = w.put(x), pm = w.put(new Float32Array(Uint32Array.from(mask, (v) => (v ? 0xffffffff : 0)).buffer));
  w.ex.maskApply(px, pm, n);
  // pruned values are +0.0 exactly (Object.is tells −0 apart): the writer's sparse layouts skip only +0.0
  w.f32(px, n).forEach((v, i) => assert.ok(Object.is(v, mask[i] ? x[i] : 0), `mask[${i}] = ${v}`));
  // a masked weight stays zero through an SGD step once its gradient is masked too
  const pg = w.put(randn(n));
  w.ex.maskApply(pg, pm, n);
  w.ex.sgdStep(px, pg, 0, n, 0.1, 0, 0, 0);
  w.ex.maskApply(px, pm, n);
  w.f32(px, n).forEach((v, i) => assert.ok(mask[i] || v === 0, `pruned w[${i}] = ${v}`));
  const sh = Float32Array.of(0.5, -2, 0, -0.25, 3, -1), ps = w.put(sh), pw = w.put(new Float32Array(6)), pscale = w.put(new Float32Array(2));
  w.ex.steSign(ps, pw, 6, 0, 1);
  assert.deepEqual(Array.from(w.f32(pw, 6)), [1, -1, 1, -1, 1, -1]);
  w.ex.steSign(ps, pw, 6, pscale, 2);
  assert.deepEqual(Array.from(w.f32(ps, 6)), [0.5, -1, 0, -0.25, 1, -1], "shadow clipped to [-1, 1]");
  const s0 = (0.5 + 1 + 0) / 3, s1 = (0.25 + 1 + 1) / 3;
  assert.deepEqual(Array.from(w.f32(pscale, 2)), [Math.fround(s0), Math.fround(s1)]);
  assert.deepEqual(Array.from(w.f32(pw, 6)), [s0, -s0, s0, -s1, s1, -s1].map(Math.fround));
  const pg2 = w.put(Float32Array.of(1, 1, 1, 1, 1, 1));
  w.f32(ps, 6).set(sh); // the window of a shadow outside [-1, 1] (e.g. before the first clip)
  w.ex.steSignGrad(ps, pg2, 6);
  assert.deepEqual(Array.from(w.f32(pg2, 6)), [1, 0, 1, 1, 0, 1]);
  const q = Float32Array.of(0.1, -0.7, 0.35, 1.27, 0, 0, 0, 0), pq = w.put(q), pqw = w.put(new Float32Array(8));
  w.ex.fakeQuant(pq, pqw, 8, 2, 8);
  const sc = 1.27 / 127;
  Array.from(w.f32(pqw, 4)).forEach((v, i) => assert.ok(Math.abs(v - Math.round(q[i] / sc) * sc) < 1e-6, `fakeQuant[${i}]`));
  assert.deepEqual(Array.from(w.f32(pqw + 16, 4)), [0, 0, 0, 0], "a zero row stays zero");
  const gg = randn(9), idx = Uint8Array.of(0, 2, 1, 2, 0, 0, 1, 2, 2), pgg = w.put(gg), pidx = w.ex.alloc(9);
  new Uint8Array(w.ex.memory.buffer, pidx, 9).set(idx);
  const pc = w.put(Float32Array.of(9, 9, 9));
  w.ex.groupGrad(pgg, pidx, 9, pc, 3);
  const want = [0, 1, 2].map((c) => Array.from(gg).reduce((a, v, i) => (idx[i] === c ? a + v : a), 0));
  w.f32(pc, 3).forEach((v, c) => assert.ok(Math.abs(v - want[c]) < 1e-5, `centroid ${c}`));
});

test("trainPlan refuses an arena plan with reuse; backward before trainPlan is an error", () => {
  const b = new GraphBuilder();
  let t = b.input("x", [2, 8]);
  for (let i = 0; i < 4; i++) t = b.node("Tanh", [t]);
  const g = b.build("chain", [t], false);
  const w = new Wasm(trainerBytes), slim = writeSlim(g);
  const at = w.ex.reserve(slim.length);
  new Uint8Array(w.ex.memory.buffer, at, slim.length).set(slim);
  w.check(w.ex.load(slim.length, 1 << 26, 1 << 30), "load");
  w.check(w.ex.plan(1), "plan");
  assert.equal(w.ex.backward(), 1);
  assert.match(w.error(), /trainPlan/);
  assert.equal(w.ex.trainPlan(), 1);
  assert.match(w.error(), /share arena bytes/);
});

test("efficient-architecture ops: ChannelShuffle, grouped Conv (C = 8, F = 12, g = 2 and 4), a fire block", () => {
  gradCheck(one("ChannelShuffle", [[2, 12, 3, 4]], [], { groups: 3 }));
  gradCheck(one("ChannelShuffle", [[1, 8, 2, 5]], [], { groups: 4 }));
  for (const group of [2, 4]) {
    for (const [k, s, p] of [[1, 1, 0], [1, 2, 0], [3, 1, 1], [3, 2, 1]]) {
      gradCheck(one("Conv", [[2, 8, 6, 5]], [[12, 8 / group, k, k], [12]],
        { group, kh: k, kw: k, sh: s, sw: s, dh: 1, dw: 1, padTop: p, padLeft: p, padBottom: p, padRight: p, act: 0, actA: 0, actB: 0 }));
    }
  }
  // Weights ~ 1/√fan-in keep the activations O(1), so f32 rounding stays far below the tolerance.
  const b = new GraphBuilder(), conv = (x: string, f: number, k: number, p: number) => {
    const c = b.shape(x)[1], w = randn(f * c * k * k).map((v) => v / Math.sqrt(c * k * k));
    return b.node("Conv", [x, b.constant(`w${f}${k}${c}`, [f, c, k, k], w), b.constant(`b${f}${k}${c}`, [f], randn(f))],
      { group: 1, kh: k, kw: k, sh: 1, sw: 1, dh: 1, dw: 1, padTop: p, padLeft: p, padBottom: p, padRight: p, act: 0, actA: 0, actB: 0 });
  };
  const s = conv(b.input("x", [2, 6, 5, 4]), 3, 1, 0);
  const y = b.node("Concat", [conv(s, 4, 1, 0), conv(s, 5, 3, 1)], { axis: 1 });
  gradCheck(b.build("fire", [b.node("ChannelShuffle", [y], { groups: 3 })], false));
});

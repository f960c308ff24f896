// Backward kernels (assembly/kernels/f32-conv-grad.ts, f32-col2im.ts, f32-dwconv-grad.ts,
// f32-pool-grad.ts): SIMD build, scalar build and the scalar twins in kernels/reference/ against
// a plain-JS f64 analytic backward, which is itself checked against central finite differences
// of a plain-JS f64 forward on small cases. Shapes are random: strides, dilations, asymmetric
// pads, groups, depthwise (3×3 stride 1/2 and generic), 1×1, odd sizes, every fused act,
// several im2col row blocks, skipped gradients (null pointers); pools with ceil-mode windows
// running past the end, countIncludePad, and ties (first maximum wins, as the forward).
// Gradients accumulate: every output buffer starts with random values that must be kept.
// Tolerance: |got − want| ≤ 1e-5 · (Σ|terms| + |initial|) + 1e-6, as tests/kernels.test.ts.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  bothBuilds, randomKit, f32, ACTS, applyAct, type Act, type KernelWasm, type Want,
} from "./kernels-wasm.js";

let simd: KernelWasm;
let scalar: KernelWasm;
before(async () => { [simd, scalar] = await bothBuilds(); });

const { rand, int, pick, randn } = randomKit(20261129);

/** act' read from the output Y, the trainer's rule. */
function actGrad(y: number, { act, a, b }: Act): number {
  if (act === 1) return y > 0 ? 1 : 0;
  if (act === 2) return y > f32(a) && y < f32(b) ? 1 : 0;
  if (act === 3) return y > 0 ? 1 : f32(a);
  return 1;
}

function want(init: Float32Array): Want {
  return { v: Float64Array.from(init), mag: Float64Array.from(init, Math.abs) };
}
function check(label: string, got: Float32Array, w: Want): void {
  assert.equal(got.length, w.v.length, `${label}: length`);
  for (let i = 0; i < got.length; i++) {
    const tol = 1e-5 * w.mag[i] + 1e-6;
    if (!(Math.abs(got[i] - w.v[i]) <= tol)) {
      assert.fail(`${label}: element ${i} is ${got[i]}, want ${w.v[i]} (tolerance ${tol.toExponential(2)})`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Plain-JS f64 convolution: forward and analytic backward.

interface ConvGeo { n: number; c: number; h: number; w: number; f: number; g: number; kh: number; kw: number; sh: number; sw: number;
  dh: number; dw: number; pt: number; pl: number; pb: number; pr: number; oh: number; ow: number }

const outDim = (size: number, pads: number, k: number, s: number, d: number) => Math.floor((size + pads - (k - 1) * d - 1) / s) + 1;

function convGeo(p: Omit<ConvGeo, "oh" | "ow">): ConvGeo {
  return { ...p, oh: outDim(p.h, p.pt + p.pb, p.kh, p.sh, p.dh), ow: outDim(p.w, p.pl + p.pr, p.kw, p.sw, p.dw) };
}

/** Calls fn(i, o, oy, ox, ci, ky, kx, xIndex, wIndex) for every tap inside X. */
function eachTap(p: ConvGeo, fn: (yi: number, o: number, xi: number, wi: number) => void): void {
  const cg = p.c / p.g, fg = p.f / p.g;
  for (let i = 0; i < p.n; i++) for (let o = 0; o < p.f; o++) for (let oy = 0; oy < p.oh; oy++) for (let ox = 0; ox < p.ow; ox++) {
    const yi = ((i * p.f + o) * p.oh + oy) * p.ow + ox;
    for (let ci = 0; ci < cg; ci++) for (let ky = 0; ky < p.kh; ky++) for (let kx = 0; kx < p.kw; kx++) {
      const iy = oy * p.sh - p.pt + ky * p.dh, ix = ox * p.sw - p.pl + kx * p.dw;
      if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
      const c = Math.floor(o / fg) * cg + ci;
      fn(yi, o, ((i * p.c + c) * p.h + iy) * p.w + ix, ((o * cg + ci) * p.kh + ky) * p.kw + kx);
    }
  }
}

function convForward(p: ConvGeo, x: ArrayLike<number>, wt: ArrayLike<number>, b: ArrayLike<number>, act: Act): Float64Array {
  const z = new Float64Array(p.n * p.f * p.oh * p.ow);
  for (let yi = 0; yi < z.length; yi++) z[yi] = b[Math.floor(yi / (p.oh * p.ow)) % p.f];
  eachTap(p, (yi, _o, xi, wi) => { z[yi] += x[xi] * wt[wi]; });
  return z.map((v) => applyAct(v, act));
}

interface ConvGrads { dx: Want; dw: Want; db: Want }
/** Analytic backward from Y (act undone from Y) and dY, added to the initial dx, dw, db. */
function convBackward(p: ConvGeo, x: ArrayLike<number>, wt: ArrayLike<number>, y: ArrayLike<number>, dy: ArrayLike<number>, act: Act,
  init: { dx: Float32Array; dw: Float32Array; db: Float32Array }): ConvGrads {
  const dx = want(init.dx), dw = want(init.dw), db = want(init.db);
  const dz = Float64Array.from(dy, (g, i) => g * actGrad(y[i], act));
  for (let yi = 0; yi < dz.length; yi++) {
    const o = Math.floor(yi / (p.oh * p.ow)) % p.f;
    db.v[o] += dz[yi]; db.mag[o] += Math.abs(dz[yi]);
  }
  eachTap(p, (yi, _o, xi, wi) => {
    dw.v[wi] += dz[yi] * x[xi]; dw.mag[wi] += Math.abs(dz[yi] * x[xi]);
    dx.v[xi] += dz[yi] * wt[wi]; dx.mag[xi] += Math.abs(dz[yi] * wt[wi]);
  });
  return { dx, dw, db };
}

// ---------------------------------------------------------------------------------------------
// Plain-JS f64 pooling (windows as kernels/f32-pool.ts).

interface PoolGeo { c: number; h: number; w: number; kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; pb: number; pr: number; oh: number; ow: number }

function randomPoolGeo(ceil: boolean): PoolGeo {
  const kh = int(1, 4), kw = pick([kh, int(1, 4)]), sh = int(1, 3), sw = pick([1, 2, 2, 3]), dh = pick([1, 1, 2]), dw = pick([1, 1, 2]);
  const c = int(1, 7), h = int(1, 13) + (kh - 1) * dh, w = int(1, 19) + (kw - 1) * dw;
  const pt = int(0, Math.min(2, kh - 1)), pb = int(0, Math.min(2, kh - 1)), pl = int(0, Math.min(2, kw - 1)), pr = int(0, Math.min(2, kw - 1));
  // ceil mode as ops/pool.ts: one more window when the span does not divide, unless it would start past input + left pad.
  const size = (n: number, k: number, s: number, d: number, pa: number, pz: number) => {
    const span = n + pa + pz - (k - 1) * d - 1;
    let o = Math.floor(span / s) + 1 + (ceil && span % s !== 0 ? 1 : 0);
    if (ceil && (o - 1) * s >= n + pa) o--;
    return o;
  };
  return { c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, oh: size(h, kh, sh, dh, pt, pb), ow: size(w, kw, sw, dw, pl, pr) };
}

/** Calls fn(outIndex, taps inside x, divisor) per window; taps in window order. */
function eachWindow(p: PoolGeo, includePad: boolean, fn: (yi: number, taps: number[], count: number) => void): void {
  for (let q = 0; q < p.c; q++) for (let oy = 0; oy < p.oh; oy++) for (let ox = 0; ox < p.ow; ox++) {
    const taps: number[] = [];
    let count = 0;
    for (let ky = 0; ky < p.kh; ky++) for (let kx = 0; kx < p.kw; kx++) {
      const iy = oy * p.sh - p.pt + ky * p.dh, ix = ox * p.sw - p.pl + kx * p.dw;
      const inside = iy >= 0 && iy < p.h && ix >= 0 && ix < p.w;
      const padded = iy >= -p.pt && iy < p.h + p.pb && ix >= -p.pl && ix < p.w + p.pr;
      if (inside) taps.push((q * p.h + iy) * p.w + ix);
      if (includePad ? padded : inside) count++;
    }
    fn((q * p.oh + oy) * p.ow + ox, taps, count);
  }
}

function poolForward(p: PoolGeo, isMax: boolean, includePad: boolean, x: ArrayLike<number>): Float64Array {
  const y = new Float64Array(p.c * p.oh * p.ow);
  eachWindow(p, includePad, (yi, taps, count) => {
    y[yi] = isMax ? Math.max(...taps.map((t) => x[t])) : count ? taps.reduce((s, t) => s + x[t], 0) / count : 0;
  });
  return y;
}

function poolBackward(p: PoolGeo, isMax: boolean, includePad: boolean, x: ArrayLike<number>, dy: ArrayLike<number>, init: Float32Array): Want {
  const dx = want(init);
  eachWindow(p, includePad, (yi, taps, count) => {
    if (!taps.length) return;
    if (isMax) {
      let at = taps[0];
      for (const t of taps) if (x[t] > x[at]) at = t; // first maximum
      dx.v[at] += dy[yi]; dx.mag[at] += Math.abs(dy[yi]);
    } else if (count) {
      for (const t of taps) { dx.v[t] += dy[yi] / count; dx.mag[t] += Math.abs(dy[yi] / count); }
    }
  });
  return dx;
}

// ---------------------------------------------------------------------------------------------
// Running the wasm kernels.

/** Floats after each scratch buffer, filled with −0: even an in-place "+ 0" past the end shows (−0 + 0 = +0). */
const GUARD = 8;
function guarded(label: string, kw: KernelWasm, at: number): void {
  kw.view(at, GUARD).forEach((v, i) => assert.ok(Object.is(v, -0), `${label}: wrote ${v} at ${i} floats past its scratch`));
}

const BUILDS = () => [["simd", simd], ["scalar", scalar]] as const;

/** Random conv geometry: kind "any" | "dw3" (depthwise 3×3, stride 1/2) | "dw" | "pw" (1×1). */
function randomConv(kind: string): ConvGeo {
  const n = int(1, 3);
  if (kind === "pw") {
    const g = pick([1, 1, 2]), c = g * int(1, 9), f = g * int(1, 13);
    return convGeo({ n, c, h: int(1, 9), w: int(1, 13), f, g, kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0 });
  }
  if (kind === "dw3" || kind === "dw") {
    const c = int(1, 6), s = int(1, 2);
    const kh = kind === "dw3" ? 3 : int(1, 5), kw = kind === "dw3" ? 3 : int(1, 5);
    const sh = kind === "dw3" ? s : int(1, 3), sw = kind === "dw3" ? s : pick([1, 1, 2, 3]);
    const dh = kind === "dw3" ? 1 : int(1, 2), dw = kind === "dw3" ? 1 : int(1, 3);
    return convGeo({ n, c, h: int(1, 12) + (kh - 1) * dh, w: int(1, 19) + (kw - 1) * dw, f: c, g: c, kh, kw, sh, sw, dh, dw,
      pt: int(0, 2), pl: int(0, 2), pb: int(0, 2), pr: int(0, 2) });
  }
  const g = pick([1, 1, 1, 2, 3]), c = g * int(1, 4), f = g * int(1, 7);
  const kh = int(1, 5), kw = int(1, 5), dh = int(1, 2), dw = int(1, 2);
  return convGeo({ n, c, h: int(1, 10) + (kh - 1) * dh, w: int(1, 14) + (kw - 1) * dw, f, g, kh, kw, sh: int(1, 3), sw: int(1, 3), dh, dw,
    pt: int(0, 2), pl: int(0, 3), pb: int(0, 2), pr: int(0, 3) });
}

interface ConvCase { p: ConvGeo; act: Act; x: Float32Array; wt: Float32Array; b: Float32Array; y: Float32Array; dy: Float32Array;
  init: { dx: Float32Array; dw: Float32Array; db: Float32Array } }
function convCase(p: ConvGeo, act: Act): ConvCase {
  const x = randn(p.n * p.c * p.h * p.w), wt = randn(p.f * (p.c / p.g) * p.kh * p.kw), b = randn(p.f);
  const y = Float32Array.from(convForward(p, x, wt, b, act));
  const dy = randn(y.length);
  return { p, act, x, wt, b, y, dy, init: { dx: randn(x.length), dw: randn(wt.length), db: randn(b.length) } };
}

/** f32ConvBackward and its direct-loop twin, both builds; `skip` nulls some gradients. */
function checkConvBackward(label: string, k: ConvCase, rows: number, skip: { dx?: boolean; dw?: boolean; db?: boolean } = {}): void {
  const { p, act } = k;
  const w = convBackward(p, k.x, k.wt, k.y, k.dy, act, k.init);
  for (const [build, kw] of BUILDS()) {
    const geo = [p.c, p.h, p.w, p.f, p.g, p.kh, p.kw, p.sh, p.sw, p.dh, p.dw, p.pt, p.pl, p.pb, p.pr, p.oh, p.ow, rows];
    for (const fn of ["f32ConvBackward", "refConvBackward"]) {
      kw.reset();
      const [px, pw, py, pdy, dx, dw, db] = [k.x, k.wt, k.y, k.dy, k.init.dx, k.init.dw, k.init.db].map((a) => kw.put(a));
      const bytes = kw.k.convBackwardScratch(...geo);
      const buf = kw.alloc(bytes / 4 + GUARD);
      kw.view(buf, bytes / 4).fill(NaN); // the kernel must not read scratch it did not write
      kw.view(buf + bytes, GUARD).fill(-0);
      kw.k[fn](p.n, ...geo, act.act, act.a, act.b, px, pw, py, pdy, skip.dx ? 0 : dx, skip.dw ? 0 : dw, skip.db ? 0 : db, buf);
      const l = `${label} rows=${rows} [${build} ${fn}]`;
      guarded(l, kw, buf + bytes);
      check(`${l} dX`, kw.read(dx, k.x.length), skip.dx ? want(k.init.dx) : w.dx);
      check(`${l} dW`, kw.read(dw, k.wt.length), skip.dw ? want(k.init.dw) : w.dw);
      check(`${l} dB`, kw.read(db, k.b.length), skip.db ? want(k.init.db) : w.db);
    }
  }
}

describe("JS oracles agree with finite differences (f64)", () => {
  // L = Σ dY ⊙ f(params); ∂L/∂θ ≈ (L(θ + ε) − L(θ − ε)) / 2ε on every parameter of small cases.
  const fd = (loss: () => number, arr: Float64Array, i: number, eps = 1e-6): number => {
    const v = arr[i];
    arr[i] = v + eps; const up = loss();
    arr[i] = v - eps; const down = loss();
    arr[i] = v;
    return (up - down) / (2 * eps);
  };
  /** Every index of small tensors, 24 random ones of larger ones. */
  const some = (n: number): number[] => n <= 24 ? [...Array(n).keys()] : Array.from({ length: 24 }, () => int(0, n - 1));
  const close = (label: string, got: number, exp: number) =>
    assert.ok(Math.abs(got - exp) <= 1e-6 * (1 + Math.abs(exp)), `${label}: analytic ${exp}, finite difference ${got}`);

  it("conv: dX, dW, dB through groups, strides, dilations, pads, every act", () => {
    for (let t = 0; t < 24; t++) {
      const p = randomConv(pick(["any", "any", "dw3", "dw", "pw"])), act = ACTS[t % 4];
      if (p.oh < 1 || p.ow < 1) { t--; continue; }
      const x = Float64Array.from(randn(p.n * p.c * p.h * p.w)), wt = Float64Array.from(randn(p.f * (p.c / p.g) * p.kh * p.kw));
      const b = Float64Array.from(randn(p.f)), dy = randn(p.n * p.f * p.oh * p.ow);
      const y = convForward(p, x, wt, b, act);
      const zero = { dx: new Float32Array(x.length), dw: new Float32Array(wt.length), db: new Float32Array(b.length) };
      const g = convBackward(p, x, wt, y, dy, act, zero);
      const loss = () => convForward(p, x, wt, b, act).reduce((s, v, i) => s + v * dy[i], 0);
      const label = `conv ${JSON.stringify(p)} act=${act.act}`;
      for (const i of some(x.length)) close(`${label} dX[${i}]`, fd(loss, x, i), g.dx.v[i]);
      for (const i of some(wt.length)) close(`${label} dW[${i}]`, fd(loss, wt, i), g.dw.v[i]);
      for (const i of some(b.length)) close(`${label} dB[${i}]`, fd(loss, b, i), g.db.v[i]);
    }
  });

  it("max and average pool: dX with pads, dilations, ceil-mode windows, countIncludePad", () => {
    for (let t = 0; t < 30; t++) {
      const p = randomPoolGeo(t % 2 === 0);
      if (p.oh < 1 || p.ow < 1) { t--; continue; }
      const x = Float64Array.from(randn(p.c * p.h * p.w)), dy = randn(p.c * p.oh * p.ow);
      for (const [isMax, inc] of [[true, false], [false, false], [false, true]]) {
        const g = poolBackward(p, isMax, inc, x, dy, new Float32Array(x.length));
        const loss = () => poolForward(p, isMax, inc, x).reduce((s, v, i) => s + v * dy[i], 0);
        for (const i of some(x.length)) close(`pool max=${isMax} inc=${inc} ${JSON.stringify(p)} dX[${i}]`, fd(loss, x, i), g.v[i]);
      }
    }
  });
});

describe("conv backward kernels: SIMD = scalar = direct-loop twin = JS oracle", () => {
  it("f32ConvGradW: y += A·Bᵀ with leading dimensions, every M % 2, N % 4, K % 4 remainder", () => {
    for (let t = 0; t < 60; t++) {
      const m = int(1, 11), n = int(1, 27), k = int(1, 90), lda = k + pick([0, 0, int(1, 5)]), ldb = k + pick([0, 0, int(1, 5)]);
      const a = randn(m * lda), b = randn(n * ldb), y0 = randn(m * n);
      const w = want(y0);
      for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) for (let i = 0; i < k; i++) {
        const v = a[r * lda + i] * b[j * ldb + i];
        w.v[r * n + j] += v; w.mag[r * n + j] += Math.abs(v);
      }
      for (const [build, kw] of BUILDS()) for (const fn of ["f32ConvGradW", "refConvGradW"]) {
        kw.reset();
        const [pa, pb, py] = [a, b, y0].map((v) => kw.put(v));
        kw.k[fn](m, n, k, pa, lda, pb, ldb, py);
        check(`gradW m=${m} n=${n} k=${k} lda=${lda} ldb=${ldb} [${build} ${fn}]`, kw.read(py, m * n), w);
      }
    }
  });

  it("f32ConvGradAct and f32ConvGradB: dZ = dY·act'(Y) on a column block, row sums", () => {
    for (let t = 0; t < 24; t++) {
      const rows = int(1, 9), ld = int(1, 40), cnt = int(1, ld), act = ACTS[t % 4];
      // Y hits the act's boundaries exactly (0, a, b) as well as values around them.
      const y = Float32Array.from({ length: rows * ld }, () => pick([0, f32(act.a), f32(act.b), rand() * 2 - 1]));
      const dy = randn(rows * ld), db0 = randn(rows);
      const dz = want(new Float32Array(rows * cnt)), db = want(db0);
      for (let r = 0; r < rows; r++) for (let j = 0; j < cnt; j++) {
        const v = dy[r * ld + j] * actGrad(y[r * ld + j], act);
        dz.v[r * cnt + j] = v; db.v[r] += v; db.mag[r] += Math.abs(v);
      }
      for (const [build, kw] of BUILDS()) for (const sfx of ["ConvGradAct", "ConvGradB"]) for (const fn of ["f32" + sfx, "ref" + sfx]) {
        kw.reset();
        const [py, pdy, pdb] = [y, dy, db0].map((v) => kw.put(v));
        const pdz = kw.put(Float32Array.from(dz.v));
        const label = `${fn} rows=${rows} cnt=${cnt} ld=${ld} act=${act.act} [${build}]`;
        if (sfx === "ConvGradAct") {
          kw.view(pdz, rows * cnt).fill(NaN);
          kw.k[fn](rows, cnt, ld, pdy, py, act.act, act.a, act.b, pdz);
          check(label, kw.read(pdz, rows * cnt), dz);
        } else {
          kw.k[fn](rows, cnt, pdz, pdb);
          check(label, kw.read(pdb, rows), db);
        }
      }
    }
  });

  it("f32Col2im: the adjoint of f32Im2col, accumulating (strides, dilations, pads, shifted top pad)", () => {
    for (let t = 0; t < 40; t++) {
      const p = randomConv("any");
      if (p.oh < 1 || p.ow < 1) { t--; continue; }
      const c = p.c, kk = c * p.kh * p.kw, cols = p.oh * p.ow;
      const col = randn(kk * cols), x0 = randn(c * p.h * p.w);
      const w = want(x0);
      for (let ch = 0; ch < c; ch++) for (let ky = 0; ky < p.kh; ky++) for (let kx = 0; kx < p.kw; kx++)
        for (let oy = 0; oy < p.oh; oy++) for (let ox = 0; ox < p.ow; ox++) {
          const iy = oy * p.sh - p.pt + ky * p.dh, ix = ox * p.sw - p.pl + kx * p.dw;
          if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
          const v = col[((ch * p.kh + ky) * p.kw + kx) * cols + oy * p.ow + ox];
          w.v[(ch * p.h + iy) * p.w + ix] += v; w.mag[(ch * p.h + iy) * p.w + ix] += Math.abs(v);
        }
      for (const [build, kw] of BUILDS()) for (const fn of ["f32Col2im", "refCol2im"]) {
        kw.reset();
        const pc = kw.put(col), px = kw.put(x0);
        kw.k[fn](c, p.h, p.w, p.kh, p.kw, p.sh, p.sw, p.dh, p.dw, p.pt, p.pl, p.oh, p.ow, pc, px);
        check(`col2im ${JSON.stringify(p)} [${build} ${fn}]`, kw.read(px, x0.length), w);
      }
    }
  });

  it("f32DwconvGrad: depthwise dX and dW from dZ (any kernel, stride, dilation, pads)", () => {
    for (let t = 0; t < 40; t++) {
      const p = { ...randomConv(t % 2 ? "dw3" : "dw"), n: 1 };
      if (p.oh < 1 || p.ow < 1) { t--; continue; }
      const k = convCase(p, ACTS[0]);
      const w = convBackward(p, k.x, k.wt, k.y, k.dy, ACTS[0], k.init);
      for (const [build, kw] of BUILDS()) for (const fn of ["f32DwconvGrad", "refDwconvGrad"]) {
        kw.reset();
        const [px, pw, pdz, dx, dw] = [k.x, k.wt, k.dy, k.init.dx, k.init.dw].map((a) => kw.put(a));
        const bytes = kw.k.dwconvGradScratch(p.oh, p.ow, p.kh, p.kw, p.sh, p.sw, p.dh, p.dw);
        const buf = kw.alloc(bytes / 4 + GUARD);
        kw.view(buf, bytes / 4).fill(NaN);
        kw.view(buf + bytes, GUARD).fill(-0);
        kw.k[fn](p.c, p.h, p.w, p.oh, p.ow, p.kh, p.kw, p.sh, p.sw, p.dh, p.dw, p.pt, p.pl, px, pw, pdz, dx, dw, buf);
        const l = `dwconv-grad ${JSON.stringify(p)} [${build} ${fn}]`;
        guarded(l, kw, buf + bytes);
        check(`${l} dX`, kw.read(dx, k.x.length), w.dx);
        check(`${l} dW`, kw.read(dw, k.wt.length), w.dw);
      }
    }
  });

  for (const [kind, what, count] of [
    ["any", "im2col path: groups, strides, dilations, asymmetric pads", 60],
    ["pw", "1×1 stride 1 (no im2col), groups", 30],
    ["dw3", "depthwise 3×3 stride 1 and 2", 30],
    ["dw", "depthwise generic kernel, stride, dilation", 30],
  ] as const) {
    it(`f32ConvBackward, ${what}, every act, 1..all rows per block`, () => {
      for (let t = 0; t < count; t++) {
        const p = randomConv(kind);
        if (p.oh < 1 || p.ow < 1) { t--; continue; }
        const act = ACTS[t % 4], rows = pick([1, int(1, p.oh), p.oh, p.oh + 3]);
        checkConvBackward(`conv-backward ${JSON.stringify(p)} act=${act.act}`, convCase(p, act), rows);
      }
    });
  }

  it("f32ConvBackward skips null gradients and leaves them untouched", () => {
    for (let t = 0; t < 24; t++) {
      const p = randomConv(pick(["any", "pw", "dw3", "dw"]));
      if (p.oh < 1 || p.ow < 1) { t--; continue; }
      const skip = [{ dx: true }, { dw: true }, { db: true }, { dx: true, db: true }, { dw: true, db: true }][t % 5];
      checkConvBackward(`conv-backward skip=${JSON.stringify(skip)} ${JSON.stringify(p)}`, convCase(p, ACTS[t % 4]), int(1, p.oh), skip);
    }
  });

  it("f32ConvBackward on the LeNet-5 shapes (conv 20@5×5 on 1×28², conv 50@5×5 on 20×12²)", () => {
    for (const [c, hw, f] of [[1, 28, 20], [20, 12, 50]]) {
      const p = convGeo({ n: 2, c, h: hw, w: hw, f, g: 1, kh: 5, kw: 5, sh: 1, sw: 1, dh: 1, dw: 1, pt: 0, pl: 0, pb: 0, pr: 0 });
      checkConvBackward(`lenet5 conv ${c}→${f} @${hw}²`, convCase(p, ACTS[1]), p.oh);
    }
  });
});

describe("pool backward kernels: SIMD = scalar = twin = JS oracle", () => {
  function checkPool(label: string, p: PoolGeo, x: Float32Array, inc: number): void {
    const dy = randn(p.c * p.oh * p.ow), init = randn(x.length);
    const maxWant = poolBackward(p, true, false, x, dy, init), avgWant = poolBackward(p, false, inc === 1, x, dy, init);
    for (const [build, kw] of BUILDS()) {
      for (const fn of ["f32MaxPoolGrad", "refMaxPoolGrad"]) {
        kw.reset();
        const [px, pdy, pdx] = [x, dy, init].map((a) => kw.put(a));
        kw.k[fn](p.c, p.h, p.w, p.oh, p.ow, p.kh, p.kw, p.sh, p.sw, p.dh, p.dw, p.pt, p.pl, px, pdy, pdx);
        check(`max${label} [${build} ${fn}]`, kw.read(pdx, x.length), maxWant);
      }
      for (const fn of ["f32AvgPoolGrad", "refAvgPoolGrad"]) {
        kw.reset();
        const [pdy, pdx] = [dy, init].map((a) => kw.put(a));
        kw.k[fn](p.c, p.h, p.w, p.oh, p.ow, p.kh, p.kw, p.sh, p.sw, p.dh, p.dw, p.pt, p.pl, p.pb, p.pr, inc, pdy, pdx);
        check(`avg${label} inc=${inc} [${build} ${fn}]`, kw.read(pdx, x.length), avgWant);
      }
    }
  }

  it("strides 1-3, dilations, pads, ceil-mode windows past the end, countIncludePad", () => {
    for (let t = 0; t < 80; t++) {
      const p = randomPoolGeo(t % 2 === 0);
      if (p.oh < 1 || p.ow < 1) { t--; continue; }
      checkPool(` pool ${JSON.stringify(p)}`, p, randn(p.c * p.h * p.w), t % 4 < 2 ? 1 : 0);
    }
  });

  it("2×2 stride 2 (the SIMD path) with ties: dY goes to the first maximum of each window", () => {
    for (let t = 0; t < 40; t++) {
      const h = int(2, 13), w = int(2, 30), pt = int(0, 1), pl = int(0, 1), pb = int(0, 1), pr = int(0, 1), ceil = t % 2 === 0;
      const size = (n: number, pa: number, pz: number) => {
        const span = n + pa + pz - 2;
        let o = Math.floor(span / 2) + 1 + (ceil && span % 2 !== 0 ? 1 : 0);
        if (ceil && (o - 1) * 2 >= n + pa) o--;
        return o;
      };
      const p: PoolGeo = { c: int(1, 5), h, w, kh: 2, kw: 2, sh: 2, sw: 2, dh: 1, dw: 1, pt, pl, pb, pr, oh: size(h, pt, pb), ow: size(w, pl, pr) };
      // Few distinct values: most windows hold ties.
      const x = Float32Array.from({ length: p.c * h * w }, () => pick([-1, 0, 0.5, 1]));
      checkPool(` pool2x2 ties ${JSON.stringify(p)}`, p, t % 4 < 2 ? x : randn(x.length), t % 4 === 1 ? 1 : 0);
    }
  });
});

// SIMD kernels vs their scalar twins (assembly/kernels/reference/) vs plain-JS f64 oracles,
// on random shapes chosen to hit every remainder path (odd sizes, K % 4/8, N % 4/8, M % 2/4),
// strides, dilations, asymmetric pads, groups and depthwise, every fused activation.
// Tolerance: |got − want| ≤ 1e-5 · (Σ|terms| + |bias|) + 1e-6 (relative to the magnitudes
// summed, so a wrong tap or a dropped remainder always fails).
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  bothBuilds, randomKit, ACTS, applyAct, type Act, type KernelWasm, type Want,
} from "./kernels-wasm.js";

let simd: KernelWasm;
let scalar: KernelWasm;
before(async () => { [simd, scalar] = await bothBuilds(); });

const { int, pick, randn } = randomKit(20261128);

function check(label: string, got: Float32Array, want: Want): void {
  assert.equal(got.length, want.v.length, `${label}: length`);
  for (let i = 0; i < got.length; i++) {
    const tol = 1e-5 * want.mag[i] + 1e-6;
    const same = got[i] === want.v[i] || (Number.isNaN(got[i]) && Number.isNaN(want.v[i])); // ±Infinity, untouched NaN
    if (!same && !(Math.abs(got[i] - want.v[i]) <= tol)) {
      assert.fail(`${label}: element ${i} is ${got[i]}, want ${want.v[i]} (tolerance ${tol.toExponential(2)})`);
    }
  }
}

/** Runs `call` on both builds' SIMD kernel and on the reference twin; all must match `want`. */
function agree(label: string, name: string, inputs: Float32Array[], outLen: number, scratchLen: number,
  args: (p: number[], y: number, s: number) => number[], want: Want): void {
  for (const [build, kw] of [["simd", simd], ["scalar", scalar]] as const) {
    for (const fn of [name, "ref" + name.slice(3)]) {
      kw.reset();
      const ptrs = inputs.map((a) => kw.put(a));
      const y = kw.put(new Float32Array(outLen).fill(NaN));
      const s = kw.alloc(scratchLen);
      kw.k[fn](...args(ptrs, y, s));
      check(`${label} [${build} ${fn}]`, kw.read(y, outLen), want);
    }
  }
}

function gemmNT(m: number, n: number, k: number, x: Float32Array, w: Float32Array, b: Float32Array | null, act: Act): Want {
  const v = new Float64Array(m * n), mag = new Float64Array(m * n);
  for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) {
    let s = b ? b[j] : 0, a = b ? Math.abs(b[j]) : 0;
    for (let i = 0; i < k; i++) { s += x[r * k + i] * w[j * k + i]; a += Math.abs(x[r * k + i] * w[j * k + i]); }
    v[r * n + j] = applyAct(s, act); mag[r * n + j] = a;
  }
  return { v, mag };
}

function gemmNN(m: number, n: number, k: number, a: Float32Array, bm: Float32Array, bias: Float32Array | null, act: Act): Want {
  const v = new Float64Array(m * n), mag = new Float64Array(m * n);
  for (let r = 0; r < m; r++) for (let j = 0; j < n; j++) {
    let s = bias ? bias[r] : 0, t = bias ? Math.abs(bias[r]) : 0;
    for (let i = 0; i < k; i++) { s += a[r * k + i] * bm[i * n + j]; t += Math.abs(a[r * k + i] * bm[i * n + j]); }
    v[r * n + j] = applyAct(s, act); mag[r * n + j] = t;
  }
  return { v, mag };
}

interface Geo { c: number; h: number; w: number; kh: number; kw: number; sh: number; sw: number; dh: number; dw: number;
  pt: number; pl: number; pb: number; pr: number; oh: number; ow: number }
/** Pads are at most maxPad, and for pooling (`poolPads`) smaller than the window on their axis. */
function randomGeo(kh: number, kw: number, sh: number, sw: number, dh: number, dw: number, maxPad: number, ceil = false, poolPads = false): Geo {
  const c = int(1, 7), h = int(1, 13) + (kh - 1) * dh, w = int(1, 19) + (kw - 1) * dw;
  const py = poolPads ? Math.min(maxPad, kh - 1) : maxPad, px = poolPads ? Math.min(maxPad, kw - 1) : maxPad;
  const pt = int(0, py), pl = int(0, px), pb = int(0, py), pr = int(0, px);
  const size = (n: number, k: number, s: number, d: number, p: number) => {
    const span = n + p - (k - 1) * d - 1;
    return Math.floor(span / s) + 1 + (ceil && span % s !== 0 ? 1 : 0);
  };
  return { c, h, w, kh, kw, sh, sw, dh, dw, pt, pl, pb, pr, oh: size(h, kh, sh, dh, pt + pb), ow: size(w, kw, sw, dw, pl + pr) };
}

/** Direct convolution oracle: groups of cg input channels, fg filters each. */
function conv(g: Geo, groups: number, f: number, x: Float32Array, wt: Float32Array, b: Float32Array, act: Act): Want {
  const cg = g.c / groups, fg = f / groups, n = f * g.oh * g.ow;
  const v = new Float64Array(n), mag = new Float64Array(n);
  for (let o = 0; o < f; o++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
    let s = b[o], t = Math.abs(b[o]);
    for (let ci = 0; ci < cg; ci++) for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
      const iy = oy * g.sh - g.pt + ky * g.dh, ix = ox * g.sw - g.pl + kx * g.dw;
      if (iy < 0 || iy >= g.h || ix < 0 || ix >= g.w) continue;
      const c = Math.floor(o / fg) * cg + ci;
      const p = wt[((o * cg + ci) * g.kh + ky) * g.kw + kx] * x[(c * g.h + iy) * g.w + ix];
      s += p; t += Math.abs(p);
    }
    const i = (o * g.oh + oy) * g.ow + ox;
    v[i] = applyAct(s, act); mag[i] = t;
  }
  return { v, mag };
}

function pool(g: Geo, isMax: boolean, includePad: boolean, x: Float32Array): Want {
  const n = g.c * g.oh * g.ow, v = new Float64Array(n), mag = new Float64Array(n);
  for (let p = 0; p < g.c; p++) for (let oy = 0; oy < g.oh; oy++) for (let ox = 0; ox < g.ow; ox++) {
    let m = -Infinity, s = 0, t = 0, cnt = 0;
    for (let ky = 0; ky < g.kh; ky++) for (let kx = 0; kx < g.kw; kx++) {
      const iy = oy * g.sh - g.pt + ky * g.dh, ix = ox * g.sw - g.pl + kx * g.dw;
      const inside = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
      const padded = iy >= -g.pt && iy < g.h + g.pb && ix >= -g.pl && ix < g.w + g.pr;
      if (inside) { const e = x[(p * g.h + iy) * g.w + ix]; m = Math.max(m, e); s += e; t += Math.abs(e); }
      if (includePad ? padded : inside) cnt++;
    }
    const i = (p * g.oh + oy) * g.ow + ox;
    v[i] = isMax ? m : cnt ? s / cnt : 0;
    mag[i] = isMax ? 0 : cnt ? t / cnt : 0;
  }
  return { v, mag };
}

describe("f32 kernels: SIMD = scalar reference = JS oracle", () => {
  it("gemv: y = act(W·x + b), every N % 4 and K % 8 remainder, with and without bias", () => {
    for (let t = 0; t < 60; t++) {
      const n = t < 16 ? 1 + t : int(1, 70), k = t < 16 ? int(1, 40) : int(1, 300), act = ACTS[t % 4];
      const x = randn(k), w = randn(n * k), b = randn(n), withBias = t % 5 !== 4;
      agree(`gemv n=${n} k=${k} act=${act.act}`, "f32Gemv", [x, w, b], n, 0,
        ([px, pw, pb], y) => [n, k, px, pw, withBias ? pb : 0, y, act.act, act.a, act.b],
        gemmNT(1, n, k, x, w, withBias ? b : null, act));
    }
  });

  it("gemm: Y = act(X·Wᵀ + b), M odd/even, N and K remainders", () => {
    for (let t = 0; t < 50; t++) {
      const m = int(1, 9), n = int(1, 37), k = int(1, 70), act = ACTS[t % 4];
      const x = randn(m * k), w = randn(n * k), b = randn(n);
      agree(`gemm m=${m} n=${n} k=${k} act=${act.act}`, "f32Gemm", [x, w, b], m * n, 0,
        ([px, pw, pb], y) => [m, n, k, px, pw, pb, y, act.act, act.a, act.b], gemmNT(m, n, k, x, w, b, act));
    }
  });

  it("gemm-nn: Y = act(A·B + bias[row]), M % 4, N % 8 and % 4, N = 1, no bias", () => {
    for (let t = 0; t < 60; t++) {
      const m = int(1, 19), n = t % 7 === 0 ? 1 : int(1, 45), k = int(1, 50), act = ACTS[t % 4], withBias = t % 3 !== 2;
      const a = randn(m * k), bm = randn(k * n), bias = randn(m);
      const pack = t % 2 === 0, ldy = n + (t % 3 === 1 ? int(1, 5) : 0);
      // With ldy > n the kernel writes a column block of a wider Y; the gap must stay untouched.
      const want = gemmNN(m, n, k, a, bm, withBias ? bias : null, act);
      const v = new Float64Array(m * ldy).fill(NaN), mag = new Float64Array(m * ldy);
      for (let r = 0; r < m; r++) { v.set(want.v.subarray(r * n, r * n + n), r * ldy); mag.set(want.mag.subarray(r * n, r * n + n), r * ldy); }
      agree(`gemm-nn m=${m} n=${n} k=${k} ldy=${ldy} act=${act.act} bias=${withBias} pack=${pack}`, "f32GemmNN", [a, bm, bias], m * ldy, k * n,
        ([pa, pb, pbias], y, s) => [m, n, k, pa, pb, withBias ? pbias : 0, y, ldy, act.act, act.a, act.b, pack ? s : 0], { v, mag });
    }
  });

  it("im2col + gemm-nn = direct convolution (strides, dilations, asymmetric pads)", () => {
    for (let t = 0; t < 40; t++) {
      const g = randomGeo(int(1, 5), int(1, 5), int(1, 3), int(1, 3), int(1, 2), int(1, 2), 2);
      if (g.oh < 1 || g.ow < 1) continue;
      const f = int(1, 12), k = g.c * g.kh * g.kw, p = g.oh * g.ow, act = ACTS[t % 4];
      const x = randn(g.c * g.h * g.w), wt = randn(f * k), b = randn(f);
      const args = [g.c, g.h, g.w, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.oh, g.ow];
      const label = `conv ${JSON.stringify(g)} f=${f}`;
      // im2col must match its twin exactly (it only copies).
      const cols = [simd, scalar].flatMap((kw) => ["f32Im2col", "refIm2col"].map((fn) => {
        kw.reset();
        const px = kw.put(x), col = kw.put(new Float32Array(k * p).fill(NaN));
        kw.k[fn](...args, px, col);
        return kw.read(col, k * p);
      }));
      for (const c of cols.slice(1)) assert.deepEqual(c, cols[0], `${label}: im2col differs`);
      agree(label, "f32GemmNN", [wt, cols[0], b], f * p, k * p,
        ([pw, pc, pb], y, s) => [f, p, k, pw, pc, pb, y, p, act.act, act.a, act.b, s], conv(g, 1, f, x, wt, b, act));
    }
  });

  it("dwconv-3x3: stride 1 and 2, every pad combination, widths around multiples of 4", () => {
    for (let t = 0; t < 60; t++) {
      const s = t % 2 ? 2 : 1, g = randomGeo(3, 3, s, s, 1, 1, 2), act = ACTS[t % 4];
      if (g.oh < 1 || g.ow < 1) continue;
      const x = randn(g.c * g.h * g.w), wt = randn(g.c * 9), b = randn(g.c);
      const scratchLen = simd.k.dwconv3x3Scratch(g.oh, g.ow, s) / 4;
      agree(`dwconv3x3 ${JSON.stringify(g)}`, "f32Dwconv3x3", [x, wt, b], g.c * g.oh * g.ow, scratchLen,
        ([px, pw, pb], y, sc) => [g.c, g.h, g.w, g.oh, g.ow, s, g.pt, g.pl, px, pw, pb, y, act.act, act.a, act.b, sc],
        conv(g, g.c, g.c, x, wt, b, act));
    }
  });

  it("depthwise generic: any kernel, stride, dilation, pads", () => {
    for (let t = 0; t < 50; t++) {
      const g = randomGeo(int(1, 5), int(1, 5), int(1, 3), pick([1, 1, 2, 3]), int(1, 2), int(1, 3), 3), act = ACTS[t % 4];
      if (g.oh < 1 || g.ow < 1) continue;
      const x = randn(g.c * g.h * g.w), wt = randn(g.c * g.kh * g.kw), b = randn(g.c);
      const scratchLen = simd.k.convDwScratch(g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw) / 4;
      agree(`conv-dw ${JSON.stringify(g)}`, "f32ConvDw", [x, wt, b], g.c * g.oh * g.ow, scratchLen,
        ([px, pw, pb], y, sc) => [g.c, g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl,
          px, pw, pb, y, act.act, act.a, act.b, sc],
        conv(g, g.c, g.c, x, wt, b, act));
    }
  });

  it("max and average pool: strides 1-3, dilations, pads, ceil-mode windows past the end, countIncludePad", () => {
    for (let t = 0; t < 80; t++) {
      const k = int(1, 4), g = randomGeo(k, pick([k, int(1, 4)]), int(1, 3), pick([1, 2, 2, 3]), pick([1, 1, 2]), pick([1, 1, 2]),
        2, t % 2 === 0, true);
      if (g.oh < 1 || g.ow < 1) continue;
      const x = randn(g.c * g.h * g.w), n = g.c * g.oh * g.ow, label = `pool ${JSON.stringify(g)}`;
      agree(`max${label}`, "f32MaxPool", [x], n, 0,
        ([px], y) => [g.c, g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, px, y], pool(g, true, false, x));
      const inc = t % 4 < 2 ? 1 : 0;
      agree(`avg${label} inc=${inc}`, "f32AvgPool", [x], n, 0,
        ([px], y) => [g.c, g.h, g.w, g.oh, g.ow, g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.pt, g.pl, g.pb, g.pr, inc, px, y],
        pool(g, false, inc === 1, x));
    }
  });
});

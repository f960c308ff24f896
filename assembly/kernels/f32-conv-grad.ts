// Convolution backward (NCHW; groups, strides, dilations, asymmetric pads, fused act undone
// from Y), accumulating: dX += ∂L/∂X, dW += ∂L/∂W, dB += ∂L/∂B.
//   dZ = dY · act'(Y)               f32ConvGradAct, per block of output rows into scratch
//   dB += Σ dZ                       f32ConvGradB
//   dW += dZ · colᵀ                  f32ConvGradW (NT, dot-product tiles 2×4, f32x4 along K)
//   dCol = Wᵀ · dZ, dX += col2im     f32GemmNN (the forward kernel, on Wᵀ transposed once per
//                                    call) + f32Col2im
// col = f32Im2col of X (the forward kernel) per block of output rows, as the forward Conv does;
// 1×1 stride-1 unpadded convs use X itself (and add dCol straight into dX); depthwise convs
// (one filter per channel) run f32DwconvGrad's direct loops.
import { f32ConvGradAct as actRef, f32ConvGradB as biasRef, f32ConvGradW as wRef } from "./reference/f32-conv-grad";
import { hsum4, hsum, column4 } from "./f32-gemv";
import { f32GemmNN } from "./f32-gemm-nn";
import { f32Im2col } from "./f32-im2col";
import { f32Col2im, addFloats } from "./f32-col2im";
import { f32DwconvGrad, dwconvGradScratch } from "./f32-dwconv-grad";

// @ts-ignore: decorator
@inline function actGradS(g: f32, y: f32, act: i32, a: f32, b: f32): f32 {
  if (act == 1) return y > 0 ? g : 0;
  if (act == 2) return y > a && y < b ? g : 0;
  if (act == 3) return y > 0 ? g : g * a;
  return g;
}

/** dz[r·cnt + j] = dy[r·ld + j] · act'(y[r·ld + j]) for r < rows, j < cnt (act as the forward's). */
export function f32ConvGradAct(rows: i32, cnt: i32, ld: i32, dy: usize, y: usize, act: i32, actA: f32, actB: f32, dz: usize): void {
  if (!ASC_FEATURE_SIMD) { actRef(rows, cnt, ld, dy, y, act, actA, actB, dz); return; }
  const zero = f32x4.splat(0), va = f32x4.splat(actA), vb = f32x4.splat(actB);
  const cnt4 = cnt & ~3;
  for (let r = 0; r < rows; r++) {
    const s = dy + (<usize>r * <usize>ld << 2);
    const t = y + (<usize>r * <usize>ld << 2);
    const d = dz + (<usize>r * <usize>cnt << 2);
    let j = 0;
    for (; j < cnt4; j += 4) {
      const o = <usize>j << 2;
      let g = v128.load(s + o);
      if (act == 1) g = v128.and(g, f32x4.gt(v128.load(t + o), zero));
      else if (act == 2) {
        const yv = v128.load(t + o);
        g = v128.and(g, v128.and(f32x4.gt(yv, va), f32x4.lt(yv, vb)));
      } else if (act == 3) g = v128.bitselect(g, f32x4.mul(g, va), f32x4.gt(v128.load(t + o), zero));
      v128.store(d + o, g);
    }
    for (; j < cnt; j++) {
      const o = <usize>j << 2;
      store<f32>(d + o, actGradS(load<f32>(s + o), load<f32>(t + o), act, actA, actB));
    }
  }
}

/** db[r] += Σ_j a[r·k + j] for r < m. */
export function f32ConvGradB(m: i32, k: i32, a: usize, db: usize): void {
  if (!ASC_FEATURE_SIMD) { biasRef(m, k, a, db); return; }
  const k4 = k & ~3;
  for (let r = 0; r < m; r++) {
    const row = a + (<usize>r * <usize>k << 2);
    let v = f32x4.splat(0);
    let j = 0;
    for (; j < k4; j += 4) v = f32x4.add(v, v128.load(row + (<usize>j << 2)));
    let s = hsum(v);
    for (; j < k; j++) s += load<f32>(row + (<usize>j << 2));
    store<f32>(db + (<usize>r << 2), load<f32>(db + (<usize>r << 2)) + s);
  }
}

/**
 * y[M,N] += A[M,K]·B[N,K]ᵀ (dW += dZ·colᵀ: A = dZ [F,P], B = col [C·kh·kw, P]); rows of A are
 * lda floats apart, of B ldb; y is dense [M,N]. Tile: 2 rows of A × 4 rows of B, 8 f32x4
 * accumulators along K, one horizontal sum per tile (as f32-gemm.ts); the B panel is the outer
 * loop so it stays in L1 while A streams past. Leftover A row: 1×4 tiles; leftover B rows: dots.
 */
export function f32ConvGradW(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, y: usize): void {
  if (!ASC_FEATURE_SIMD) { wRef(m, n, k, a, lda, b, ldb, y); return; }
  const aRow = <usize>lda << 2;
  const bRow = <usize>ldb << 2;
  const yRow = <usize>n << 2;
  const k4 = k & ~3;
  const n4 = n & ~3;
  const m2 = m & ~1;
  // The 2×4 tile bodies repeat f32-gemm.ts's on purpose: eight live f32x4 accumulators, unrolled.
  for (let j = 0; j < n4; j += 4) {
    const w0 = b + <usize>j * bRow;
    const w1 = w0 + bRow;
    const w2 = w1 + bRow;
    const w3 = w2 + bRow;
    for (let r = 0; r < m2; r += 2) {
      const x0 = a + <usize>r * aRow;
      const x1 = x0 + aRow;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
      let i = 0;
      for (; i < k4; i += 4) {
        const o = <usize>i << 2;
        const v0 = v128.load(w0 + o);
        const v1 = v128.load(w1 + o);
        const v2 = v128.load(w2 + o);
        const v3 = v128.load(w3 + o);
        const xa = v128.load(x0 + o);
        a0 = f32x4.add(a0, f32x4.mul(xa, v0));
        a1 = f32x4.add(a1, f32x4.mul(xa, v1));
        a2 = f32x4.add(a2, f32x4.mul(xa, v2));
        a3 = f32x4.add(a3, f32x4.mul(xa, v3));
        const xb = v128.load(x1 + o);
        c0 = f32x4.add(c0, f32x4.mul(xb, v0));
        c1 = f32x4.add(c1, f32x4.mul(xb, v1));
        c2 = f32x4.add(c2, f32x4.mul(xb, v2));
        c3 = f32x4.add(c3, f32x4.mul(xb, v3));
      }
      let s0 = hsum4(a0, a1, a2, a3);
      let s1 = hsum4(c0, c1, c2, c3);
      for (; i < k; i++) {
        const o = <usize>i << 2;
        const wv = column4(w0, w1, w2, w3, o);
        s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(x0 + o), wv));
        s1 = f32x4.add(s1, f32x4.mul(v128.load32_splat(x1 + o), wv));
      }
      const y0 = y + <usize>r * yRow + (<usize>j << 2);
      const y1 = y0 + yRow;
      v128.store(y0, f32x4.add(v128.load(y0), s0));
      v128.store(y1, f32x4.add(v128.load(y1), s1));
    }
    if (m2 < m) {
      const x0 = a + <usize>m2 * aRow;
      let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
      let i = 0;
      for (; i < k4; i += 4) {
        const o = <usize>i << 2;
        const xa = v128.load(x0 + o);
        a0 = f32x4.add(a0, f32x4.mul(xa, v128.load(w0 + o)));
        a1 = f32x4.add(a1, f32x4.mul(xa, v128.load(w1 + o)));
        a2 = f32x4.add(a2, f32x4.mul(xa, v128.load(w2 + o)));
        a3 = f32x4.add(a3, f32x4.mul(xa, v128.load(w3 + o)));
      }
      let s0 = hsum4(a0, a1, a2, a3);
      for (; i < k; i++) {
        const o = <usize>i << 2;
        const wv = column4(w0, w1, w2, w3, o);
        s0 = f32x4.add(s0, f32x4.mul(v128.load32_splat(x0 + o), wv));
      }
      const y0 = y + <usize>m2 * yRow + (<usize>j << 2);
      v128.store(y0, f32x4.add(v128.load(y0), s0));
    }
  }
  for (let j = n4; j < n; j++) {
    const w0 = b + <usize>j * bRow;
    for (let r = 0; r < m; r++) {
      const x0 = a + <usize>r * aRow;
      let v0 = f32x4.splat(0), v1 = f32x4.splat(0);
      let i = 0;
      for (; i + 8 <= k; i += 8) {
        const o = <usize>i << 2;
        v0 = f32x4.add(v0, f32x4.mul(v128.load(x0 + o), v128.load(w0 + o)));
        v1 = f32x4.add(v1, f32x4.mul(v128.load(x0 + o, 16), v128.load(w0 + o, 16)));
      }
      for (; i < k4; i += 4) v0 = f32x4.add(v0, f32x4.mul(v128.load(x0 + (<usize>i << 2)), v128.load(w0 + (<usize>i << 2))));
      let s = hsum(f32x4.add(v0, v1));
      for (; i < k; i++) s += load<f32>(x0 + (<usize>i << 2)) * load<f32>(w0 + (<usize>i << 2));
      const p = y + <usize>r * yRow + (<usize>j << 2);
      store<f32>(p, load<f32>(p) + s);
    }
  }
}

const DW = 0;
const POINTWISE = 1;
const IM2COL = 2;

/** Same kernel choice as ops/conv.ts (depthwise 3×3 and generic depthwise share one backward). */
// @ts-ignore: decorator
@inline function gradKind(c: i32, f: i32, g: i32, kh: i32, kw: i32, sh: i32, sw: i32, pt: i32, pl: i32, pb: i32, pr: i32): i32 {
  if (g == c && f == c) return DW;
  return kh == 1 && kw == 1 && sh == 1 && sw == 1 && (pt | pl | pb | pr) == 0 ? POINTWISE : IM2COL;
}

// @ts-ignore: decorator
@inline function up4(n: usize): usize { return (n + 3) & ~3; }

/**
 * Scratch bytes of f32ConvBackward: depthwise: dZ of one image + dwconvGradScratch; else, for
 * blocks of `rows` output rows (R = rows·ow columns): Wᵀ (F·K), dZ (F·R), col (K·R, not for 1×1),
 * dCol (K·R) and the GEMM pack buffer (F/g·R), K = C/g·kh·kw.
 */
export function convBackwardScratch(c: i32, h: i32, w: i32, f: i32, g: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  pt: i32, pl: i32, pb: i32, pr: i32, oh: i32, ow: i32, rows: i32): usize {
  const k = gradKind(c, f, g, kh, kw, sh, sw, pt, pl, pb, pr);
  if (k == DW) return (up4(<usize>c * <usize>oh * <usize>ow) << 2) + dwconvGradScratch(oh, ow, kh, kw, sh, sw, dh, dw);
  const kk = <usize>(c / g) * <usize>kh * <usize>kw;
  const r = <usize>min(rows, oh) * <usize>ow;
  return (up4(<usize>f * kk) + up4(<usize>f * r) + (k == IM2COL ? up4(kk * r) : 0) + up4(kk * r) + up4(<usize>(f / g) * r)) << 2;
}

/**
 * Conv backward over a batch of NCHW images: dZ = dY·act'(Y); dB += Σ dZ; dW += dZ·colᵀ;
 * dX += col2im(Wᵀ·dZ). dx, dwt or db = 0 skips that gradient. `rows` = output rows per im2col
 * block (≥ 1); `buf` holds convBackwardScratch(…, rows) bytes, 16-aligned.
 */
export function f32ConvBackward(batch: i32, c: i32, h: i32, w: i32, f: i32, g: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  dh: i32, dw: i32, pt: i32, pl: i32, pb: i32, pr: i32, oh: i32, ow: i32, rows: i32, act: i32, actA: f32, actB: f32,
  x: usize, wt: usize, y: usize, dy: usize, dx: usize, dwt: usize, db: usize, buf: usize): void {
  const p = oh * ow;
  const xImage = <usize>c * <usize>h * <usize>w << 2;
  const yImage = <usize>f * <usize>p << 2;
  const k = gradKind(c, f, g, kh, kw, sh, sw, pt, pl, pb, pr);
  if (k == DW) {
    const work = buf + (up4(<usize>c * <usize>p) << 2);
    for (let i = 0; i < batch; i++) {
      const yo = <usize>i * yImage, xo = <usize>i * xImage;
      f32ConvGradAct(c, p, p, dy + yo, y + yo, act, actA, actB, buf);
      if (db) f32ConvGradB(c, p, buf, db);
      if (dwt || dx) f32DwconvGrad(c, h, w, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, x + xo, wt, buf, dx ? dx + xo : 0, dwt, work);
    }
    return;
  }
  const cg = c / g, fg = f / g, kk = cg * kh * kw;
  const rr = min(rows, oh), r = <usize>rr * <usize>ow;
  const wT = buf;
  const dz = wT + (up4(<usize>f * <usize>kk) << 2);
  const col = dz + (up4(<usize>f * r) << 2);
  const dcol = col + (k == IM2COL ? up4(<usize>kk * r) << 2 : 0);
  const pack = dcol + (up4(<usize>kk * r) << 2);
  const xGroup = <usize>cg * <usize>h * <usize>w << 2;
  const wGroup = <usize>fg * <usize>kk << 2;
  if (dx) {
    // Wᵀ per group: [kk, fg] from [fg, kk].
    for (let j = 0; j < g; j++) {
      const src = wt + <usize>j * wGroup, dst = wT + <usize>j * wGroup;
      for (let o = 0; o < fg; o++) {
        for (let q = 0; q < kk; q++) store<f32>(dst + (<usize>(q * fg + o) << 2), load<f32>(src + (<usize>(o * kk + q) << 2)));
      }
    }
  }
  for (let i = 0; i < batch; i++) {
    const yo = <usize>i * yImage, xo = <usize>i * xImage;
    for (let oy = 0; oy < oh; oy += rr) {
      const nr = min(rr, oh - oy), cnt = nr * ow, p0 = <usize>(oy * ow) << 2;
      f32ConvGradAct(f, cnt, p, dy + yo + p0, y + yo + p0, act, actA, actB, dz);
      if (db) f32ConvGradB(f, cnt, dz, db);
      for (let j = 0; j < g; j++) {
        const dzg = dz + (<usize>(j * fg) * <usize>cnt << 2);
        const xg = x + xo + <usize>j * xGroup;
        if (dwt) {
          if (k == POINTWISE) f32ConvGradW(fg, kk, cnt, dzg, cnt, xg + p0, p, dwt + <usize>j * wGroup);
          else {
            // Shifting the top pad makes im2col start at output row oy.
            f32Im2col(cg, h, w, kh, kw, sh, sw, dh, dw, pt - oy * sh, pl, nr, ow, xg, col);
            f32ConvGradW(fg, kk, cnt, dzg, cnt, col, cnt, dwt + <usize>j * wGroup);
          }
        }
        if (dx) {
          f32GemmNN(kk, cnt, fg, wT + <usize>j * wGroup, dzg, 0, dcol, cnt, 0, 0, 0, pack);
          const dxg = dx + xo + <usize>j * xGroup;
          if (k == POINTWISE) {
            for (let q = 0; q < kk; q++) addFloats(dxg + p0 + (<usize>q * <usize>p << 2), dcol + (<usize>q * <usize>cnt << 2), cnt);
          } else {
            f32Col2im(cg, h, w, kh, kw, sh, sw, dh, dw, pt - oy * sh, pl, nr, ow, dcol, dxg);
          }
        }
      }
    }
  }
}

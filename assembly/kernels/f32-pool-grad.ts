// MaxPool / AveragePool backward over NCHW planes (all of N·C at once), accumulating into dX.
// Windows exactly as f32-pool.ts (may start in the padding and run past the input end).
// MaxPool routes each dY to the first maximum of its window, recomputed from X (ties → first,
// the forward's `v > m` order). AveragePool spreads dY / n with the forward's divisor n.
// Windows wholly inside the input skip the bounds checks; 2×2 stride-2 max pooling (LeNet)
// runs 4 windows per f32x4 step when they lie inside the input.
import { f32MaxPoolGrad as maxGradScalar, f32AvgPoolGrad as avgGradScalar } from "./reference/f32-pool-grad";
import { innerLo, innerHi } from "./f32-pool";

/** dx += dy routed to the first maximum of each window. */
export function f32MaxPoolGrad(planes: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, x: usize, dy: usize, dx: usize): void {
  if (!ASC_FEATURE_SIMD) { maxGradScalar(planes, h, w, oh, ow, kh, kw, sh, sw, dh, dw, padT, padL, x, dy, dx); return; }
  const planeBytes = <usize>h * <usize>w << 2;
  const rowBytes = <usize>w << 2;
  // Output columns whose window lies inside [0, w): lo ≤ ox < hi.
  const lo = innerLo(padL, sw);
  const hi = innerHi(w, kw, sw, dw, padL, ow);
  const pair = kh == 2 && kw == 2 && sh == 2 && sw == 2 && dh == 1 && dw == 1;
  let g = dy;
  for (let p = 0; p < planes; p++) {
    const xp = x + <usize>p * planeBytes;
    const dp = dx + <usize>p * planeBytes;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - padT;
      const rowInside = iy0 >= 0 && iy0 + (kh - 1) * dh < h;
      let ox = 0;
      if (rowInside && hi > lo) {
        for (; ox < lo; ox++) maxAt(xp, dp, h, w, iy0, ox * sw - padL, kh, kw, dh, dw, load<f32>(g + (<usize>ox << 2)));
        if (pair) {
          // 4 windows of 2×2: rows r0, r1, 8 columns each; candidates a b (top) c d (bottom).
          for (; ox + 4 <= hi; ox += 4) {
            const o = <usize>(ox * 2 - padL) << 2;
            const r0 = xp + <usize>iy0 * rowBytes + o, r1 = r0 + rowBytes;
            const t0 = v128.load(r0), t1 = v128.load(r0, 16), u0 = v128.load(r1), u1 = v128.load(r1, 16);
            const a = v128.shuffle<f32>(t0, t1, 0, 2, 4, 6), b = v128.shuffle<f32>(t0, t1, 1, 3, 5, 7);
            const c = v128.shuffle<f32>(u0, u1, 0, 2, 4, 6), d = v128.shuffle<f32>(u0, u1, 1, 3, 5, 7);
            // First maximum in order a, b, c, d.
            const selA = v128.and(v128.and(f32x4.ge(a, b), f32x4.ge(a, c)), f32x4.ge(a, d));
            const selB = v128.andnot(v128.and(f32x4.ge(b, c), f32x4.ge(b, d)), selA);
            const selC = v128.andnot(f32x4.ge(c, d), v128.or(selA, selB));
            const selD = v128.not(v128.or(v128.or(selA, selB), selC));
            const gv = v128.load(g + (<usize>ox << 2));
            const ga = v128.and(gv, selA), gb = v128.and(gv, selB), gc = v128.and(gv, selC), gd = v128.and(gv, selD);
            const d0 = dp + <usize>iy0 * rowBytes + o, d1 = d0 + rowBytes;
            v128.store(d0, f32x4.add(v128.load(d0), v128.shuffle<f32>(ga, gb, 0, 4, 1, 5)));
            v128.store(d0, f32x4.add(v128.load(d0, 16), v128.shuffle<f32>(ga, gb, 2, 6, 3, 7)), 16);
            v128.store(d1, f32x4.add(v128.load(d1), v128.shuffle<f32>(gc, gd, 0, 4, 1, 5)));
            v128.store(d1, f32x4.add(v128.load(d1, 16), v128.shuffle<f32>(gc, gd, 2, 6, 3, 7)), 16);
          }
        }
        for (; ox < hi; ox++) {
          // Window inside the input: no bounds checks.
          const base = <usize>(iy0 * w + ox * sw - padL) << 2;
          let m = load<f32>(xp + base);
          let at = base;
          for (let ky = 0; ky < kh; ky++) {
            const row = base + (<usize>(ky * dh * w) << 2);
            for (let kx = 0; kx < kw; kx++) {
              const q = row + (<usize>(kx * dw) << 2);
              const v = load<f32>(xp + q);
              if (v > m) { m = v; at = q; }
            }
          }
          store<f32>(dp + at, load<f32>(dp + at) + load<f32>(g + (<usize>ox << 2)));
        }
      }
      for (; ox < ow; ox++) maxAt(xp, dp, h, w, iy0, ox * sw - padL, kh, kw, dh, dw, load<f32>(g + (<usize>ox << 2)));
      g += <usize>ow << 2;
    }
  }
}

// One window with bounds checks: adds gv at its first maximum (none if no tap is inside).
function maxAt(xp: usize, dp: usize, h: i32, w: i32, iy0: i32, ix0: i32, kh: i32, kw: i32, dh: i32, dw: i32, gv: f32): void {
  let m: f32 = 0;
  let at = -1;
  for (let ky = 0; ky < kh; ky++) {
    const iy = iy0 + ky * dh;
    if (iy < 0 || iy >= h) continue;
    for (let kx = 0; kx < kw; kx++) {
      const ix = ix0 + kx * dw;
      if (ix < 0 || ix >= w) continue;
      const i = iy * w + ix;
      const v = load<f32>(xp + (<usize>i << 2));
      if (at < 0 || v > m) { m = v; at = i; }
    }
  }
  if (at >= 0) {
    const q = dp + (<usize>at << 2);
    store<f32>(q, load<f32>(q) + gv);
  }
}

// Taps of one axis whose index lies in [lo, hi): ky with lo ≤ i0 + ky·d < hi.
// @ts-ignore: decorator
@inline function tapsIn(i0: i32, k: i32, d: i32, lo: i32, hi: i32): i32 {
  let n = 0;
  for (let t = 0; t < k; t++) { const i = i0 + t * d; if (i >= lo && i < hi) n++; }
  return n;
}

/** dx += dy / n over each window's taps inside x (n: the forward's divisor). */
export function f32AvgPoolGrad(planes: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, padB: i32, padR: i32, countIncludePad: i32, dy: usize, dx: usize): void {
  if (!ASC_FEATURE_SIMD) { avgGradScalar(planes, h, w, oh, ow, kh, kw, sh, sw, dh, dw, padT, padL, padB, padR, countIncludePad, dy, dx); return; }
  const planeBytes = <usize>h * <usize>w << 2;
  let gp = dy;
  for (let p = 0; p < planes; p++) {
    const dp = dx + <usize>p * planeBytes;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - padT;
      const ny = tapsIn(iy0, kh, dh, 0, h);
      const nyPad = countIncludePad ? tapsIn(iy0, kh, dh, -padT, h + padB) : ny;
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - padL;
        const nx = tapsIn(ix0, kw, dw, 0, w);
        const n = countIncludePad ? nyPad * tapsIn(ix0, kw, dw, -padL, w + padR) : ny * nx;
        const gv = load<f32>(gp + (<usize>ox << 2));
        if (n == 0 || ny == 0 || nx == 0) continue;
        const v = gv / <f32>n;
        for (let ky = 0; ky < kh; ky++) {
          const iy = iy0 + ky * dh;
          if (iy < 0 || iy >= h) continue;
          const row = dp + (<usize>(iy * w) << 2);
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw;
            if (ix < 0 || ix >= w) continue;
            const q = row + (<usize>ix << 2);
            store<f32>(q, load<f32>(q) + v);
          }
        }
      }
      gp += <usize>ow << 2;
    }
  }
}

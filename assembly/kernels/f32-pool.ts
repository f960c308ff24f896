// MaxPool / AveragePool over NCHW planes (all of N·C at once). Output dims come from the
// caller (the compiler applied ceil_mode), so windows may start in the padding and run past
// the input end. Rows and 4-output blocks whose whole window lies inside the input run as
// f32x4 (stride 1: plain loads, stride 2: two loads + even-lane shuffle); the rest is scalar
// with bounds. AveragePool divides by the window size clipped to the padded extent when
// countIncludePad, else by the number of taps inside the input.
import { f32MaxPool as maxScalar, f32AvgPool as avgScalar } from "./reference/f32-pool";

// @ts-ignore: decorator
@inline function gather(p: usize, sw: i32): v128 {
  if (sw == 1) return v128.load(p);
  return v128.shuffle<f32>(v128.load(p), v128.load(p, 12), 0, 2, 5, 7);
}

// First and one-past-last output column whose window lies fully inside [0, w) (also the
// backward's, f32-pool-grad.ts).
// @ts-ignore: decorator
@inline export function innerLo(padL: i32, sw: i32): i32 { return (padL + sw - 1) / sw; }
// @ts-ignore: decorator
@inline export function innerHi(w: i32, kw: i32, sw: i32, dw: i32, padL: i32, ow: i32): i32 {
  const last = w - 1 - (kw - 1) * dw + padL; // ox·sw ≤ last
  return last < 0 ? 0 : min(ow, last / sw + 1);
}

function poolScalarAt(x: usize, h: i32, w: i32, oy: i32, ox: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, padB: i32, padR: i32, isMax: bool, countIncludePad: i32): f32 {
  let m: f32 = -Infinity;
  let s: f32 = 0;
  let inside = 0;
  let padded = 0;
  for (let ky = 0; ky < kh; ky++) {
    const iy = oy * sh - padT + ky * dh;
    if (iy < -padT || iy >= h + padB) continue;
    for (let kx = 0; kx < kw; kx++) {
      const ix = ox * sw - padL + kx * dw;
      if (ix < -padL || ix >= w + padR) continue;
      padded++;
      if (iy < 0 || iy >= h || ix < 0 || ix >= w) continue;
      const v = load<f32>(x + (<usize>(iy * w + ix) << 2));
      inside++;
      if (isMax) { if (v > m) m = v; } else s += v;
    }
  }
  if (isMax) return m;
  const n = countIncludePad ? padded : inside;
  return n > 0 ? s / <f32>n : 0;
}

// Inlined into each caller so `isMax` folds to a constant.
// @ts-ignore: decorator
@inline function pool(planes: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, padB: i32, padR: i32, isMax: bool, countIncludePad: i32, x: usize, y: usize): void {
  const simd = sw <= 2;
  const lo = innerLo(padL, sw);
  const hi = innerHi(w, kw, sw, dw, padL, ow);
  const inv = f32x4.splat(1 / <f32>(kh * kw));
  const planeBytes = <usize>h * <usize>w << 2;
  let out = y;
  for (let p = 0; p < planes; p++) {
    const xp = x + <usize>p * planeBytes;
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - padT;
      const rowInside = iy0 >= 0 && iy0 + (kh - 1) * dh < h;
      let ox = 0;
      if (simd && rowInside && hi - lo >= 4) {
        for (; ox < lo; ox++) {
          store<f32>(out + (<usize>ox << 2), poolScalarAt(xp, h, w, oy, ox, kh, kw, sh, sw, dh, dw, padT, padL, padB, padR, isMax, countIncludePad));
        }
        for (; ox + 4 <= hi; ox += 4) {
          const base = xp + (<usize>(iy0 * w + ox * sw - padL) << 2);
          let a = isMax ? f32x4.splat(-Infinity) : f32x4.splat(0);
          for (let ky = 0; ky < kh; ky++) {
            const row = base + (<usize>(ky * dh * w) << 2);
            for (let kx = 0; kx < kw; kx++) {
              const v = gather(row + (<usize>(kx * dw) << 2), sw);
              a = isMax ? f32x4.pmax(a, v) : f32x4.add(a, v);
            }
          }
          v128.store(out + (<usize>ox << 2), isMax ? a : f32x4.mul(a, inv));
        }
        for (; ox < hi; ox++) {
          const base = xp + (<usize>(iy0 * w + ox * sw - padL) << 2);
          let a: f32 = isMax ? -Infinity : 0;
          for (let ky = 0; ky < kh; ky++) {
            const row = base + (<usize>(ky * dh * w) << 2);
            for (let kx = 0; kx < kw; kx++) {
              const v = load<f32>(row + (<usize>(kx * dw) << 2));
              a = isMax ? max(a, v) : a + v;
            }
          }
          store<f32>(out + (<usize>ox << 2), isMax ? a : a * f32x4.extract_lane(inv, 0));
        }
      }
      for (; ox < ow; ox++) {
        store<f32>(out + (<usize>ox << 2), poolScalarAt(xp, h, w, oy, ox, kh, kw, sh, sw, dh, dw, padT, padL, padB, padR, isMax, countIncludePad));
      }
      out += <usize>ow << 2;
    }
  }
}

/** MaxPool over `planes` = N·C planes of h×w into oh×ow. */
export function f32MaxPool(planes: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, x: usize, y: usize): void {
  if (!ASC_FEATURE_SIMD) { maxScalar(planes, h, w, oh, ow, kh, kw, sh, sw, dh, dw, padT, padL, x, y); return; }
  pool(planes, h, w, oh, ow, kh, kw, sh, sw, dh, dw, padT, padL, 0, 0, true, 0, x, y);
}

/** AveragePool over `planes` = N·C planes of h×w into oh×ow. */
export function f32AvgPool(planes: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, padB: i32, padR: i32, countIncludePad: i32, x: usize, y: usize): void {
  if (!ASC_FEATURE_SIMD) { avgScalar(planes, h, w, oh, ow, kh, kw, sh, sw, dh, dw, padT, padL, padB, padR, countIncludePad, x, y); return; }
  pool(planes, h, w, oh, ow, kh, kw, sh, sw, dh, dw, padT, padL, padB, padR, false, countIncludePad, x, y);
}

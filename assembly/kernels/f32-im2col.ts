// im2col of one image (or one group's channels) of an NCHW tensor:
// col[(c·kh + ky)·kw + kx, oy·ow + ox] = x[c, oy·sh − padT + ky·dh, ox·sw − padL + kx·dw], 0 in padding.
// The copy is O(K·P) next to the GEMM's O(F·K·P); rows with sw = 1 are a copyFloats.
import { f32Im2col as im2colScalar } from "./reference/f32-im2col";

/**
 * dst[0..n) = src[0..n) for short rows (n floats, no overlap): inline f32x4 moves, because
 * memory.copy is a call out of the wasm code in V8 and dominated rows of 8–64 floats.
 */
// @ts-ignore: decorator
@inline export function copyFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), v128.load(src + (<usize>i << 2)));
  }
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), load<f32>(src + (<usize>i << 2)));
}

// Valid ox of one tap, shared with f32-col2im.ts: 0 ≤ ox·s + off < w (off = kx·dw − padL).
/** The first valid ox. */
// @ts-ignore: decorator
@inline export function validStart(off: i32, s: i32): i32 { return off >= 0 ? 0 : (-off + s - 1) / s; }
/** One past the last valid ox, at most ow. */
// @ts-ignore: decorator
@inline export function validEnd(off: i32, s: i32, w: i32, ow: i32): i32 {
  const e = w - off <= 0 ? 0 : (w - off + s - 1) / s;
  return e > ow ? ow : e;
}

// @ts-ignore: decorator
@inline function fillZero(dst: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) v128.store(dst + (<usize>i << 2), f32x4.splat(0));
  for (; i < n; i++) store<f32>(dst + (<usize>i << 2), 0);
}

export function f32Im2col(c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, x: usize, col: usize): void {
  if (!ASC_FEATURE_SIMD) { im2colScalar(c, h, w, kh, kw, sh, sw, dh, dw, padT, padL, oh, ow, x, col); return; }
  let out = col;
  for (let ch = 0; ch < c; ch++) {
    const plane = x + (<usize>ch * <usize>h * <usize>w << 2);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const off = kx * dw - padL;
        const ox1 = validEnd(off, sw, w, ow), ox0 = min(validStart(off, sw), ox1);
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - padT + ky * dh;
          if (iy < 0 || iy >= h) {
            fillZero(out, ow);
          } else {
            fillZero(out, ox0);
            const row = plane + (<usize>(iy * w) << 2);
            if (sw == 1) {
              copyFloats(out + (<usize>ox0 << 2), row + (<usize>(ox0 + off) << 2), ox1 - ox0);
            } else {
              for (let ox = ox0; ox < ox1; ox++) {
                store<f32>(out + (<usize>ox << 2), load<f32>(row + (<usize>(ox * sw + off) << 2)));
              }
            }
            fillZero(out + (<usize>ox1 << 2), ow - ox1);
          }
          out += <usize>ow << 2;
        }
      }
    }
  }
}

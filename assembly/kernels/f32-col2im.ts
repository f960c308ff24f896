// col2im of one image (or one group's channels): the adjoint of f32-im2col.ts, accumulating.
// x[c, oy·sh − padT + ky·dh, ox·sw − padL + kx·dw] += col[(c·kh + ky)·kw + kx, oy·ow + ox] for
// taps inside x (padding taps are dropped). Same valid-range walk as im2col: per (c, ky, kx)
// the valid ox range is computed once; rows with sw = 1 are an f32x4 add of a contiguous run.
import { f32Col2im as col2imScalar } from "./reference/f32-col2im";
import { validStart, validEnd } from "./f32-im2col";

/** dst[0..n) += src[0..n) (n floats, no overlap). */
// @ts-ignore: decorator
@inline export function addFloats(dst: usize, src: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(dst + o, f32x4.add(v128.load(dst + o), v128.load(src + o)));
    }
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(dst + o, load<f32>(dst + o) + load<f32>(src + o));
  }
}

export function f32Col2im(c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, col: usize, x: usize): void {
  if (!ASC_FEATURE_SIMD) { col2imScalar(c, h, w, kh, kw, sh, sw, dh, dw, padT, padL, oh, ow, col, x); return; }
  let src = col;
  const rowBytes = <usize>ow << 2;
  for (let ch = 0; ch < c; ch++) {
    const plane = x + (<usize>ch * <usize>h * <usize>w << 2);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const off = kx * dw - padL;
        const ox1 = validEnd(off, sw, w, ow), ox0 = min(validStart(off, sw), ox1);
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - padT + ky * dh;
          if (iy >= 0 && iy < h) {
            const row = plane + (<usize>(iy * w) << 2);
            if (sw == 1) {
              addFloats(row + (<usize>(ox0 + off) << 2), src + (<usize>ox0 << 2), ox1 - ox0);
            } else {
              for (let ox = ox0; ox < ox1; ox++) {
                const q = row + (<usize>(ox * sw + off) << 2);
                store<f32>(q, load<f32>(q) + load<f32>(src + (<usize>ox << 2)));
              }
            }
          }
          src += rowBytes;
        }
      }
    }
  }
}

// Scalar oracle of kernels/f32-conv-dw.ts (same signature; `buf` is unused).
import { actS } from "../f32-gemm-act";

export function f32ConvDw(c: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, x: usize, wt: usize, b: usize, y: usize, act: i32, actA: f32, actB: f32, buf: usize): void {
  for (let ch = 0; ch < c; ch++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let a: f32 = 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - padT + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - padL + kx * dw;
            if (ix < 0 || ix >= w) continue;
            a += load<f32>(wt + (<usize>((ch * kh + ky) * kw + kx) << 2)) * load<f32>(x + (<usize>((ch * h + iy) * w + ix) << 2));
          }
        }
        a += load<f32>(b + (<usize>ch << 2));
        store<f32>(y + (<usize>((ch * oh + oy) * ow + ox) << 2), actS(a, act, actA, actB));
      }
    }
  }
}

// Scalar oracle of kernels/f32-dwconv-3x3.ts (same signature; `buf` is unused).
import { actS } from "../f32-gemm-act";

export function f32Dwconv3x3(c: i32, h: i32, w: i32, oh: i32, ow: i32, s: i32, padT: i32, padL: i32,
  x: usize, wt: usize, b: usize, y: usize, act: i32, actA: f32, actB: f32, buf: usize): void {
  for (let ch = 0; ch < c; ch++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let a: f32 = 0;
        for (let ky = 0; ky < 3; ky++) {
          const iy = oy * s - padT + ky;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < 3; kx++) {
            const ix = ox * s - padL + kx;
            if (ix < 0 || ix >= w) continue;
            a += load<f32>(wt + (<usize>(ch * 9 + ky * 3 + kx) << 2)) * load<f32>(x + (<usize>((ch * h + iy) * w + ix) << 2));
          }
        }
        a += load<f32>(b + (<usize>ch << 2));
        store<f32>(y + (<usize>((ch * oh + oy) * ow + ox) << 2), actS(a, act, actA, actB));
      }
    }
  }
}

// Scalar oracle of kernels/f32-pool.ts (same signatures).

export function f32MaxPool(planes: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, x: usize, y: usize): void {
  for (let p = 0; p < planes; p++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let m: f32 = -Infinity;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - padT + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - padL + kx * dw;
            if (ix < 0 || ix >= w) continue;
            const v = load<f32>(x + (<usize>((p * h + iy) * w + ix) << 2));
            if (v > m) m = v;
          }
        }
        store<f32>(y + (<usize>((p * oh + oy) * ow + ox) << 2), m);
      }
    }
  }
}

export function f32AvgPool(planes: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, padB: i32, padR: i32, countIncludePad: i32, x: usize, y: usize): void {
  for (let p = 0; p < planes; p++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let s: f32 = 0;
        let n = 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - padT + ky * dh;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - padL + kx * dw;
            const inInput = iy >= 0 && iy < h && ix >= 0 && ix < w;
            const inPadded = iy >= -padT && iy < h + padB && ix >= -padL && ix < w + padR;
            if (inInput) s += load<f32>(x + (<usize>((p * h + iy) * w + ix) << 2));
            if (countIncludePad ? inPadded : inInput) n++;
          }
        }
        store<f32>(y + (<usize>((p * oh + oy) * ow + ox) << 2), n > 0 ? s / <f32>n : 0);
      }
    }
  }
}

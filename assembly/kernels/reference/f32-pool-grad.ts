// Scalar oracles of kernels/f32-pool-grad.ts (same signatures).

/** dx += dy routed to the first maximum of each window (recomputed from x; windows as f32MaxPool). */
export function f32MaxPoolGrad(planes: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, x: usize, dy: usize, dx: usize): void {
  for (let p = 0; p < planes; p++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let m: f32 = 0;
        let at = -1;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - padT + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - padL + kx * dw;
            if (ix < 0 || ix >= w) continue;
            const i = (p * h + iy) * w + ix;
            const v = load<f32>(x + (<usize>i << 2));
            if (at < 0 || v > m) { m = v; at = i; }
          }
        }
        if (at >= 0) {
          const q = dx + (<usize>at << 2);
          store<f32>(q, load<f32>(q) + load<f32>(dy + (<usize>((p * oh + oy) * ow + ox) << 2)));
        }
      }
    }
  }
}

/** dx += dy / n over each window's taps inside x; n as in f32AvgPool (countIncludePad: taps inside the padded extent). */
export function f32AvgPoolGrad(planes: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, padB: i32, padR: i32, countIncludePad: i32, dy: usize, dx: usize): void {
  for (let p = 0; p < planes; p++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        let n = 0;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - padT + ky * dh;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - padL + kx * dw;
            const inInput = iy >= 0 && iy < h && ix >= 0 && ix < w;
            const inPadded = iy >= -padT && iy < h + padB && ix >= -padL && ix < w + padR;
            if (countIncludePad ? inPadded : inInput) n++;
          }
        }
        if (n == 0) continue;
        const g = load<f32>(dy + (<usize>((p * oh + oy) * ow + ox) << 2)) / <f32>n;
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - padT + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - padL + kx * dw;
            if (ix < 0 || ix >= w) continue;
            const q = dx + (<usize>((p * h + iy) * w + ix) << 2);
            store<f32>(q, load<f32>(q) + g);
          }
        }
      }
    }
  }
}

// Scalar oracle of kernels/f32-im2col.ts (same signature).

export function f32Im2col(c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, x: usize, col: usize): void {
  let out = col;
  for (let ch = 0; ch < c; ch++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        for (let oy = 0; oy < oh; oy++) {
          for (let ox = 0; ox < ow; ox++) {
            const iy = oy * sh - padT + ky * dh;
            const ix = ox * sw - padL + kx * dw;
            let v: f32 = 0;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) v = load<f32>(x + (<usize>((ch * h + iy) * w + ix) << 2));
            store<f32>(out, v);
            out += 4;
          }
        }
      }
    }
  }
}

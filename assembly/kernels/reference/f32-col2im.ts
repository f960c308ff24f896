// Scalar oracle of kernels/f32-col2im.ts (same signature): the adjoint of f32Im2col.

/** x[c, oy·sh − padT + ky·dh, ox·sw − padL + kx·dw] += col[(c·kh + ky)·kw + kx, oy·ow + ox] (inside x only). */
export function f32Col2im(c: i32, h: i32, w: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, oh: i32, ow: i32, col: usize, x: usize): void {
  let src = col;
  for (let ch = 0; ch < c; ch++) {
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        for (let oy = 0; oy < oh; oy++) {
          for (let ox = 0; ox < ow; ox++) {
            const iy = oy * sh - padT + ky * dh;
            const ix = ox * sw - padL + kx * dw;
            if (iy >= 0 && iy < h && ix >= 0 && ix < w) {
              const p = x + (<usize>((ch * h + iy) * w + ix) << 2);
              store<f32>(p, load<f32>(p) + load<f32>(src));
            }
            src += 4;
          }
        }
      }
    }
  }
}

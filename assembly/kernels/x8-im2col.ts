// im2col of a u8 image for the int8 Conv (docs/FORMAT.md §3.7), position-major: output row
// `r` (positions oy0.. of a block, ox inner) holds that window's cg·kh·kw bytes in (c, ky, kx)
// order, kp bytes apart, so qs8-gemm dots it with a W row. Pads read as `zero` (the real 0).
// Interior windows copy each (c, ky) run with no bounds checks.
export function x8Im2col(cg: i32, h: i32, wd: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
  oy0: i32, rows: i32, ow: i32, x: usize, zero: i32, out: usize, kp: i32): void {
  const plane = <usize>h * <usize>wd;
  for (let oy = oy0; oy < oy0 + rows; oy++) {
    const iy0 = oy * sh - pt, inY = iy0 >= 0 && iy0 + (kh - 1) * dh < h;
    for (let ox = 0; ox < ow; ox++) {
      const ix0 = ox * sw - pl, inside = inY && ix0 >= 0 && ix0 + (kw - 1) * dw < wd;
      let o = out + <usize>((oy - oy0) * ow + ox) * <usize>kp;
      for (let c = 0; c < cg; c++) {
        const xc = x + <usize>c * plane;
        for (let ky = 0; ky < kh; ky++) {
          const iy = iy0 + ky * dh;
          const xr = xc + <usize>iy * <usize>wd;
          if (inside) {
            for (let kx = 0; kx < kw; kx++) store<u8>(o + kx, load<u8>(xr + <usize>(ix0 + kx * dw)));
          } else {
            for (let kx = 0; kx < kw; kx++) {
              const ix = ix0 + kx * dw;
              store<u8>(o + kx, <u32>iy < <u32>h && <u32>ix < <u32>wd ? load<u8>(xr + <usize>ix) : <u8>zero);
            }
          }
          o += kw;
        }
      }
    }
  }
}

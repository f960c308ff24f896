// Scalar oracle of kernels/f32-dwconv-grad.ts (same signature; `buf` is unused).

/**
 * Depthwise conv backward for one image, from dz (= dY with the activation already undone):
 * dwt[c, ky, kx] += Σ dz[c, oy, ox] · x[c, iy, ix] and dx[c, iy, ix] += wt[c, ky, kx] · dz[c, oy, ox]
 * (dx or dwt = 0: skipped).
 */
export function f32DwconvGrad(c: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, x: usize, wt: usize, dz: usize, dx: usize, dwt: usize, buf: usize): void {
  for (let ch = 0; ch < c; ch++) {
    for (let oy = 0; oy < oh; oy++) {
      for (let ox = 0; ox < ow; ox++) {
        const g = load<f32>(dz + (<usize>((ch * oh + oy) * ow + ox) << 2));
        for (let ky = 0; ky < kh; ky++) {
          const iy = oy * sh - padT + ky * dh;
          if (iy < 0 || iy >= h) continue;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ox * sw - padL + kx * dw;
            if (ix < 0 || ix >= w) continue;
            const xi = <usize>((ch * h + iy) * w + ix) << 2;
            const wi = <usize>((ch * kh + ky) * kw + kx) << 2;
            if (dwt) store<f32>(dwt + wi, load<f32>(dwt + wi) + g * load<f32>(x + xi));
            if (dx) store<f32>(dx + xi, load<f32>(dx + xi) + g * load<f32>(wt + wi));
          }
        }
      }
    }
  }
}

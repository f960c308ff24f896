// im2col of a u8 image for the int8 Conv (docs/FORMAT.md §3.7), position-major: output row
// `r` (positions oy0.. of a block, ox inner) holds that window's cg·kh·kw bytes in (c, ky, kx)
// order, kp bytes apart, so qs8-gemm dots it with a W row. Pads read as `zero` (the real 0).
// Loops run (oy, c, ky) outside and positions inside, split in three ranges: the interior
// positions [lo, hi) of an in-range input row copy their kw bytes 8 at a time when dw = 1 (one
// u64 move per position for kw ≤ 8, 3–4× faster than a per-position test), the border
// positions and rows outside the image go byte by byte. The 8-byte moves write up to 7 bytes past the run:
// those land in runs written next, or past K in the row's padding, so callers give kp ≥ K + 7
// (decode/int8.ts does for rank-4 W) and read up to 8 bytes past x's end.
export function x8Im2col(cg: i32, h: i32, wd: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32, pt: i32, pl: i32,
  oy0: i32, rows: i32, ow: i32, x: usize, zero: i32, out: usize, kp: i32): void {
  // Interior positions ox in [lo, hi): every kx reads inside the row.
  let lo = 0;
  while (lo < ow && lo * sw - pl < 0) lo++;
  let hi = ow;
  while (hi > lo && (hi - 1) * sw - pl + (kw - 1) * dw >= wd) hi--;
  const step = <usize>kp;
  for (let oy = oy0; oy < oy0 + rows; oy++) {
    const base = out + <usize>((oy - oy0) * ow) * step;
    for (let c = 0, off = 0; c < cg; c++) {
      for (let ky = 0; ky < kh; ky++, off += kw) {
        const iy = oy * sh - pt + ky * dh, row = x + (<usize>(c * h + iy) * <usize>wd), o = base + off;
        let a = 0, b = 0;
        if (<u32>iy < <u32>h && dw == 1) {
          a = lo; b = hi;
          let d = o + <usize>a * step, s = row + <usize>(a * sw - pl);
          if (kw <= 8) for (let ox = a; ox < b; ox++, d += step, s += sw) store<u64>(d, load<u64>(s));
          else for (let ox = a; ox < b; ox++, d += step, s += sw) for (let kx = 0; kx < kw; kx += 8) store<u64>(d + kx, load<u64>(s + kx));
        }
        for (let ox = 0; ox < ow; ox++) {
          if (ox == a) { ox = b; if (ox >= ow) break; }
          const ix0 = ox * sw - pl, d = o + <usize>ox * step;
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw;
            store<u8>(d + kx, <u32>iy < <u32>h && <u32>ix < <u32>wd ? load<u8>(row + <usize>ix) : <u8>zero);
          }
        }
      }
    }
  }
}

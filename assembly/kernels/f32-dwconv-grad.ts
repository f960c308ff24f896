// Depthwise convolution backward (one filter per channel; any kernel, stride, dilation, pads)
// for one image, from dZ (= dY with the fused activation already undone):
//   dW[c, ky, kx] += Σ dZ[c, oy, ox] · x[c, oy·sh − padT + ky·dh, ox·sw − padL + kx·dw]
//   dX[c, iy, ix] += Σ W[c, ky, kx] · dZ[c, oy, ox]
// Direct loops over the same zero-bordered channel buffer as the forward (f32-conv-dw.ts), plus
// a second one collecting dX (added back into dX's interior per channel), so there are no
// bounds checks. Tap-outer order: one f32x4 accumulator per tap, 4 outputs per step for
// strides 1 and 2 (even lanes by shuffles); other strides are scalar over the buffers.
import { f32DwconvGrad as dwGradScalar } from "./reference/f32-dwconv-grad";
import { copyFloats } from "./f32-im2col";
import { addFloats } from "./f32-col2im";

// Row width: the taps span (ow − 1)·sw + (kw − 1)·dw + 1 floats; one more for stride 2, whose last
// 8-float block reaches one past its last tap.
// @ts-ignore: decorator
@inline function rowFloats(ow: i32, kw: i32, sw: i32, dw: i32): i32 { return ((ow - 1) * sw + (kw - 1) * dw + 2 + 3) & ~3; }
// @ts-ignore: decorator
@inline function bufRows(oh: i32, kh: i32, sh: i32, dh: i32): i32 { return (oh - 1) * sh + (kh - 1) * dh + 1; }

/** Scratch bytes f32DwconvGrad needs for these dims (two padded channel buffers). */
export function dwconvGradScratch(oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32): usize {
  return <usize>2 * (<usize>(bufRows(oh, kh, sh, dh) * rowFloats(ow, kw, sw, dw)) << 2);
}

/** dwt += ∂, dx += ∂ (either 0: skipped) for one image; `buf` holds dwconvGradScratch(…) bytes. */
export function f32DwconvGrad(c: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, x: usize, wt: usize, dz: usize, dx: usize, dwt: usize, buf: usize): void {
  if (!ASC_FEATURE_SIMD) { dwGradScalar(c, h, w, oh, ow, kh, kw, sh, sw, dh, dw, padT, padL, x, wt, dz, dx, dwt, buf); return; }
  const wp = rowFloats(ow, kw, sw, dw);
  const rows = bufRows(oh, kh, sh, dh);
  const rowBytes = <usize>wp << 2;
  const planeBytes = <usize>rows * rowBytes;
  const xb = buf, gb = buf + planeBytes;
  memory.fill(xb, 0, planeBytes);
  // Input rows/columns that land inside the buffer (the others touch no window).
  const iy0 = padT > 0 ? 0 : -padT;
  const iy1 = min(h, rows - padT);
  const ix0 = padL > 0 ? 0 : -padL;
  const ix1 = min(w, wp - padL);
  const copyN = ix1 - ix0;
  const ow4 = sw <= 2 ? ow & ~3 : 0;
  const zero = f32x4.splat(0);
  const outBytes = <usize>ow << 2;
  for (let ch = 0; ch < c; ch++) {
    const plane = x + (<usize>ch * <usize>h * <usize>w << 2);
    if (dwt) {
      for (let iy = iy0; iy < iy1; iy++) {
        copyFloats(xb + <usize>(iy + padT) * rowBytes + (<usize>(ix0 + padL) << 2), plane + (<usize>(iy * w + ix0) << 2), copyN);
      }
    }
    if (dx) memory.fill(gb, 0, planeBytes);
    const dzc = dz + (<usize>ch * <usize>oh * <usize>ow << 2);
    for (let ky = 0; ky < kh; ky++) {
      for (let kx = 0; kx < kw; kx++) {
        const tap = wt + (<usize>((ch * kh + ky) * kw + kx) << 2);
        const wv = load<f32>(tap);
        const ws = f32x4.splat(wv);
        let acc = f32x4.splat(0);
        let accS: f32 = 0;
        const tapOff = <usize>(ky * dh) * rowBytes + (<usize>(kx * dw) << 2);
        for (let oy = 0; oy < oh; oy++) {
          const rowOff = <usize>(oy * sh) * rowBytes + tapOff;
          const xr = xb + rowOff, gr = gb + rowOff;
          const dr = dzc + <usize>oy * outBytes;
          if (sw == 1) {
            if (dwt && dx) {
              for (let ox = 0; ox < ow4; ox += 4) {
                const o = <usize>ox << 2;
                const v = v128.load(dr + o);
                acc = f32x4.add(acc, f32x4.mul(v, v128.load(xr + o)));
                v128.store(gr + o, f32x4.add(v128.load(gr + o), f32x4.mul(ws, v)));
              }
            } else if (dwt) {
              for (let ox = 0; ox < ow4; ox += 4) {
                const o = <usize>ox << 2;
                acc = f32x4.add(acc, f32x4.mul(v128.load(dr + o), v128.load(xr + o)));
              }
            } else {
              for (let ox = 0; ox < ow4; ox += 4) {
                const o = <usize>ox << 2;
                v128.store(gr + o, f32x4.add(v128.load(gr + o), f32x4.mul(ws, v128.load(dr + o))));
              }
            }
          } else {
            // Stride 2: the 4 taps are the even lanes of 8 buffer floats (the 8th is still inside
            // the row, see rowFloats; dX adds 0 there).
            for (let ox = 0; ox < ow4; ox += 4) {
              const v = v128.load(dr + (<usize>ox << 2));
              const q = <usize>ox << 3;
              if (dwt) acc = f32x4.add(acc, f32x4.mul(v, v128.shuffle<f32>(v128.load(xr + q), v128.load(xr + q, 16), 0, 2, 4, 6)));
              if (dx) {
                const t = f32x4.mul(ws, v);
                v128.store(gr + q, f32x4.add(v128.load(gr + q), v128.shuffle<f32>(t, zero, 0, 4, 1, 5)));
                v128.store(gr + q, f32x4.add(v128.load(gr + q, 16), v128.shuffle<f32>(t, zero, 2, 6, 3, 7)), 16);
              }
            }
          }
          for (let ox = ow4; ox < ow; ox++) {
            const g = load<f32>(dr + (<usize>ox << 2));
            const q = <usize>(ox * sw) << 2;
            accS += g * load<f32>(xr + q);
            if (dx) store<f32>(gr + q, load<f32>(gr + q) + wv * g);
          }
        }
        if (dwt) {
          const t = f32x4.add(acc, v128.shuffle<f32>(acc, acc, 2, 3, 0, 1));
          const wg = dwt + (<usize>((ch * kh + ky) * kw + kx) << 2);
          store<f32>(wg, load<f32>(wg) + (f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1) + accS));
        }
      }
    }
    if (dx) {
      const dplane = dx + (<usize>ch * <usize>h * <usize>w << 2);
      for (let iy = iy0; iy < iy1; iy++) {
        addFloats(dplane + (<usize>(iy * w + ix0) << 2), gb + <usize>(iy + padT) * rowBytes + (<usize>(ix0 + padL) << 2), copyN);
      }
    }
  }
}

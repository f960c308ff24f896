// Generic depthwise convolution (one filter per channel): any kernel, stride, dilation, pads.
// Same zero-bordered channel buffer as f32-dwconv-3x3.ts; stride-1 rows run 4 outputs per
// f32x4, other strides are scalar over the buffer (3×3 stride 1/2 has its own kernel).
import { actS, actV } from "./f32-gemm-act";
import { copyFloats } from "./f32-im2col";

// @ts-ignore: decorator
@inline function rowFloats(ow: i32, kw: i32, sw: i32, dw: i32): i32 { return ((ow - 1) * sw + (kw - 1) * dw + 1 + 3 + 3) & ~3; }

/** Scratch bytes f32ConvDw needs for these dims. */
export function convDwScratch(oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32): usize {
  return <usize>(((oh - 1) * sh + (kh - 1) * dh + 1) * rowFloats(ow, kw, sw, dw)) << 2;
}

// Stride-1 outputs [0, ow4) of one row, 4 at a time, from the buffer rows starting at r.
// @ts-ignore: decorator
@inline function rowSimd(r: usize, rowBytes: usize, k: usize, kh: i32, kw: i32, dh: i32, dw: i32, bias: f32, out: usize, ow4: i32,
  act: i32, actA: f32, actB: f32): void {
  const va = f32x4.splat(actA);
  const vb = f32x4.splat(actB);
  for (let ox = 0; ox < ow4; ox += 4) {
    let a = f32x4.splat(bias);
    for (let ky = 0; ky < kh; ky++) {
      const rr = r + <usize>(ky * dh) * rowBytes + (<usize>ox << 2);
      const kk = k + (<usize>(ky * kw) << 2);
      for (let kx = 0; kx < kw; kx++) {
        a = f32x4.add(a, f32x4.mul(v128.load32_splat(kk + (<usize>kx << 2)), v128.load(rr + (<usize>(kx * dw) << 2))));
      }
    }
    v128.store(out + (<usize>ox << 2), actV(a, act, va, vb));
  }
}

/**
 * y[c] = act(b[c] + x[c] ⋆ w[c]) for one image; `buf` holds convDwScratch(...) bytes. The
 * scalar build runs the same buffer walk with scalar taps only.
 */
export function f32ConvDw(c: i32, h: i32, w: i32, oh: i32, ow: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  padT: i32, padL: i32, x: usize, wt: usize, b: usize, y: usize, act: i32, actA: f32, actB: f32, buf: usize): void {
  const wp = rowFloats(ow, kw, sw, dw);
  const rows = (oh - 1) * sh + (kh - 1) * dh + 1;
  const rowBytes = <usize>wp << 2;
  memory.fill(buf, 0, <usize>rows * rowBytes);
  const iy0 = padT > 0 ? 0 : -padT;
  const iy1 = min(h, rows - padT);
  const ix0 = padL > 0 ? 0 : -padL;
  const ix1 = min(w, wp - padL);
  const copyN = ix1 - ix0;
  const ow4 = ASC_FEATURE_SIMD && sw == 1 ? ow & ~3 : 0;
  const taps = kh * kw;
  for (let ch = 0; ch < c; ch++) {
    const plane = x + (<usize>ch * <usize>h * <usize>w << 2);
    for (let iy = iy0; iy < iy1; iy++) {
      copyFloats(buf + <usize>(iy + padT) * rowBytes + (<usize>(ix0 + padL) << 2), plane + (<usize>(iy * w + ix0) << 2), copyN);
    }
    const k = wt + (<usize>(ch * taps) << 2);
    const bias = load<f32>(b + (<usize>ch << 2));
    let out = y + (<usize>ch * <usize>oh * <usize>ow << 2);
    for (let oy = 0; oy < oh; oy++) {
      const r = buf + <usize>(oy * sh) * rowBytes;
      if (ASC_FEATURE_SIMD) rowSimd(r, rowBytes, k, kh, kw, dh, dw, bias, out, ow4, act, actA, actB);
      for (let ox = ow4; ox < ow; ox++) {
        let a = bias;
        for (let ky = 0; ky < kh; ky++) {
          const rr = r + <usize>(ky * dh) * rowBytes + (<usize>(ox * sw) << 2);
          const kk = k + (<usize>(ky * kw) << 2);
          for (let kx = 0; kx < kw; kx++) a += load<f32>(kk + (<usize>kx << 2)) * load<f32>(rr + (<usize>(kx * dw) << 2));
        }
        store<f32>(out + (<usize>ox << 2), actS(a, act, actA, actB));
      }
      out += <usize>ow << 2;
    }
  }
}

// Depthwise 3×3 convolution, stride 1 or 2, dilation 1, any pads, fused bias + act.
// Each channel is copied once into a zero-bordered buffer (scratch) so the inner loop has
// no bounds checks: 4 outputs per f32x4, 9 splatted taps; stride 2 de-interleaves even and
// odd columns with shuffles. The border of the buffer is zeroed once per call, the interior
// is overwritten per channel.
import { actS, actV } from "./f32-gemm-act";
import { copyFloats } from "./f32-im2col";

// Padded row width in floats: the last 4-wide block of stride 2 reads up to column 2·ow + 3.
// @ts-ignore: decorator
@inline function rowFloats(ow: i32, s: i32): i32 { return ((ow - 1) * s + 3 + 4 + 3) & ~3; }

/** Scratch bytes f32Dwconv3x3 needs for these dims. */
export function dwconv3x3Scratch(oh: i32, ow: i32, s: i32): usize {
  return <usize>(((oh - 1) * s + 3) * rowFloats(ow, s)) << 2;
}

// Outputs [0, ow & ~3) of one row, 4 at a time, from buffer rows r0..r2; k = the 9 taps.
// @ts-ignore: decorator
@inline function rowSimd(r0: usize, rowBytes: usize, k: usize, bias: f32, out: usize, ow: i32, s: i32, act: i32, actA: f32, actB: f32): void {
  const r1 = r0 + rowBytes;
  const r2 = r1 + rowBytes;
  const k0 = v128.load32_splat(k), k1 = v128.load32_splat(k, 4), k2 = v128.load32_splat(k, 8);
  const k3 = v128.load32_splat(k, 12), k4 = v128.load32_splat(k, 16), k5 = v128.load32_splat(k, 20);
  const k6 = v128.load32_splat(k, 24), k7 = v128.load32_splat(k, 28), k8 = v128.load32_splat(k, 32);
  const bv = f32x4.splat(bias);
  const va = f32x4.splat(actA);
  const vb = f32x4.splat(actB);
  const ow4 = ow & ~3;
  if (s == 1) {
    for (let ox = 0; ox < ow4; ox += 4) {
      const o = <usize>ox << 2;
      let a = f32x4.add(bv, f32x4.mul(k0, v128.load(r0 + o)));
      a = f32x4.add(a, f32x4.mul(k1, v128.load(r0 + o, 4)));
      a = f32x4.add(a, f32x4.mul(k2, v128.load(r0 + o, 8)));
      let c2 = f32x4.mul(k3, v128.load(r1 + o));
      c2 = f32x4.add(c2, f32x4.mul(k4, v128.load(r1 + o, 4)));
      c2 = f32x4.add(c2, f32x4.mul(k5, v128.load(r1 + o, 8)));
      a = f32x4.add(a, f32x4.mul(k6, v128.load(r2 + o)));
      a = f32x4.add(a, f32x4.mul(k7, v128.load(r2 + o, 4)));
      a = f32x4.add(a, f32x4.mul(k8, v128.load(r2 + o, 8)));
      v128.store(out + o, actV(f32x4.add(a, c2), act, va, vb));
    }
  } else {
    for (let ox = 0; ox < ow4; ox += 4) {
      const o = <usize>ox << 3;
      let v0 = v128.load(r0 + o), v1 = v128.load(r0 + o, 16), v2 = v128.load(r0 + o, 32);
      let ev = v128.shuffle<f32>(v0, v1, 0, 2, 4, 6);
      let a = f32x4.add(bv, f32x4.mul(k0, ev));
      a = f32x4.add(a, f32x4.mul(k1, v128.shuffle<f32>(v0, v1, 1, 3, 5, 7)));
      a = f32x4.add(a, f32x4.mul(k2, v128.shuffle<f32>(ev, v2, 1, 2, 3, 4)));
      v0 = v128.load(r1 + o); v1 = v128.load(r1 + o, 16); v2 = v128.load(r1 + o, 32);
      ev = v128.shuffle<f32>(v0, v1, 0, 2, 4, 6);
      let c2 = f32x4.mul(k3, ev);
      c2 = f32x4.add(c2, f32x4.mul(k4, v128.shuffle<f32>(v0, v1, 1, 3, 5, 7)));
      c2 = f32x4.add(c2, f32x4.mul(k5, v128.shuffle<f32>(ev, v2, 1, 2, 3, 4)));
      v0 = v128.load(r2 + o); v1 = v128.load(r2 + o, 16); v2 = v128.load(r2 + o, 32);
      ev = v128.shuffle<f32>(v0, v1, 0, 2, 4, 6);
      a = f32x4.add(a, f32x4.mul(k6, ev));
      a = f32x4.add(a, f32x4.mul(k7, v128.shuffle<f32>(v0, v1, 1, 3, 5, 7)));
      a = f32x4.add(a, f32x4.mul(k8, v128.shuffle<f32>(ev, v2, 1, 2, 3, 4)));
      v128.store(out + (<usize>ox << 2), actV(f32x4.add(a, c2), act, va, vb));
    }
  }
}

/**
 * y[c, oy, ox] = act(b[c] + Σ w[c, ky, kx] · x[c, oy·s − padT + ky, ox·s − padL + kx]) for one
 * image; `buf` holds dwconv3x3Scratch(oh, ow, s) bytes. The scalar build runs the same
 * buffer walk with scalar taps only.
 */
export function f32Dwconv3x3(c: i32, h: i32, w: i32, oh: i32, ow: i32, s: i32, padT: i32, padL: i32,
  x: usize, wt: usize, b: usize, y: usize, act: i32, actA: f32, actB: f32, buf: usize): void {
  const wp = rowFloats(ow, s);
  const rows = (oh - 1) * s + 3;
  const rowBytes = <usize>wp << 2;
  memory.fill(buf, 0, <usize>rows * rowBytes);
  // Input rows/columns that land inside the buffer.
  const iy0 = padT > 0 ? 0 : -padT;
  const iy1 = min(h, rows - padT);
  const ix0 = padL > 0 ? 0 : -padL;
  const ix1 = min(w, wp - padL);
  const copyN = ix1 - ix0;
  const ow4 = ASC_FEATURE_SIMD ? ow & ~3 : 0;
  for (let ch = 0; ch < c; ch++) {
    const plane = x + (<usize>ch * <usize>h * <usize>w << 2);
    for (let iy = iy0; iy < iy1; iy++) {
      copyFloats(buf + <usize>(iy + padT) * rowBytes + (<usize>(ix0 + padL) << 2), plane + (<usize>(iy * w + ix0) << 2), copyN);
    }
    const k = wt + (<usize>ch * 9 << 2);
    const bias = load<f32>(b + (<usize>ch << 2));
    let out = y + (<usize>ch * <usize>oh * <usize>ow << 2);
    for (let oy = 0; oy < oh; oy++) {
      const r0 = buf + <usize>(oy * s) * rowBytes;
      const r1 = r0 + rowBytes;
      const r2 = r1 + rowBytes;
      if (ASC_FEATURE_SIMD) rowSimd(r0, rowBytes, k, bias, out, ow, s, act, actA, actB);
      for (let ox = ow4; ox < ow; ox++) {
        const o = <usize>(ox * s) << 2;
        let a = bias;
        for (let kx = 0; kx < 3; kx++) {
          const q = o + (<usize>kx << 2);
          a += load<f32>(k + (<usize>kx << 2)) * load<f32>(r0 + q);
          a += load<f32>(k + (<usize>(3 + kx) << 2)) * load<f32>(r1 + q);
          a += load<f32>(k + (<usize>(6 + kx) << 2)) * load<f32>(r2 + q);
        }
        store<f32>(out + (<usize>ox << 2), actS(a, act, actA, actB));
      }
      out += <usize>ow << 2;
    }
  }
}

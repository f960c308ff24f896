// QuantizeLinear / DequantizeLinear bodies on one run of elements sharing a scale and zero point:
// f32x4 (f32x4.nearest is round-half-even, as ONNX's rounding); tails and the scalar build go to
// reference/f32-vquant.ts.
import * as ref from "./reference/f32-vquant";

export function f32Vquant(x: usize, y: usize, n: i32, s: f32, z: f32, lo: f32, hi: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(s), vz = f32x4.splat(z), vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const q = f32x4.add(f32x4.nearest(f32x4.div(v128.load(x + o), vs)), vz);
      v128.store(y + o, f32x4.min(f32x4.max(q, vlo), vhi));
    }
  }
  ref.f32Vquant(x + (<usize>i << 2), y + (<usize>i << 2), n - i, s, z, lo, hi);
}

export function f32Vdequant(x: usize, y: usize, n: i32, s: f32, z: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vs = f32x4.splat(s), vz = f32x4.splat(z);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.mul(f32x4.sub(v128.load(x + o), vz), vs));
    }
  }
  ref.f32Vdequant(x + (<usize>i << 2), y + (<usize>i << 2), n - i, s, z);
}

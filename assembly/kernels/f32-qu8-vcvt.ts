// f32 → u8 quantization of a Gemm/Conv input (docs/FORMAT.md §3.7): static xScale/xZero, or
// dynamic per sample from its min and max (f32Qu8Params, as ONNX DynamicQuantizeLinear).
// 16 values per step: divide, round half to even, add the zero point and clamp in f32, then
// saturating-narrow i32 → i16 → u8 (values are already in 0..255, NaN truncates to 0).
import * as ref from "./reference/f32-qu8-vcvt";

export function f32Qu8Vcvt(n: i32, x: usize, y: usize, scale: f32, zero: i32): void {
  if (!ASC_FEATURE_SIMD) { ref.f32Qu8Vcvt(n, x, y, scale, zero); return; }
  const s = f32x4.splat(scale), z = f32x4.splat(<f32>zero), lo = f32x4.splat(0), hi = f32x4.splat(255);
  let i = 0;
  for (; i + 16 <= n; i += 16) {
    const p = x + (<usize>i << 2);
    const q0 = i32x4.trunc_sat_f32x4_u(f32x4.min(f32x4.max(f32x4.add(f32x4.nearest(f32x4.div(v128.load(p), s)), z), lo), hi));
    const q1 = i32x4.trunc_sat_f32x4_u(f32x4.min(f32x4.max(f32x4.add(f32x4.nearest(f32x4.div(v128.load(p, 16), s)), z), lo), hi));
    const q2 = i32x4.trunc_sat_f32x4_u(f32x4.min(f32x4.max(f32x4.add(f32x4.nearest(f32x4.div(v128.load(p, 32), s)), z), lo), hi));
    const q3 = i32x4.trunc_sat_f32x4_u(f32x4.min(f32x4.max(f32x4.add(f32x4.nearest(f32x4.div(v128.load(p, 48), s)), z), lo), hi));
    v128.store(y + i, i8x16.narrow_i16x8_u(i16x8.narrow_i32x4_u(q0, q1), i16x8.narrow_i32x4_u(q2, q3)));
  }
  ref.f32Qu8Vcvt(n - i, x + (<usize>i << 2), y + i, scale, zero);
}

/** out = [f32 xScale, i32 xZero] for the n values at x (lo = min(0, min x), hi = max(0, max x)). */
export function f32Qu8Params(n: i32, x: usize, out: usize): void {
  if (!ASC_FEATURE_SIMD) { ref.f32Qu8Params(n, x, out); return; }
  let vl = f32x4.splat(Infinity), vh = f32x4.splat(-Infinity);
  let i = 0;
  for (; i + 4 <= n; i += 4) { const v = v128.load(x + (<usize>i << 2)); vl = f32x4.min(vl, v); vh = f32x4.max(vh, v); }
  let lo = min(min(f32x4.extract_lane(vl, 0), f32x4.extract_lane(vl, 1)), min(f32x4.extract_lane(vl, 2), f32x4.extract_lane(vl, 3)));
  let hi = max(max(f32x4.extract_lane(vh, 0), f32x4.extract_lane(vh, 1)), max(f32x4.extract_lane(vh, 2), f32x4.extract_lane(vh, 3)));
  for (; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); lo = min(lo, v); hi = max(hi, v); }
  ref.qu8Params(lo, hi, out);
}

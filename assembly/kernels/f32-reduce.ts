// Row reductions (GlobalAveragePool, GlobalMaxPool, Softmax max): sum and max of n floats.
import * as ref from "./reference/f32-reduce";

export function f32Rsum(x: usize, n: i32): f32 {
  if (!ASC_FEATURE_SIMD) return ref.f32Rsum(x, n);
  let i = 0;
  let s0 = f32x4.splat(0), s1 = f32x4.splat(0);
  for (; i + 8 <= n; i += 8) {
    s0 = f32x4.add(s0, v128.load(x + (<usize>i << 2)));
    s1 = f32x4.add(s1, v128.load(x + (<usize>i << 2), 16));
  }
  for (; i + 4 <= n; i += 4) s0 = f32x4.add(s0, v128.load(x + (<usize>i << 2)));
  s0 = f32x4.add(s0, s1);
  return f32x4.extract_lane(s0, 0) + f32x4.extract_lane(s0, 1) + f32x4.extract_lane(s0, 2) + f32x4.extract_lane(s0, 3)
    + ref.f32Rsum(x + (<usize>i << 2), n - i);
}

export function f32Rmax(x: usize, n: i32): f32 {
  if (!ASC_FEATURE_SIMD) return ref.f32Rmax(x, n);
  let i = 0;
  let m = f32x4.splat(-Infinity);
  for (; i + 4 <= n; i += 4) m = f32x4.max(m, v128.load(x + (<usize>i << 2)));
  return max(max(f32x4.extract_lane(m, 0), f32x4.extract_lane(m, 1)), max(max(f32x4.extract_lane(m, 2), f32x4.extract_lane(m, 3)), ref.f32Rmax(x + (<usize>i << 2), n - i)));
}

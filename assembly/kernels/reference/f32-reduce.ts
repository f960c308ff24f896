// Scalar oracles of kernels/f32-reduce.ts.

export function f32Rsum(x: usize, n: i32): f32 {
  let s: f32 = 0;
  for (let i = 0; i < n; i++) s += load<f32>(x + (<usize>i << 2));
  return s;
}

export function f32Rmax(x: usize, n: i32): f32 {
  let m = -Infinity as f32;
  for (let i = 0; i < n; i++) m = max(m, load<f32>(x + (<usize>i << 2)));
  return m;
}

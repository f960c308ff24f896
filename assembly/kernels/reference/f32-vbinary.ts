// Scalar oracles of kernels/f32-vbinary.ts. `op`: 0 add, 1 sub, 2 mul, 3 div, 4 prelu (a<0 ? a·b : a).

// @ts-ignore: decorator
@inline export function apply(op: i32, a: f32, b: f32): f32 {
  return op == 0 ? a + b : op == 1 ? a - b : op == 2 ? a * b : op == 3 ? a / b : a < 0 ? a * b : a;
}

/** y[i] = a[i·sa] op b[i·sb] for element strides sa, sb ∈ {0, 1}. */
export function f32Vbinary(op: i32, a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    store<f32>(y + (<usize>i << 2), apply(op, load<f32>(a + (<usize>(i * sa) << 2)), load<f32>(b + (<usize>(i * sb) << 2))));
  }
}

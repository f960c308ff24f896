// Elementwise binary kernel with broadcast of either side along the row (stride 0): covers
// same-shape, scalar and per-channel operands of Add/Sub/Mul/Div/PRelu in one body.
import * as ref from "./reference/f32-vbinary";

// @ts-ignore: decorator
@inline function applyv(op: i32, a: v128, b: v128): v128 {
  if (op == 0) return f32x4.add(a, b);
  if (op == 1) return f32x4.sub(a, b);
  if (op == 2) return f32x4.mul(a, b);
  if (op == 3) return f32x4.div(a, b);
  return v128.bitselect(f32x4.mul(a, b), a, f32x4.lt(a, f32x4.splat(0)));
}

// @ts-ignore: decorator
@inline function loop(op: i32, a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): i32 {
  let i = 0;
  const va = f32x4.splat(load<f32>(a)), vb = f32x4.splat(load<f32>(b));
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(y + o, applyv(op, sa ? v128.load(a + o) : va, sb ? v128.load(b + o) : vb));
  }
  return i;
}

/** y[i] = a[i·sa] op b[i·sb] for element strides sa, sb ∈ {0, 1}. */
export function f32Vbinary(op: i32, a: usize, sa: i32, b: usize, sb: i32, y: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    // one specialised loop per op so the op test leaves the inner loop
    if (op == 0) i = loop(0, a, sa, b, sb, y, n);
    else if (op == 1) i = loop(1, a, sa, b, sb, y, n);
    else if (op == 2) i = loop(2, a, sa, b, sb, y, n);
    else if (op == 3) i = loop(3, a, sa, b, sb, y, n);
    else i = loop(4, a, sa, b, sb, y, n);
  }
  ref.f32Vbinary(op, a + (<usize>(i * sa) << 2), sa, b + (<usize>(i * sb) << 2), sb, y + (<usize>i << 2), n - i);
}

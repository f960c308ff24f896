// Scalar oracles of kernels/f32-vunary.ts (same signatures). The scalar build runs these.

export function f32Vclamp(x: usize, y: usize, n: i32, lo: f32, hi: f32): void {
  for (let i = 0; i < n; i++) store<f32>(y + (<usize>i << 2), min(max(load<f32>(x + (<usize>i << 2)), lo), hi));
}

export function f32Vlrelu(x: usize, y: usize, n: i32, alpha: f32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    store<f32>(y + (<usize>i << 2), v < 0 ? v * alpha : v);
  }
}

/** y = clamp(alpha·x + beta, 0, 1), times x when `timesX` (HardSwish). */
export function f32Vhsigmoid(x: usize, y: usize, n: i32, alpha: f32, beta: f32, timesX: bool): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    const h = min(max(alpha * v + beta, <f32>0), <f32>1);
    store<f32>(y + (<usize>i << 2), timesX ? v * h : h);
  }
}

export function f32Vsigmoid(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    const e = Mathf.exp(-Mathf.abs(v));
    const r = <f32>1 / (<f32>1 + e);
    store<f32>(y + (<usize>i << 2), v < 0 ? e * r : r);
  }
}

export function f32Vtanh(x: usize, y: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    const e = Mathf.exp(<f32>-2 * Mathf.abs(v));
    const t = (<f32>1 - e) / (<f32>1 + e);
    store<f32>(y + (<usize>i << 2), v < 0 ? -t : t);
  }
}

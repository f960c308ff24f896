// Scalar oracles of kernels/f32-vquant.ts (same signatures). The scalar build runs these.

/** y = clamp(roundHalfEven(x / s) + z, lo, hi) (ONNX QuantizeLinear; f32.nearest ties to even). */
export function f32Vquant(x: usize, y: usize, n: i32, s: f32, z: f32, lo: f32, hi: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, min(max(nearest<f32>(load<f32>(x + o) / s) + z, lo), hi));
  }
}

/** y = (x − z)·s (ONNX DequantizeLinear: x and z are integers, so x − z is exact). */
export function f32Vdequant(x: usize, y: usize, n: i32, s: f32, z: f32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(y + o, (load<f32>(x + o) - z) * s);
  }
}

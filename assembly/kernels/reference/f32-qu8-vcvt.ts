// Scalar twin of f32-qu8-vcvt.ts: f32 → u8 quantization of docs/FORMAT.md §3.7.

/** y[i] = clamp(roundHalfEven(x[i] / scale) + zero, 0, 255) (NaN → 0). */
export function f32Qu8Vcvt(n: i32, x: usize, y: usize, scale: f32, zero: i32): void {
  const z = <f32>zero;
  for (let i = 0; i < n; i++) {
    let v = nearest(load<f32>(x + (<usize>i << 2)) / scale) + z;
    v = v > 0 ? v : 0;
    store<u8>(y + i, <u8><i32>(v < 255 ? v : <f32>255));
  }
}

/** Dynamic parameters of n values (ONNX DynamicQuantizeLinear): out = [f32 scale, i32 zero]. */
export function qu8Params(lo: f32, hi: f32, out: usize): void {
  lo = min<f32>(lo, 0); hi = max<f32>(hi, 0);
  const s: f32 = hi == lo ? 1 : (hi - lo) / 255;
  let z = nearest(-lo / s);
  z = z > 0 ? z : 0;
  store<f32>(out, s);
  store<i32>(out, <i32>(z < 255 ? z : <f32>255), 4);
}

export function f32Qu8Params(n: i32, x: usize, out: usize): void {
  let lo: f32 = Infinity, hi: f32 = -Infinity;
  for (let i = 0; i < n; i++) { const v = load<f32>(x + (<usize>i << 2)); lo = min(lo, v); hi = max(hi, v); }
  qu8Params(lo, hi, out);
}

// Fused activation epilogue shared by the GEMM, GEMV and convolution kernels.
// act: 0 none, 1 Relu, 2 Clip(a, b), 3 LeakyRelu(a) (docs/FORMAT.md §4.1).

export const ACT_NONE = 0;
export const ACT_RELU = 1;
export const ACT_CLIP = 2;
export const ACT_LEAKY = 3;

// @ts-ignore: decorator
@inline export function actS(v: f32, act: i32, a: f32, b: f32): f32 {
  if (act == ACT_RELU) return v > 0 ? v : 0;
  if (act == ACT_CLIP) return v < a ? a : v > b ? b : v;
  if (act == ACT_LEAKY) return v >= 0 ? v : v * a;
  return v;
}

// `a`, `b` are the splatted actA / actB, so the splat happens once per kernel call.
// @ts-ignore: decorator
@inline export function actV(v: v128, act: i32, a: v128, b: v128): v128 {
  if (act == ACT_RELU) return f32x4.pmax(v, f32x4.splat(0));
  if (act == ACT_CLIP) return f32x4.pmin(b, f32x4.pmax(a, v));
  if (act == ACT_LEAKY) return v128.bitselect(v, f32x4.mul(v, a), f32x4.ge(v, f32x4.splat(0)));
  return v;
}

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

/**
 * act in place over `rows` rows of n floats, `ld` floats apart: one pass over outputs still in
 * cache, so the GEMM/GEMV/SpMM kernels, whose tiles end in many places, carry one epilogue
 * instead of an inlined actV/actS at each (-0.26 KB gzip; bench/kernels.ts unchanged). The
 * depthwise kernels keep theirs inline: 9 MACs per output leave no room for a second pass.
 */
export function f32ActRows(y: usize, rows: i32, n: i32, ld: i32, act: i32, a: f32, b: f32): void {
  for (let r = 0; r < rows; r++) {
    const yr = y + (<usize>r * <usize>ld << 2);
    let j = 0;
    if (ASC_FEATURE_SIMD) {
      const va = f32x4.splat(a), vb = f32x4.splat(b);
      for (; j + 4 <= n; j += 4) v128.store(yr + (<usize>j << 2), actV(v128.load(yr + (<usize>j << 2)), act, va, vb));
    }
    for (; j < n; j++) store<f32>(yr + (<usize>j << 2), actS(load<f32>(yr + (<usize>j << 2)), act, a, b));
  }
}

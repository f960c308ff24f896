// Elementwise unary kernels (Relu/Clip as clamp, LeakyRelu, HardSigmoid/HardSwish, Sigmoid,
// Tanh): f32x4 bodies; scalar tails and the scalar build go to reference/f32-vunary.ts, except
// the exp tails of Sigmoid/Tanh, which use `exps` (lane 0 of expv) in the SIMD build.
import * as ref from "./reference/f32-vunary";

/** e^x for four lanes, within 1 ulp of the exact value over the whole f32 range (simulated
 *  worst case 0.96 ulp, tests/runtime-core.test.ts bounds it at 2). x = n·ln2 + r with ln2 split
 *  hi/lo (n·hi is exact for |n| ≤ 150), e^r = 1 + r + r²·q(r) with q a degree-4 minimax fit on
 *  |r| ≤ ln2/2, then 2^n applied as two normal factors 2^(n>>1)·2^(n-(n>>1)) so results down to
 *  the smallest subnormal round once. x is clamped to [-104, 89]: e^-104 rounds to 0,
 *  e^89 overflows to Infinity; NaN stays NaN. */
// @ts-ignore: decorator
@inline export function expv(x: v128): v128 {
  x = f32x4.max(f32x4.min(x, f32x4.splat(89)), f32x4.splat(-104));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(1.442695041)));
  let r = f32x4.sub(x, f32x4.mul(n, f32x4.splat(0.693145752)));
  r = f32x4.sub(r, f32x4.mul(n, f32x4.splat(1.428606820e-6)));
  let q = f32x4.splat(0.00138145720);
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(0.00836873055));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(0.0416683890));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(0.166665211));
  q = f32x4.add(f32x4.mul(q, r), f32x4.splat(0.499999940));
  const p = f32x4.add(f32x4.splat(1), f32x4.add(r, f32x4.mul(f32x4.mul(r, r), q)));
  const ni = i32x4.trunc_sat_f32x4_s(n), n1 = i32x4.shr_s(ni, 1), bias = i32x4.splat(127);
  const s1 = i32x4.shl(i32x4.add(n1, bias), 23), s2 = i32x4.shl(i32x4.add(i32x4.sub(ni, n1), bias), 23);
  return f32x4.mul(f32x4.mul(p, s1), s2);
}

/** Scalar e^x of the SIMD build (tails): lane 0 of expv, so tails match the vector body and
 *  no scalar Mathf.exp is linked in. */
export function exps(x: f32): f32 { return f32x4.extract_lane(expv(f32x4.splat(x)), 0); }

export function f32Vclamp(x: usize, y: usize, n: i32, lo: f32, hi: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const vlo = f32x4.splat(lo), vhi = f32x4.splat(hi);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v128.store(y + o, f32x4.min(f32x4.max(v128.load(x + o), vlo), vhi));
    }
  }
  ref.f32Vclamp(x + (<usize>i << 2), y + (<usize>i << 2), n - i, lo, hi);
}

export function f32Vlrelu(x: usize, y: usize, n: i32, alpha: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha), z = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      v128.store(y + o, v128.bitselect(f32x4.mul(v, va), v, f32x4.lt(v, z)));
    }
  }
  ref.f32Vlrelu(x + (<usize>i << 2), y + (<usize>i << 2), n - i, alpha);
}

export function f32Vhsigmoid(x: usize, y: usize, n: i32, alpha: f32, beta: f32, timesX: bool): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const va = f32x4.splat(alpha), vb = f32x4.splat(beta), z = f32x4.splat(0), one = f32x4.splat(1);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      const h = f32x4.min(f32x4.max(f32x4.add(f32x4.mul(v, va), vb), z), one);
      v128.store(y + o, timesX ? f32x4.mul(v, h) : h);
    }
  }
  ref.f32Vhsigmoid(x + (<usize>i << 2), y + (<usize>i << 2), n - i, alpha, beta, timesX);
}

export function f32Vsigmoid(x: usize, y: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1), z = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      const e = expv(f32x4.neg(f32x4.abs(v)));
      const r = f32x4.div(one, f32x4.add(one, e));
      v128.store(y + o, v128.bitselect(f32x4.mul(e, r), r, f32x4.lt(v, z)));
    }
    for (; i < n; i++) {
      const v = load<f32>(x + (<usize>i << 2));
      const e = exps(-Mathf.abs(v));
      const r = <f32>1 / (<f32>1 + e);
      store<f32>(y + (<usize>i << 2), v < 0 ? e * r : r);
    }
    return;
  }
  ref.f32Vsigmoid(x, y, n);
}

export function f32Vtanh(x: usize, y: usize, n: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const one = f32x4.splat(1), sign = i32x4.splat(0x80000000);
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(x + o);
      const e = expv(f32x4.mul(f32x4.abs(v), f32x4.splat(-2)));
      const t = f32x4.div(f32x4.sub(one, e), f32x4.add(one, e));
      v128.store(y + o, v128.or(t, v128.and(v, sign)));
    }
    for (; i < n; i++) {
      const v = load<f32>(x + (<usize>i << 2));
      const e = exps(<f32>-2 * Mathf.abs(v));
      const t = (<f32>1 - e) / (<f32>1 + e);
      store<f32>(y + (<usize>i << 2), v < 0 ? -t : t);
    }
    return;
  }
  ref.f32Vtanh(x, y, n);
}

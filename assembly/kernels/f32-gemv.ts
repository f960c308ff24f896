// y[N] = act(W[N,K]·x[K] + b[N]): the batch-1 Gemm, W row-major as stored in the file.
// Four rows of W at a time with two K-halves each (8 independent f32x4 accumulators), K
// unrolled by 8; the four dot products are reduced together by one 4×4 transpose-add.
import { f32ActRows } from "./f32-gemm-act";

// Scalar build body: four rows share each x load, four independent sums hide the add latency.
function gemvScalar(n: i32, k: i32, x: usize, w: usize, b: usize, y: usize, act: i32, actA: f32, actB: f32): void {
  const rowBytes = <usize>k << 2;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const w0 = w + <usize>j * rowBytes, w1 = w0 + rowBytes, w2 = w1 + rowBytes, w3 = w2 + rowBytes;
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0;
    for (let i = 0; i < k; i++) {
      const o = <usize>i << 2;
      const xv = load<f32>(x + o);
      s0 += xv * load<f32>(w0 + o);
      s1 += xv * load<f32>(w1 + o);
      s2 += xv * load<f32>(w2 + o);
      s3 += xv * load<f32>(w3 + o);
    }
    if (b) {
      const bj = b + (<usize>j << 2);
      s0 += load<f32>(bj); s1 += load<f32>(bj, 4); s2 += load<f32>(bj, 8); s3 += load<f32>(bj, 12);
    }
    const yj = y + (<usize>j << 2);
    store<f32>(yj, s0);
    store<f32>(yj, s1, 4);
    store<f32>(yj, s2, 8);
    store<f32>(yj, s3, 12);
  }
  for (; j < n; j++) {
    const w0 = w + <usize>j * rowBytes;
    let s0: f32 = 0;
    for (let i = 0; i < k; i++) s0 += load<f32>(x + (<usize>i << 2)) * load<f32>(w0 + (<usize>i << 2));
    if (b) s0 += load<f32>(b + (<usize>j << 2));
    store<f32>(y + (<usize>j << 2), s0);
  }
  if (act) f32ActRows(y, 1, n, n, act, actA, actB);
}

// [Σa0, Σa1, Σa2, Σa3] from four accumulators.
// @ts-ignore: decorator
@inline export function hsum4(a0: v128, a1: v128, a2: v128, a3: v128): v128 {
  const s01 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const s23 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  return f32x4.add(v128.shuffle<f32>(s01, s23, 0, 1, 4, 5), v128.shuffle<f32>(s01, s23, 2, 3, 6, 7));
}

/** [w0[o], w1[o], w2[o], w3[o]]: one K step of four rows, for the K tails. */
// @ts-ignore: decorator
@inline export function column4(w0: usize, w1: usize, w2: usize, w3: usize, o: usize): v128 {
  let v = v128.load32_splat(w0 + o);
  v = f32x4.replace_lane(v, 1, load<f32>(w1 + o));
  v = f32x4.replace_lane(v, 2, load<f32>(w2 + o));
  return f32x4.replace_lane(v, 3, load<f32>(w3 + o));
}

/** Σ of the four lanes. */
// @ts-ignore: decorator
@inline export function hsum(a: v128): f32 {
  const t = f32x4.add(a, v128.shuffle<f32>(a, a, 2, 3, 0, 1));
  return f32x4.extract_lane(t, 0) + f32x4.extract_lane(t, 1);
}

/** y[N] = act(W[N,K]·x[K] + b[N]); b = 0 means no bias. */
export function f32Gemv(n: i32, k: i32, x: usize, w: usize, b: usize, y: usize, act: i32, actA: f32, actB: f32): void {
  if (!ASC_FEATURE_SIMD) { gemvScalar(n, k, x, w, b, y, act, actA, actB); return; }
  const rowBytes = <usize>k << 2;
  const k8 = k & ~7;
  const k4 = k & ~3;
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const w0 = w + <usize>j * rowBytes;
    const w1 = w0 + rowBytes;
    const w2 = w1 + rowBytes;
    const w3 = w2 + rowBytes;
    let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
    let c0 = f32x4.splat(0), c1 = f32x4.splat(0), c2 = f32x4.splat(0), c3 = f32x4.splat(0);
    let i = 0;
    for (; i < k8; i += 8) {
      const o = <usize>i << 2;
      const xa = v128.load(x + o);
      const xb = v128.load(x + o, 16);
      a0 = f32x4.add(a0, f32x4.mul(xa, v128.load(w0 + o)));
      a1 = f32x4.add(a1, f32x4.mul(xa, v128.load(w1 + o)));
      a2 = f32x4.add(a2, f32x4.mul(xa, v128.load(w2 + o)));
      a3 = f32x4.add(a3, f32x4.mul(xa, v128.load(w3 + o)));
      c0 = f32x4.add(c0, f32x4.mul(xb, v128.load(w0 + o, 16)));
      c1 = f32x4.add(c1, f32x4.mul(xb, v128.load(w1 + o, 16)));
      c2 = f32x4.add(c2, f32x4.mul(xb, v128.load(w2 + o, 16)));
      c3 = f32x4.add(c3, f32x4.mul(xb, v128.load(w3 + o, 16)));
    }
    if (i < k4) {
      const o = <usize>i << 2;
      const xa = v128.load(x + o);
      a0 = f32x4.add(a0, f32x4.mul(xa, v128.load(w0 + o)));
      a1 = f32x4.add(a1, f32x4.mul(xa, v128.load(w1 + o)));
      a2 = f32x4.add(a2, f32x4.mul(xa, v128.load(w2 + o)));
      a3 = f32x4.add(a3, f32x4.mul(xa, v128.load(w3 + o)));
      i += 4;
    }
    let s = hsum4(f32x4.add(a0, c0), f32x4.add(a1, c1), f32x4.add(a2, c2), f32x4.add(a3, c3));
    for (; i < k; i++) {
      const o = <usize>i << 2;
      const wv = column4(w0, w1, w2, w3, o);
      s = f32x4.add(s, f32x4.mul(v128.load32_splat(x + o), wv));
    }
    if (b) s = f32x4.add(s, v128.load(b + (<usize>j << 2)));
    v128.store(y + (<usize>j << 2), s);
  }
  for (; j < n; j++) {
    const w0 = w + <usize>j * rowBytes;
    let a0 = f32x4.splat(0);
    let i = 0;
    for (; i < k4; i += 4) {
      const o = <usize>i << 2;
      a0 = f32x4.add(a0, f32x4.mul(v128.load(x + o), v128.load(w0 + o)));
    }
    let s = hsum(a0);
    for (; i < k; i++) s += load<f32>(x + (<usize>i << 2)) * load<f32>(w0 + (<usize>i << 2));
    if (b) s += load<f32>(b + (<usize>j << 2));
    store<f32>(y + (<usize>j << 2), s);
  }
  if (act) f32ActRows(y, 1, n, n, act, actA, actB);
}

// Scalar twin of x1-sign-gemv.ts (and its tail): Σ over k in [from, to) of x[k], negated where
// bit k of the packed row is set.

export function signSum(x: usize, row: usize, from: i32, to: i32): f32 {
  let s: f32 = 0;
  for (let e = from; e < to; e++) {
    const v = load<f32>(x + (<usize>e << 2));
    s += (load<u32>(row + (<usize>(e >> 5) << 2)) >> (e & 31)) & 1 ? -v : v;
  }
  return s;
}

export function x1SignGemv(x: usize, w: usize, alpha: usize, y: usize, n: i32, k: i32, words: i32): void {
  for (let j = 0; j < n; j++)
    store<f32>(y + (<usize>j << 2), load<f32>(alpha + (<usize>j << 2)) * signSum(x, w + (<usize>j * <usize>words << 2), 0, k));
}

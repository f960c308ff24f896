// Scalar twin of x1-xnor-gemm.ts: popcount per u32 word.

export function x1XnorGemm(a: usize, w: usize, alpha: usize, y: usize, m: i32, n: i32, k: i32, words: i32): void {
  const row = <usize>words << 2;
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let d: i32 = 0;
      for (let c = 0; c < words; c++) {
        const o = <usize>c << 2;
        d += <i32>popcnt<u32>(load<u32>(a + <usize>i * row + o) ^ load<u32>(w + <usize>j * row + o));
      }
      store<f32>(y + (<usize>(i * n + j) << 2), load<f32>(alpha + (<usize>j << 2)) * <f32>(k - 2 * d));
    }
  }
}

// Scalar oracle of f32-gemm-acc: C[M,N] += A[M,K]·B[K,N] with A read through strides.

export function f32GemmAcc(m: i32, n: i32, k: i32, a: usize, ars: i32, acs: i32, b: usize, ldb: i32, c: usize, ldc: i32): void {
  for (let r = 0; r < m; r++) {
    const cr = c + (<usize>r * <usize>ldc << 2);
    for (let j = 0; j < n; j++) {
      let s: f32 = 0;
      for (let i = 0; i < k; i++) {
        s += load<f32>(a + (<usize>(r * ars + i * acs) << 2)) * load<f32>(b + (<usize>(i * ldb + j) << 2));
      }
      store<f32>(cr + (<usize>j << 2), load<f32>(cr + (<usize>j << 2)) + s);
    }
  }
}

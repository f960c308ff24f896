// Y[M,P] = act(B[M] + W·X) with W[M,K] in the runtime's sparse form (decode/csr.ts) and X[K,P]
// dense (rows ldx floats apart): XNNPACK's f32-spmm idea, each weight splat once against a
// block of X's row. Used by Conv (im2col columns or the NCHW planes of a 1×1) and by Gemm at
// batch > 1 (X transposed). rowPtr may point into a larger table (a Conv group's rows).
// The body is shared with x8-lut-spmm (T = u8: vals are codebook indices into the row's lut).
import { f32ActRows } from "./f32-gemm-act";
import { wAt } from "./f32-spmv";

/** Y = act(W_sparse·X + bias[row]); bias = 0 means none; Y rows ldy floats apart. */
export function f32Spmm(m: i32, p: i32, rowPtr: usize, cols: usize, vals: usize, x: usize, ldx: i32, bias: usize, y: usize, ldy: i32,
  act: i32, actA: f32, actB: f32): void {
  spmm<f32>(m, p, rowPtr, cols, vals, 0, 0, x, ldx, bias, y, ldy, act, actA, actB);
}

/** The shared body: row r's lut is lut + r·stride. */
// @ts-ignore: decorator
@inline export function spmm<T>(m: i32, p: i32, rowPtr: usize, cols: usize, vals: usize, lut: usize, stride: u32, x: usize, ldx: i32,
  bias: usize, y: usize, ldy: i32, act: i32, actA: f32, actB: f32): void {
  const xRow = <usize>ldx << 2;
  for (let r = 0; r < m; r++) {
    const lr = lut + <usize>r * stride;
    const j0 = load<u32>(rowPtr + (<usize>r << 2)), j1 = load<u32>(rowPtr + (<usize>r << 2), 4);
    const bv: f32 = bias ? load<f32>(bias + (<usize>r << 2)) : 0;
    const yr = y + (<usize>r * <usize>ldy << 2);
    let q = 0;
    if (ASC_FEATURE_SIMD) {
      // 8 columns (two vectors) per pass: two independent add chains per weight.
      for (; q + 8 <= p; q += 8) {
        let c0 = f32x4.splat(bv), c1 = c0;
        const xq = x + (<usize>q << 2);
        for (let j = j0; j < j1; j++) {
          const w = f32x4.splat(wAt<T>(vals, j, lr));
          const xr = xq + <usize>load<u32>(cols + (<usize>j << 2)) * xRow;
          c0 = f32x4.add(c0, f32x4.mul(w, v128.load(xr)));
          c1 = f32x4.add(c1, f32x4.mul(w, v128.load(xr, 16)));
        }
        v128.store(yr + (<usize>q << 2), c0);
        v128.store(yr + (<usize>q << 2), c1, 16);
      }
      for (; q + 4 <= p; q += 4) {
        let c = f32x4.splat(bv);
        const xq = x + (<usize>q << 2);
        for (let j = j0; j < j1; j++) {
          c = f32x4.add(c, f32x4.mul(f32x4.splat(wAt<T>(vals, j, lr)), v128.load(xq + <usize>load<u32>(cols + (<usize>j << 2)) * xRow)));
        }
        v128.store(yr + (<usize>q << 2), c);
      }
    }
    for (; q < p; q++) {
      let s = bv;
      const xq = x + (<usize>q << 2);
      for (let j = j0; j < j1; j++) s += wAt<T>(vals, j, lr) * load<f32>(xq + <usize>load<u32>(cols + (<usize>j << 2)) * xRow);
      store<f32>(yr + (<usize>q << 2), s);
    }
    if (act) f32ActRows(yr, 1, p, p, act, actA, actB);
  }
}

// y[N] = act(b[N] + W·x) with W in the runtime's sparse form (decode/csr.ts): per row the entries
// rowPtr[r]..rowPtr[r+1] of cols (u32 column) and vals (f32). Batch-1 Gemm on a pruned W.
// SIMD: four values times four x gathered by replace_lane; measured 1.6–2× faster than four
// scalar accumulators (784×300, densities 5–60%, Node 20), so the scalar build keeps two.
// The body is shared with x8-lut-spmv (T = u8: vals are codebook indices into the row's lut).
import { f32ActRows } from "./f32-gemm-act";
import { hsum } from "./f32-gemv";

/** Weight j: f32 vals[j], or (T = u8) the centroid lut[vals[j]]. */
// @ts-ignore: decorator
@inline export function wAt<T>(vals: usize, j: u32, lut: usize): f32 {
  return sizeof<T>() == 1 ? load<f32>(lut + (<usize>load<u8>(vals + j) << 2)) : load<f32>(vals + (<usize>j << 2));
}
/** Weights j..j+3 as one vector. */
// @ts-ignore: decorator
@inline export function w4At<T>(vals: usize, j: u32, lut: usize): v128 {
  if (sizeof<T>() == 4) return v128.load(vals + (<usize>j << 2));
  const p = vals + j;
  let w = v128.load32_splat(lut + (<usize>load<u8>(p) << 2));
  w = f32x4.replace_lane(w, 1, load<f32>(lut + (<usize>load<u8>(p, 1) << 2)));
  w = f32x4.replace_lane(w, 2, load<f32>(lut + (<usize>load<u8>(p, 2) << 2)));
  return f32x4.replace_lane(w, 3, load<f32>(lut + (<usize>load<u8>(p, 3) << 2)));
}

/** y[N] = act(W_sparse·x + b); b = 0 means no bias. */
export function f32Spmv(n: i32, rowPtr: usize, cols: usize, vals: usize, x: usize, b: usize, y: usize, act: i32, actA: f32, actB: f32): void {
  spmv<f32>(n, rowPtr, cols, vals, 0, 0, x, b, y, act, actA, actB);
}

/** The shared body: row r's lut is lut + r·stride. */
// @ts-ignore: decorator
@inline export function spmv<T>(n: i32, rowPtr: usize, cols: usize, vals: usize, lut: usize, stride: u32, x: usize, b: usize, y: usize,
  act: i32, actA: f32, actB: f32): void {
  let j = load<u32>(rowPtr);
  for (let r = 0; r < n; r++) {
    const lr = lut + <usize>r * stride;
    const end = load<u32>(rowPtr + (<usize>(r + 1) << 2));
    let s: f32 = b ? load<f32>(b + (<usize>r << 2)) : 0;
    if (ASC_FEATURE_SIMD) {
      let acc = f32x4.splat(0);
      for (; j + 4 <= end; j += 4) {
        const c = cols + (<usize>j << 2);
        let xv = v128.load32_splat(x + (<usize>load<u32>(c) << 2));
        xv = f32x4.replace_lane(xv, 1, load<f32>(x + (<usize>load<u32>(c, 4) << 2)));
        xv = f32x4.replace_lane(xv, 2, load<f32>(x + (<usize>load<u32>(c, 8) << 2)));
        xv = f32x4.replace_lane(xv, 3, load<f32>(x + (<usize>load<u32>(c, 12) << 2)));
        acc = f32x4.add(acc, f32x4.mul(w4At<T>(vals, j, lr), xv));
      }
      s += hsum(acc);
    } else {
      let s1: f32 = 0;
      for (; j + 2 <= end; j += 2) {
        const c = cols + (<usize>j << 2);
        s += wAt<T>(vals, j, lr) * load<f32>(x + (<usize>load<u32>(c) << 2));
        s1 += wAt<T>(vals, j + 1, lr) * load<f32>(x + (<usize>load<u32>(c, 4) << 2));
      }
      s += s1;
    }
    for (; j < end; j++) s += wAt<T>(vals, j, lr) * load<f32>(x + (<usize>load<u32>(cols + (<usize>j << 2)) << 2));
    store<f32>(y + (<usize>r << 2), s);
  }
  if (act) f32ActRows(y, 1, n, n, act, actA, actB);
}

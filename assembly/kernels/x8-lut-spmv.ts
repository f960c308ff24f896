// y[N] = act(b[N] + W·x) with W sparse (decode/csr.ts) and its values u8 codebook indices: weight
// j of row r is lut[r·stride/4 + idx[j]] (stride 0: one codebook). f32-spmv's body, fetching
// each weight through the lut instead of loading it.
import { spmv } from "./f32-spmv";

/** y[N] = act(W_sparse·x + b); b = 0 means no bias. */
export function x8LutSpmv(n: i32, rowPtr: usize, cols: usize, idx: usize, lut: usize, stride: u32, x: usize, b: usize, y: usize,
  act: i32, actA: f32, actB: f32): void {
  spmv<u8>(n, rowPtr, cols, idx, lut, stride, x, b, y, act, actA, actB);
}

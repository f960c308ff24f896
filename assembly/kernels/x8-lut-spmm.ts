// Y[M,P] = act(B[M] + W·X) with W sparse (decode/csr.ts) and its values u8 codebook indices
// (weight j of row r is lut[r·stride/4 + idx[j]]): f32-spmm's body, each weight fetched once
// through the lut and splat against a block of X's row.
import { spmm } from "./f32-spmm";

/** Y = act(W_sparse·X + bias[row]); bias = 0 means none; X rows ldx, Y rows ldy floats apart. */
export function x8LutSpmm(m: i32, p: i32, rowPtr: usize, cols: usize, idx: usize, lut: usize, stride: u32, x: usize, ldx: i32,
  bias: usize, y: usize, ldy: i32, act: i32, actA: f32, actB: f32): void {
  spmm<u8>(m, p, rowPtr, cols, idx, lut, stride, x, ldx, bias, y, ldy, act, actA, actB);
}

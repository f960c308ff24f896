// GlobalAveragePool / GlobalMaxPool: X[N,C,…] → Y[N,C,1,…,1], one reduction per channel.
import { nIn, nOut, nOpcode, tData, tRank, tDim, tSize, fail } from "../graph";
import { OP_GLOBALMAXPOOL } from "./opcodes";
import { dimProd } from "./shape";
import { f32Rsum, f32Rmax } from "../kernels/f32-reduce";

export function prepareGlobalPool(n: u32): bool {
  const x = nIn(n, 0), y = nOut(n, 0);
  let ok = tRank(x) >= 2 && tRank(y) == tRank(x);
  for (let i = 0; ok && i < tRank(x); i++) ok = tDim(y, i) == (i < 2 ? tDim(x, i) : 1);
  return ok || fail("output %t is not [N,C,1,…] for X %t", y, x);
}

export function runGlobalPool(n: u32): void {
  const x = nIn(n, 0);
  const rows = tSize(nOut(n, 0)), len = dimProd(x, 2, tRank(x));
  const px = tData(x), py = tData(nOut(n, 0)), isMax = nOpcode(n) == OP_GLOBALMAXPOOL;
  const inv = <f32>1 / <f32>len;
  for (let i = 0; i < rows; i++) {
    const row = px + (<usize>i * <usize>len << 2);
    store<f32>(py + (<usize>i << 2), isMax ? f32Rmax(row, len) : f32Rsum(row, len) * inv);
  }
}

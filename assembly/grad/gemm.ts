// Gemm backward: Y = act(X·Wᵀ + B) → dZ = dY·act′ (from Y), dX += dZ·W, dW += dZᵀ·X, dB += Σ dZ.
// MatMul backward: Y = A·B (batch-broadcast) → dA += dY·Bᵀ, dB += Aᵀ·dY per batch entry; a
// broadcast operand's entry is revisited, so its gradient sums over the broadcast batch dims.
import { nIn, nOut, nAttrI, nAttrF, tData, tRank, tDim } from "../graph";
import { gradPtr, wantGrad, needGradScratch, gradScratch } from "./state";
import { undoAct, addTo } from "./act";
import { f32GemmAcc } from "../kernels/f32-gemm-acc";
import { dimM, dimK, dimN, batchRank, entryA, entryB } from "../ops/matmul";

export function prepareGradGemm(n: u32): bool {
  if (nAttrI(n, 0)) needGradScratch(<usize>tDim(nOut(n, 0), 0) * <usize>tDim(nOut(n, 0), 1) << 2);
  return true;
}

export function gradGemm(n: u32): void {
  const x = nIn(n, 0), w = nIn(n, 1), b = nIn(n, 2), y = nOut(n, 0);
  const m = tDim(x, 0), k = tDim(x, 1), nn = tDim(w, 0);
  const act = nAttrI(n, 0);
  let dz = gradPtr(y);
  if (act) {
    undoAct(tData(y), dz, gradScratch(), m * nn, act, nAttrF(n, 1), nAttrF(n, 2));
    dz = gradScratch();
  }
  if (wantGrad(x)) f32GemmAcc(m, k, nn, dz, nn, 1, tData(w), k, gradPtr(x), k);
  if (wantGrad(w)) f32GemmAcc(nn, k, m, dz, 1, nn, tData(x), k, gradPtr(w), k);
  if (wantGrad(b)) for (let r = 0; r < m; r++) addTo(gradPtr(b), dz + (<usize>r * <usize>nn << 2), nn);
}

export function prepareGradMatMul(n: u32): bool {
  const a = nIn(n, 0), b = nIn(n, 1);
  needGradScratch(<usize>dimK(a) * <usize>dimN(b) << 2); // Bᵀ of one batch entry
  return true;
}

/** dA[m,k] += dY[m,n]·B[k,n]ᵀ (B transposed into scratch), dB[k,n] += A[m,k]ᵀ·dY[m,n]. */
function entry(m: i32, k: i32, nn: i32, pa: usize, pb: usize, dy: usize, ga: usize, gb: usize): void {
  if (ga) {
    const bt = gradScratch();
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < nn; j++) store<f32>(bt + (<usize>(j * k + i) << 2), load<f32>(pb + (<usize>(i * nn + j) << 2)));
    }
    f32GemmAcc(m, k, nn, dy, nn, 1, bt, k, ga, k);
  }
  if (gb) f32GemmAcc(k, nn, m, pa, 1, k, dy, nn, gb, nn);
}

export function gradMatMul(n: u32): void {
  const a = nIn(n, 0), b = nIn(n, 1), y = nOut(n, 0);
  const m = dimM(a), k = dimK(a), nn = dimN(b);
  const pa = tData(a), pb = tData(b), dy = gradPtr(y);
  const ga = wantGrad(a) ? gradPtr(a) : 0, gb = wantGrad(b) ? gradPtr(b) : 0;
  const br = batchRank(a, b);
  let batches = 1;
  for (let i = 0; i < br; i++) batches *= tDim(y, i);
  if (tRank(b) <= 2) { entry(batches * m, k, nn, pa, pb, dy, ga, gb); return; }
  const aMat = <usize>m * <usize>k << 2, bMat = <usize>k * <usize>nn << 2, yMat = <usize>m * <usize>nn << 2;
  for (let e = 0; e < batches; e++) {
    const ia = entryA(a, b, y, br, e), ib = entryB;
    entry(m, k, nn, pa + <usize>ia * aMat, pb + <usize>ib * bMat, dy + <usize>e * yMat,
      ga ? ga + <usize>ia * aMat : 0, gb ? gb + <usize>ib * bMat : 0);
  }
}

// Conv backward (docs/TRAINER.md): dX += ∂, dW += ∂, dB += ∂ through the fused activation
// (undone from Y). Attributes as ops/conv.ts (group, kh, kw, sh, sw, dh, dw, padTop, padLeft,
// padBottom, padRight, act, actA, actB); the forward prepare has validated them. The work is
// kernels/f32-conv-grad.ts: im2col blocks of output rows sized like the forward's (COL_BYTES),
// dW += dZ·colᵀ and dCol = Wᵀ·dZ as SIMD GEMMs, col2im into dX; depthwise runs direct loops.
// Gradients nothing upstream needs (wantGrad false, e.g. dX of the first layer) are skipped.
import { nIn, nOut, nAttrI, nAttrF, tData, tDim } from "../graph";
import { gradPtr, wantGrad, needGradScratch, gradScratch } from "./state";
import { f32ConvBackward, convBackwardScratch } from "../kernels/f32-conv-grad";

const COL_BYTES: i32 = 256 << 10;

/** Output rows per im2col block: as many as fit COL_BYTES, at least one (as ops/conv.ts). */
// @ts-ignore: decorator
@inline function blockRows(kk: i32, oh: i32, ow: i32): i32 { return max(1, min(oh, COL_BYTES / (kk * ow * 4))); }

function rowsOf(n: u32): i32 {
  const x = nIn(n, 0), y = nOut(n, 0);
  return blockRows(tDim(x, 1) / nAttrI(n, 0) * nAttrI(n, 1) * nAttrI(n, 2), tDim(y, 2), tDim(y, 3));
}

export function prepareGradConv(n: u32): bool {
  const x = nIn(n, 0), w = nIn(n, 1), y = nOut(n, 0);
  needGradScratch(convBackwardScratch(tDim(x, 1), tDim(x, 2), tDim(x, 3), tDim(w, 0), nAttrI(n, 0), nAttrI(n, 1), nAttrI(n, 2),
    nAttrI(n, 3), nAttrI(n, 4), nAttrI(n, 5), nAttrI(n, 6), nAttrI(n, 7), nAttrI(n, 8), nAttrI(n, 9), nAttrI(n, 10),
    tDim(y, 2), tDim(y, 3), rowsOf(n)));
  return true;
}

export function gradConv(n: u32): void {
  const x = nIn(n, 0), w = nIn(n, 1), b = nIn(n, 2), y = nOut(n, 0);
  const dx = wantGrad(x) ? gradPtr(x) : 0;
  const dw = wantGrad(w) ? gradPtr(w) : 0;
  const db = wantGrad(b) ? gradPtr(b) : 0;
  if (!dx && !dw && !db) return;
  f32ConvBackward(tDim(x, 0), tDim(x, 1), tDim(x, 2), tDim(x, 3), tDim(w, 0), nAttrI(n, 0), nAttrI(n, 1), nAttrI(n, 2),
    nAttrI(n, 3), nAttrI(n, 4), nAttrI(n, 5), nAttrI(n, 6), nAttrI(n, 7), nAttrI(n, 8), nAttrI(n, 9), nAttrI(n, 10),
    tDim(y, 2), tDim(y, 3), rowsOf(n), nAttrI(n, 11), nAttrF(n, 12), nAttrF(n, 13),
    tData(x), tData(w), tData(y), gradPtr(y), dx, dw, db, gradScratch());
}

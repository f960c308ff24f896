// Softmax / LogSoftmax over `axis` (opset ≥ 13), or over axis..rank-1 together when `toEnd`.
import { nIn, nOut, nOpcode, nAttrI, tData, tRank, tDim, fail } from "../graph";
import { OP_LOGSOFTMAX } from "./opcodes";
import { expectShape, dimProd, normAxis } from "./shape";
import { f32Softmax } from "../kernels/f32-softmax";

export function prepareSoftmax(n: u32): bool {
  const x = nIn(n, 0);
  if (normAxis(nAttrI(n, 0), tRank(x)) < 0) return fail("axis %i is out of range for rank %d", nAttrI(n, 0), tRank(x));
  return expectShape(nOut(n, 0), x);
}

export function runSoftmax(n: u32): void {
  const x = nIn(n, 0), r = tRank(x);
  const axis = normAxis(nAttrI(n, 0), r);
  const outer = dimProd(x, 0, axis);
  const len = nAttrI(n, 1) ? dimProd(x, axis, r) : tDim(x, axis);
  const inner = nAttrI(n, 1) ? 1 : dimProd(x, axis + 1, r);
  const px = tData(x), py = tData(nOut(n, 0)), log = nOpcode(n) == OP_LOGSOFTMAX;
  const block = <usize>len * <usize>inner << 2;
  for (let o = 0; o < outer; o++) f32Softmax(px + <usize>o * block, py + <usize>o * block, len, inner, inner, log);
}

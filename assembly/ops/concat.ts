// Concat along `axis`: each output slab is the inputs' slabs copied one after another.
import { nIn, nInCount, nOut, nAttrI, tData, tRank, tDim, fail } from "../graph";
import { dimProd, normAxis } from "./shape";

export function prepareConcat(n: u32): bool {
  const y = nOut(n, 0), r = tRank(y);
  const axis = normAxis(nAttrI(n, 0), r);
  if (axis < 0) return fail("axis %i is out of range for rank %d", nAttrI(n, 0), r);
  let sum = 0;
  for (let j = 0; j < nInCount(n); j++) {
    const x = nIn(n, j);
    if (tRank(x) != r) return fail("input %d %t has rank %d, output %t has %d", j, x, tRank(x), y, r);
    for (let i = 0; i < r; i++) {
      if (i != axis && tDim(x, i) != tDim(y, i)) return fail("input %d %t differs from output %t on axis %d", j, x, y, i);
    }
    sum += tDim(x, axis);
  }
  return sum == tDim(y, axis) || fail("inputs sum to %d on axis %d, output %t has %d", sum, axis, y, tDim(y, axis));
}

export function runConcat(n: u32): void {
  const y = nOut(n, 0), r = tRank(y);
  const axis = normAxis(nAttrI(n, 0), r);
  const outer = dimProd(y, 0, axis), inner = <usize>dimProd(y, axis + 1, r) << 2;
  const ySlab = <usize>tDim(y, axis) * inner;
  let at = tData(y);
  for (let j = 0; j < nInCount(n); j++) {
    const x = nIn(n, j);
    const slab = <usize>tDim(x, axis) * inner, px = tData(x);
    for (let o = 0; o < outer; o++) memory.copy(at + <usize>o * ySlab, px + <usize>o * slab, slab);
    at += slab;
  }
}

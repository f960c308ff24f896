// Concat along `axis`: each output slab is the inputs' slabs copied one after another.
// Inputs the planner put inside the output (docs/FORMAT.md §6 "Concat slices", batch-1 slabs):
// at batch 1 they are already in place and nothing is copied; at batch N they lie one after
// another inside the output, so the output range goes to scratch first and is interleaved from there.
import { nIn, nInCount, nOut, nAttrI, tData, tRank, tDim, tSize, needScratch, scratch, fail } from "../graph";
import { dimProd, normAxis } from "./shape";

/** True when input x lies inside output y (a Concat slice of the planner). */
// @ts-ignore: decorator
@inline function inside(x: u32, y: u32): bool { return tData(x) - tData(y) < <usize>tSize(y) << 2; }

function anyInside(n: u32): bool {
  for (let j = 0; j < nInCount(n); j++) if (inside(nIn(n, j), nOut(n, 0))) return true;
  return false;
}

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
  if (dimProd(y, 0, axis) > 1 && anyInside(n)) needScratch(<usize>tSize(y) << 2);
  return sum == tDim(y, axis) || fail("inputs sum to %d on axis %d, output %t has %d", sum, axis, y, tDim(y, axis));
}

export function runConcat(n: u32): void {
  const y = nOut(n, 0), r = tRank(y);
  const axis = normAxis(nAttrI(n, 0), r);
  const outer = dimProd(y, 0, axis), inner = <usize>dimProd(y, axis + 1, r) << 2;
  const ySlab = <usize>tDim(y, axis) * inner;
  let at = tData(y);
  const moved = outer > 1 && anyInside(n), from = scratch() - at;
  if (moved) {
    // Below the planned batch (samples gone at an early exit) an input's rows may end past Y's.
    let end = <usize>tSize(y) << 2;
    for (let j = 0; j < nInCount(n); j++) {
      const x = nIn(n, j);
      if (inside(x, y)) end = max(end, tData(x) - at + (<usize>tSize(x) << 2));
    }
    memory.copy(scratch(), at, end);
  }
  for (let j = 0; j < nInCount(n); j++) {
    const x = nIn(n, j);
    const slab = <usize>tDim(x, axis) * inner, px = moved && inside(x, y) ? tData(x) + from : tData(x);
    if (px != at) for (let o = 0; o < outer; o++) memory.copy(at + <usize>o * ySlab, px + <usize>o * slab, slab);
    at += slab;
  }
}

// Shape helpers shared by the prepare functions. Messages print shapes with graph.ts
// `fail("… %t …", tensorId)`.
import { tRank, tDim, fail } from "../graph";

export function sameShape(a: u32, b: u32): bool {
  if (tRank(a) != tRank(b)) return false;
  for (let i = 0; i < tRank(a); i++) if (tDim(a, i) != tDim(b, i)) return false;
  return true;
}

/** Fails unless output y has the shape of x (named "X" in the message when `isX`, else "input"). */
export function expectShape(y: u32, x: u32, isX: bool = false): bool {
  return sameShape(x, y) || fail(isX ? "output shape %t does not match X shape %t" : "output shape %t does not match input shape %t", y, x);
}

/** Product of dims [from, to) of t. */
export function dimProd(t: u32, from: i32, to: i32): i32 {
  let p = 1;
  for (let i = from; i < to; i++) p *= tDim(t, i);
  return p;
}

/** Axis attribute if in 0..rank-1 (files store it normalised, src/ir/ops.ts), else -1. */
export function normAxis(axis: i32, rank: i32): i32 {
  return axis >= 0 && axis < rank ? axis : -1;
}

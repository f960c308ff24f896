// Shape helpers shared by the prepare functions (messages only allocate on failure).
import { tRank, tDim, fail } from "../graph";

export function shapeStr(t: u32): string {
  let s = "[";
  for (let i = 0; i < tRank(t); i++) s += (i ? "," : "") + tDim(t, i).toString();
  return s + "]";
}

export function sameShape(a: u32, b: u32): bool {
  if (tRank(a) != tRank(b)) return false;
  for (let i = 0; i < tRank(a); i++) if (tDim(a, i) != tDim(b, i)) return false;
  return true;
}

/** Fails unless output y has the shape `want` describes (x's shape when `want` is x). */
export function expectShape(y: u32, x: u32, what: string = "input"): bool {
  return sameShape(x, y) || fail("output shape " + shapeStr(y) + " does not match " + what + " shape " + shapeStr(x));
}

/** Product of dims [from, to) of t. */
export function dimProd(t: u32, from: i32, to: i32): i32 {
  let p = 1;
  for (let i = from; i < to; i++) p *= tDim(t, i);
  return p;
}

/** Axis attribute normalised to 0..rank-1 (ONNX allows -rank..rank-1), or -1 if out of range. */
export function normAxis(axis: i32, rank: i32): i32 {
  const a = axis < 0 ? axis + rank : axis;
  return a >= 0 && a < rank ? a : -1;
}

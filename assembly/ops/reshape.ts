// Reshape (also Flatten, Squeeze, Unsqueeze, Identity): same elements, new dims; a copy
// because the planner gives input and output their own arena ranges.
import { nIn, nOut, tData, tSize, fail } from "../graph";
import { shapeStr } from "./shape";

export function prepareReshape(n: u32): bool {
  const x = nIn(n, 0), y = nOut(n, 0);
  return tSize(x) == tSize(y) || fail("output " + shapeStr(y) + " has " + tSize(y).toString() + " elements, input " + shapeStr(x) + " has " + tSize(x).toString());
}

export function runReshape(n: u32): void {
  const x = nIn(n, 0), y = nOut(n, 0);
  if (tData(x) != tData(y)) memory.copy(tData(y), tData(x), <usize>tSize(x) << 2);
}

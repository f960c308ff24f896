// Reshape (also Flatten, Squeeze, Unsqueeze, Identity): same elements, new dims; a copy
// because the planner gives input and output their own arena ranges.
import { nIn, nOut, tData, tSize, fail } from "../graph";

export function prepareReshape(n: u32): bool {
  const x = nIn(n, 0), y = nOut(n, 0);
  return tSize(x) == tSize(y) || fail("output %t has %d elements, input %t has %d", y, tSize(y), x, tSize(x));
}

export function runReshape(n: u32): void {
  const x = nIn(n, 0), y = nOut(n, 0);
  if (tData(x) != tData(y)) memory.copy(tData(y), tData(x), <usize>tSize(x) << 2);
}

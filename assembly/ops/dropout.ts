// Dropout at inference is the identity (a copy: input and output have their own arena ranges).
// The trainer's inverted dropout with a seeded mask is in assembly/grad/dropout.ts.
import { nIn, nOut, tData, tSize } from "../graph";
import { expectShape } from "./shape";

export function prepareDropout(n: u32): bool {
  return expectShape(nOut(n, 0), nIn(n, 0));
}

export function runDropout(n: u32): void {
  const x = nIn(n, 0), y = nOut(n, 0);
  if (tData(x) != tData(y)) memory.copy(tData(y), tData(x), <usize>tSize(x) << 2);
}

// ChannelShuffle (ShuffleNet, docs/FORMAT.md §4.1): X[N,C,H,W] viewed [N,g,C/g,H,W], axes 1 and 2
// swapped: output channel j·g + i is input channel i·C/g + j. One memory.copy per H·W plane.
import { nIn, nOut, nAttrI, tData, tRank, tDim, fail } from "../graph";
import { expectShape } from "./shape";

export function prepareChannelShuffle(n: u32): bool {
  const x = nIn(n, 0), g = nAttrI(n, 0);
  if (tRank(x) != 4 || g < 1 || tDim(x, 1) % g != 0) return fail("X %t must be [N,C,H,W] with groups %i dividing C", x, g);
  return expectShape(nOut(n, 0), x, true);
}

export function runChannelShuffle(n: u32): void {
  const x = nIn(n, 0), c = tDim(x, 1), g = nAttrI(n, 0), cg = c / g;
  const plane = <usize>tDim(x, 2) * <usize>tDim(x, 3) << 2;
  const px = tData(x), py = tData(nOut(n, 0));
  for (let b = 0, nb = tDim(x, 0); b < nb; b++) {
    const xb = px + <usize>(b * c) * plane, yb = py + <usize>(b * c) * plane;
    for (let i = 0; i < g; i++) {
      for (let j = 0; j < cg; j++) memory.copy(yb + <usize>(j * g + i) * plane, xb + <usize>(i * cg + j) * plane, plane);
    }
  }
}

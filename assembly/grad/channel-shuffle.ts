// ChannelShuffle backward: the inverse permutation, dX plane i·C/g + j += dY plane j·g + i.
import { nIn, nOut, nAttrI, tDim } from "../graph";
import { gradPtr, wantGrad } from "./state";
import { addTo } from "./act";

export function gradChannelShuffle(n: u32): void {
  const x = nIn(n, 0);
  if (!wantGrad(x)) return;
  const c = tDim(x, 1), g = nAttrI(n, 0), cg = c / g, hw = tDim(x, 2) * tDim(x, 3);
  const gx = gradPtr(x), gy = gradPtr(nOut(n, 0));
  for (let b = 0, nb = tDim(x, 0); b < nb; b++) {
    for (let i = 0; i < g; i++) {
      for (let j = 0; j < cg; j++) {
        addTo(gx + (<usize>((b * c + i * cg + j) * hw) << 2), gy + (<usize>((b * c + j * g + i) * hw) << 2), hw);
      }
    }
  }
}

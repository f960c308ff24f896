// A small SqueezeNet (Iandola et al. 2016) for 28×28×1 (MNIST): a 3×3 stem and 2×2 max pool,
// three fire modules (squeeze 1×1 → ReLU → expand 1×1 ‖ expand 3×3 → ReLU → Concat on channels)
// with a max pool after the second, then SqueezeNet's classifier: a 1×1 conv to the 10 classes
// and a global average pool (no fully connected layer).
import type { Graph } from "../ir/graph.js";
import { ZooBuilder } from "./layers.js";

/** [squeeze channels, expand channels per branch] of each fire module. */
const FIRES: readonly [number, number][] = [[8, 32], [16, 32], [16, 64]];

export function squeezenet(seed = 1): Graph {
  const b = new ZooBuilder(seed);
  let x = b.input("input", [1, 1, 28, 28]);
  x = b.maxpool2(b.conv(x, "stem", 32, 3, { p: 1 }), "stem.pool");
  FIRES.forEach(([sq, ex], i) => {
    const f = `fire${i + 2}`;
    const s = b.conv(x, `${f}.squeeze`, sq, 1);
    const e1 = b.conv(s, `${f}.expand1x1`, ex, 1), e3 = b.conv(s, `${f}.expand3x3`, ex, 3, { p: 1 });
    x = b.node("Concat", [e1, e3], { axis: 1 }, { name: `${f}.concat`, out: `${f}.concat` });
    if (i === 1) x = b.maxpool2(x, `${f}.pool`);
  });
  x = b.conv(x, "classifier", 10, 1, { relu: false });
  x = b.node("GlobalAveragePool", [x], {}, { name: "pool", out: "pool" });
  x = b.flatten(x, "logits");
  return b.build("squeezenet", [x], true);
}

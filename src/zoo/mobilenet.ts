// MobileNet-like classifier for 32×32×3 (CIFAR-sized) input, 10 classes: a 3×3 stem then six
// depthwise-separable blocks (dw3×3 + pw1×1, ReLU; BN already folded), global average pool,
// linear head. 18.67 M MACs ≈ 37 MFLOP per image.
import type { Graph } from "../ir/graph.js";
import { ZooBuilder } from "./layers.js";

/** [output channels, stride] of each depthwise-separable block. */
const BLOCKS: readonly [number, number][] = [[64, 1], [128, 2], [128, 1], [256, 2], [256, 1], [512, 2]];

export function mobilenet(seed = 1): Graph {
  const b = new ZooBuilder(seed);
  let x = b.input("input", [1, 3, 32, 32]);
  x = b.conv(x, "stem", 32, 3, { p: 1 });
  BLOCKS.forEach(([out, s], i) => {
    const c = b.shape(x)[1];
    x = b.conv(x, `block${i + 1}.dw`, c, 3, { s, p: 1, g: c });
    x = b.conv(x, `block${i + 1}.pw`, out, 1);
  });
  x = b.node("GlobalAveragePool", [x], {}, { name: "pool", out: "pool" });
  x = b.flatten(x, "flatten");
  x = b.dense(x, "logits", 10, false);
  return b.build("mobilenet", [x], true);
}

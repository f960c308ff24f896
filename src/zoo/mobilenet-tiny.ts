// A small MobileNet (Howard et al. 2017) for 28×28×1 (MNIST): a 3×3 stem, four depthwise-
// separable blocks (dw3×3 → BN → ReLU → pw1×1 → BN → ReLU), global average pool, linear head.
// Trained with BatchNormalization; src/passes/fold.ts folds it into the convs for deployment.
import type { Graph } from "../ir/graph.js";
import { ZooBuilder } from "./layers.js";

/** [output channels, stride] of each depthwise-separable block. */
const BLOCKS: readonly [number, number][] = [[32, 1], [64, 2], [64, 1], [128, 2]];

export function mobilenetTiny(seed = 1): Graph {
  const b = new ZooBuilder(seed);
  const convBnRelu = (x: string, name: string, out: number, k: number, s: number, g: number): string =>
    b.relu(b.batchNorm(b.conv(x, name, out, k, { s, p: k >> 1, g, relu: false }), `${name}.bn`), `${name}.relu`);
  let x = b.input("input", [1, 1, 28, 28]);
  x = convBnRelu(x, "stem", 16, 3, 1, 1);
  BLOCKS.forEach(([out, s], i) => {
    const c = b.shape(x)[1];
    x = convBnRelu(x, `block${i + 1}.dw`, c, 3, s, c);
    x = convBnRelu(x, `block${i + 1}.pw`, out, 1, 1, 1);
  });
  x = b.node("GlobalAveragePool", [x], {}, { name: "pool", out: "pool" });
  x = b.flatten(x, "flatten");
  x = b.dense(x, "logits", 10, false);
  return b.build("mobilenet-tiny", [x], true);
}

// A small ShuffleNet (Zhang et al. 2017, v1 units) for 28×28×1 (MNIST): a 3×3 stem and 2×2 max
// pool, then two stages of [stride-2 unit, stride-1 unit] with g = 4 groups; global average pool,
// linear head. Unit: 1×1 group conv → BN → ReLU → channel shuffle → 3×3 depthwise (stride) → BN →
// 1×1 group conv → BN; stride 1: + X (residual) → ReLU; stride 2: Concat with a 3×3/2 average
// pool of X → ReLU. BatchNormalization is folded into the convs for deployment.
import type { Graph } from "../ir/graph.js";
import { ZooBuilder } from "./layers.js";

const G = 4;
/** [output channels, stride] of each unit. */
const UNITS: readonly [number, number][] = [[72, 2], [72, 1], [144, 2], [144, 1]];

export function shufflenet(seed = 1): Graph {
  const b = new ZooBuilder(seed);
  const bn = (x: string, name: string): string => b.batchNorm(x, `${name}.bn`);
  let x = b.input("input", [1, 1, 28, 28]);
  x = b.relu(bn(b.conv(x, "stem", 24, 3, { p: 1, relu: false }), "stem"), "stem.relu");
  x = b.maxpool2(x, "stem.pool");
  UNITS.forEach(([out, s], i) => {
    const u = `unit${i + 1}`, c = b.shape(x)[1], branch = s === 1 ? out : out - c, mid = branch / 2;
    let y = b.relu(bn(b.conv(x, `${u}.gconv1`, mid, 1, { g: G, relu: false }), `${u}.gconv1`), `${u}.gconv1.relu`);
    y = b.node("ChannelShuffle", [y], { groups: G }, { name: `${u}.shuffle`, out: `${u}.shuffle` });
    y = bn(b.conv(y, `${u}.dw`, mid, 3, { s, p: 1, g: mid, relu: false }), `${u}.dw`);
    y = bn(b.conv(y, `${u}.gconv2`, branch, 1, { g: G, relu: false }), `${u}.gconv2`);
    const skip = s === 1 ? x : b.node("AveragePool", [x], { kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, countIncludePad: 0 }, { name: `${u}.skip`, out: `${u}.skip` });
    y = s === 1 ? b.node("Add", [y, skip], {}, { name: `${u}.add`, out: `${u}.add` })
      : b.node("Concat", [skip, y], { axis: 1 }, { name: `${u}.concat`, out: `${u}.concat` });
    x = b.relu(y, `${u}.relu`);
  });
  x = b.node("GlobalAveragePool", [x], {}, { name: "pool", out: "pool" });
  x = b.flatten(x, "flatten");
  x = b.dense(x, "logits", 10, false);
  return b.build("shufflenet", [x], true);
}

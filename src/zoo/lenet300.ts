// LeNet-300-100 (LeCun et al. 1998; the Deep Compression MLP): 784-300-100-10, ReLU, logits.
import type { Graph } from "../ir/graph.js";
import { ZooBuilder } from "./layers.js";

export function lenet300(seed = 1): Graph {
  const b = new ZooBuilder(seed);
  let x = b.input("input", [1, 784]);
  x = b.dense(x, "fc1", 300, true);
  x = b.dense(x, "fc2", 100, true);
  x = b.dense(x, "logits", 10, false);
  return b.build("lenet300", [x], true);
}

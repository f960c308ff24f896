// LeNet-5-like CNN for 28×28 MNIST (the Caffe/Deep Compression variant with ReLU, max pooling):
// conv5×5·6 → pool2 → conv5×5·16 → pool2 → fc120 → fc84 → fc10 (logits).
import type { Graph } from "../ir/graph.js";
import { ZooBuilder } from "./layers.js";

export function lenet5(seed = 1): Graph {
  const b = new ZooBuilder(seed);
  let x = b.input("input", [1, 1, 28, 28]);
  x = b.maxpool2(b.conv(x, "conv1", 6, 5), "pool1");
  x = b.maxpool2(b.conv(x, "conv2", 16, 5), "pool2");
  x = b.flatten(x, "flatten");
  x = b.dense(x, "fc1", 120, true);
  x = b.dense(x, "fc2", 84, true);
  x = b.dense(x, "logits", 10, false);
  return b.build("lenet5", [x], true);
}

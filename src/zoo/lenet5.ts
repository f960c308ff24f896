// LeNet-5 as Deep Compression (Han et al. 2016) and Caffe's MNIST example train it:
// conv5×5·20 → maxpool2 → conv5×5·50 → maxpool2 → fc500 → ReLU → fc10 (logits); the convs have
// no activation. 431,080 parameters, 2.31 M MACs per 28×28 image.
import type { Graph } from "../ir/graph.js";
import { ZooBuilder } from "./layers.js";

export function lenet5(seed = 1): Graph {
  const b = new ZooBuilder(seed);
  let x = b.input("input", [1, 1, 28, 28]);
  x = b.maxpool2(b.conv(x, "conv1", 20, 5, { relu: false }), "pool1");
  x = b.maxpool2(b.conv(x, "conv2", 50, 5, { relu: false }), "pool2");
  x = b.flatten(x, "flatten");
  x = b.dense(x, "fc1", 500, true);
  x = b.dense(x, "logits", 10, false);
  return b.build("lenet5", [x], true);
}

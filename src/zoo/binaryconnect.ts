// The MNIST MLP of BinaryConnect (Courbariaux, Bengio & David 2015, §3.1): 784-1024-1024-1024-10,
// BatchNormalization after each hidden Gemm, then ReLU; logits out (the paper's L2-SVM output is
// replaced by the softmax cross-entropy of the trainer). Real-valued as built: the binarize pass
// (src/passes/binarize.ts) makes its weights binary while it trains.
import type { Graph } from "../ir/graph.js";
import { ZooBuilder } from "./layers.js";

export function binaryconnect(seed = 1, hidden = 1024): Graph {
  const b = new ZooBuilder(seed);
  let x = b.input("input", [1, 784]);
  for (let i = 1; i <= 3; i++) x = b.relu(b.batchNorm(b.dense(x, `fc${i}`, hidden, false), `bn${i}`), `relu${i}`);
  x = b.dense(x, "logits", 10, false);
  return b.build("binaryconnect", [x], true);
}

// The MNIST pair of "Distilling the Knowledge in a Neural Network" (Hinton, Vinyals & Dean 2015):
// a teacher 784-1200-1200-10 trained with dropout (20% on the input, 50% on hidden units, as in
// Hinton et al. 2012) and a student 784-800-800-10 without it. ReLU, logits out.
import type { Graph } from "../ir/graph.js";
import { ZooBuilder } from "./layers.js";

export function hintonTeacher(seed = 1): Graph {
  const b = new ZooBuilder(seed);
  let x = b.dropout(b.input("input", [1, 784]), "drop0", 0.2);
  x = b.dropout(b.dense(x, "fc1", 1200, true), "drop1", 0.5);
  x = b.dropout(b.dense(x, "fc2", 1200, true), "drop2", 0.5);
  x = b.dense(x, "logits", 10, false);
  return b.build("hinton-teacher", [x], true);
}

export function hintonStudent(seed = 1): Graph {
  const b = new ZooBuilder(seed);
  let x = b.input("input", [1, 784]);
  x = b.dense(x, "fc1", 800, true);
  x = b.dense(x, "fc2", 800, true);
  x = b.dense(x, "logits", 10, false);
  return b.build("hinton-student", [x], true);
}

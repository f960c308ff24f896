// A plain ReLU MLP from a spec such as "mlp:800-800" (hidden widths): the students of
// distillation experiments ("784-800-800-10", "784-30-10") without a file per width.
import type { Graph } from "../ir/graph.js";
import { InputError } from "../runtime/errors.js";
import { ZooBuilder } from "./layers.js";

/** Hidden widths of an "mlp:W-W-…" spec, or undefined when `spec` is not one. */
export function mlpWidths(spec: string): number[] | undefined {
  const m = /^mlp:(.*)$/.exec(spec);
  if (!m) return undefined;
  const widths = m[1].split("-").map(Number);
  if (!m[1] || widths.some((w) => !Number.isInteger(w) || w < 1)) throw new InputError(`"${spec}": an MLP spec lists hidden widths, e.g. mlp:800-800`);
  return widths;
}

export function mlp(widths: readonly number[], inputs: number, classes: number, seed = 1): Graph {
  const b = new ZooBuilder(seed);
  let x = b.input("input", [1, inputs]);
  widths.forEach((w, i) => { x = b.dense(x, `fc${i + 1}`, w, true); });
  x = b.dense(x, "logits", classes, false);
  return b.build(`mlp-${[inputs, ...widths, classes].join("-")}`, [x], true);
}

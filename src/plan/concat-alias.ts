// Concat without a copy (SqueezeNet's fire modules, ShuffleNet's stride-2 units): the planner puts
// each input of a Concat inside the Concat's output buffer, at the slice the Concat would copy it
// to, so the runtime's Concat finds its inputs in place and copies nothing (docs/FORMAT.md §6,
// "Concat slices"). Only where that slice is one contiguous run at batch 1:
//  - every dim before the axis is 1 at batch 1 (channel concat of one image: axis 1, N = 1);
//  - each input is an activation written by an earlier node, read by this Concat only (once),
//    not a graph input or output, not itself the output of a Concat (no nesting);
//  - each slice starts on a 16-byte boundary (activation offsets are 16-aligned).
// At batch N > 1 of a batch-dynamic file the inputs then lie one after another inside the output
// ([X1 of all N images | X2 of all N images]), not interleaved per image: the runtime's Concat
// copies the output range to scratch and interleaves from there (two copies instead of one), so
// aliasing pays off at batch 1, the latency case.
import { numel, type Graph } from "../ir/graph.js";

/** Input name → the Concat output it lives in and its byte offset there. */
export type ConcatAliases = Map<string, { into: string; at: number }>;

export function concatAliases(graph: Graph): ConcatAliases {
  const reads = new Map<string, number>(), writer = new Map<string, number>();
  graph.nodes.forEach((n, k) => {
    for (const i of n.inputs) reads.set(i, (reads.get(i) ?? 0) + 1);
    for (const o of n.outputs) writer.set(o, k);
  });
  const out: ConcatAliases = new Map();
  graph.nodes.forEach((n, k) => {
    if (n.op !== "Concat") return;
    const y = graph.tensors.get(n.outputs[0])!, axis = n.attrs.axis as number;
    if (numel(y.shape.slice(0, axis)) !== 1) return;
    let at = 0;
    const slots: [string, number][] = [];
    for (const x of n.inputs) {
      const t = graph.tensors.get(x)!, w = writer.get(x);
      if (t.data || w === undefined || w >= k || reads.get(x) !== 1 || graph.outputs.includes(x) || graph.inputs.includes(x)) return;
      if (graph.nodes[w].op === "Concat" || at % 16) return;
      slots.push([x, at]);
      at += 4 * numel(t.shape);
    }
    for (const [x, a] of slots) out.set(x, { into: n.outputs[0], at: a });
  });
  return out;
}

// ONNX has no channel shuffle: exporters write ShuffleNet's as Reshape [N,g,C/g,H,W] →
// Transpose perm [0,2,1,3,4] → Reshape [N,C,H,W]. After import this fuses that exact chain
// into one ChannelShuffle node (src/ir/ops.ts); any other chain stays generic Reshape/Transpose.
import type { Graph } from "../ir/graph.js";

/** Fuses every exact Reshape→Transpose→Reshape channel shuffle of `g` in place; returns the count. */
export function fuseChannelShuffle(g: Graph): number {
  const readers = new Map<string, number>();
  for (const n of g.nodes) for (const i of n.inputs) readers.set(i, (readers.get(i) ?? 0) + 1);
  const shape = (t: string): number[] => g.tensors.get(t)!.shape;
  const inner = (t: string): boolean => readers.get(t) === 1 && !g.outputs.includes(t);
  const producer = new Map(g.nodes.flatMap((n, k) => n.outputs.map((o) => [o, k] as const)));
  let fused = 0;
  for (let k = 0; k < g.nodes.length; k++) {
    const r2 = g.nodes[k];
    if (r2.op !== "Reshape") continue;
    const tk = producer.get(r2.inputs[0]), tr = tk === undefined ? undefined : g.nodes[tk];
    if (!tr || tr.op !== "Transpose" || !inner(tr.outputs[0]) || (tr.attrs.perm as number[]).join() !== "0,2,1,3,4") continue;
    const rk = producer.get(tr.inputs[0]), r1 = rk === undefined ? undefined : g.nodes[rk];
    if (!r1 || r1.op !== "Reshape" || !inner(r1.outputs[0])) continue;
    const x = shape(r1.inputs[0]), v = shape(r1.outputs[0]), y = shape(r2.outputs[0]);
    if (x.length !== 4 || v.length !== 5 || y.join() !== x.join()) continue;
    const [n, c, h, w] = x, groups = v[1];
    if (v.join() !== [n, groups, c / groups, h, w].join()) continue;
    g.nodes[k] = { op: "ChannelShuffle", name: tr.name, inputs: [r1.inputs[0]], outputs: r2.outputs, attrs: { groups } };
    g.tensors.delete(r1.outputs[0]);
    g.tensors.delete(tr.outputs[0]);
    g.nodes.splice(Math.max(rk!, tk!), 1);
    g.nodes.splice(Math.min(rk!, tk!), 1);
    k -= 2;
    fused++;
    producer.clear();
    g.nodes.forEach((m, i) => m.outputs.forEach((o) => producer.set(o, i)));
  }
  return fused;
}

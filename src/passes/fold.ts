// Inference-time simplifications, applied in place:
//  0. The training-only ops go: BatchNormalization becomes ChannelAffine from its running
//     statistics (s = γ/√(var+ε), t = β − mean·s); Dropout is removed (its producer writes its
//     output, or its readers read its input; a copy remains only between a graph input and
//     a graph output).
//  1. ChannelAffine (an imported or trained BatchNormalization) after a Conv/Gemm whose output
//     it alone reads is folded into that layer's weights and bias: W'[f] = W[f]·s[f], b' = b·s + t.
//  2. Relu / Clip / LeakyRelu after a Conv/Gemm becomes the layer's fused `act`, when the
//     intermediate has that one reader and is not a graph output.
// Identity never reaches the IR (the importer aliases it away).
// The surviving tensor keeps the later name, so graph outputs keep their names.
import type { Graph, Node } from "../ir/graph.js";
import { ACT_CODE } from "../ir/ops.js";

const ACTS: Record<string, (n: Node) => Record<string, number>> = {
  Relu: () => ({ act: ACT_CODE.Relu, actA: 0, actB: 0 }),
  Clip: (n) => ({ act: ACT_CODE.Clip, actA: n.attrs.min as number, actB: n.attrs.max as number }),
  LeakyRelu: (n) => ({ act: ACT_CODE.LeakyRelu, actA: n.attrs.alpha as number, actB: 0 }),
};

/** Returns the number of nodes removed. */
export function fold(g: Graph): number {
  const before = g.nodes.length;
  // Early-exit heads (Graph.exits): a node only merges with a node of its own head (or both in
  // the backbone), and the heads' node lists lose the names of removed nodes.
  const head = new Map((g.exits ?? []).flatMap((e, k) => e.nodes.map((n) => [n, k] as const)));
  for (const n of [...g.nodes]) {
    if (n.op === "BatchNormalization") batchNormToAffine(g, n);
    else if (n.op === "Dropout") removeDropout(g, n, head);
  }
  for (let changed = true; changed; ) {
    changed = false;
    for (const next of g.nodes) {
      const prev = soleProducer(g, next.inputs[0]);
      if (!prev || (prev.op !== "Conv" && prev.op !== "Gemm") || head.get(prev.name) !== head.get(next.name)) continue;
      if (next.op === "ChannelAffine" && prev.attrs.act === 0 && foldAffine(g, prev, next)) changed = true;
      else if (ACTS[next.op] && prev.attrs.act === 0) {
        Object.assign(prev.attrs, ACTS[next.op](next));
        changed = true;
      } else continue;
      merge(g, prev, next);
      break;
    }
  }
  const names = new Set(g.nodes.map((n) => n.name));
  for (const e of g.exits ?? []) e.nodes = e.nodes.filter((n) => names.has(n));
  return before - g.nodes.length;
}

/** The node writing `t` if `t` is an activation read by exactly one node and not a graph output. */
function soleProducer(g: Graph, t: string): Node | undefined {
  if (g.outputs.includes(t)) return undefined;
  if (g.nodes.filter((n) => n.inputs.includes(t)).length !== 1) return undefined;
  return g.nodes.find((n) => n.outputs.includes(t));
}

function foldAffine(g: Graph, layer: Node, affine: Node): boolean {
  const [w, b] = [layer.inputs[1], layer.inputs[2]].map((n) => g.tensors.get(n)!);
  const [s, t] = [affine.inputs[1], affine.inputs[2]].map((n) => g.tensors.get(n)!.data);
  if (!w.data || !b.data || !s || !t) return false;
  const f = w.shape[0], per = w.data.length / f;
  const wd = Float32Array.from(w.data, (v, i) => v * s[Math.floor(i / per)]);
  const bd = Float32Array.from(b.data, (v, i) => v * s[i] + t[i]);
  layer.inputs[1] = own(g, layer, w.name, wd);
  layer.inputs[2] = own(g, layer, b.name, bd);
  return true;
}

/** Stores new data for a constant: in place if only `layer` reads it, else as a fresh tensor. */
function own(g: Graph, layer: Node, name: string, data: Float32Array): string {
  const t = g.tensors.get(name)!;
  if (g.nodes.every((n) => n === layer || !n.inputs.includes(name))) {
    t.data = data;
    return name;
  }
  let fresh = `${name}_folded`;
  for (let k = 1; g.tensors.has(fresh); k++) fresh = `${name}_folded_${k}`;
  g.tensors.set(fresh, { ...t, name: fresh, data });
  return fresh;
}

/** Removes `next`; `prev` now writes `next`'s output; constants nobody reads are dropped. */
function merge(g: Graph, prev: Node, next: Node): void {
  g.tensors.delete(prev.outputs[0]);
  prev.outputs = [...next.outputs];
  g.nodes.splice(g.nodes.indexOf(next), 1);
  for (const i of next.inputs.slice(1))
    if (g.tensors.get(i)?.data && !g.nodes.some((n) => n.inputs.includes(i))) g.tensors.delete(i);
}

/** BatchNormalization (running statistics) → ChannelAffine with fresh scale and shift tensors. */
function batchNormToAffine(g: Graph, n: Node): void {
  const [gamma, beta, mean, variance] = n.inputs.slice(1).map((i) => g.tensors.get(i)!.data!);
  const eps = n.attrs.epsilon as number;
  const s = Float32Array.from(gamma, (v, c) => v / Math.sqrt(variance[c] + eps));
  const t = Float32Array.from(beta, (v, c) => v - mean[c] * s[c]);
  const stats = n.inputs.slice(1);
  const fresh = (base: string, data: Float32Array): string => {
    let name = base;
    for (let k = 1; g.tensors.has(name); k++) name = `${base}_${k}`;
    g.tensors.set(name, { name, shape: [data.length], data, encoding: "f32" });
    return name;
  };
  Object.assign(n, { op: "ChannelAffine", attrs: {} });
  n.inputs = [n.inputs[0], fresh(`${n.name}.affine_scale`, s), fresh(`${n.name}.affine_shift`, t)];
  for (const i of stats) if (!g.nodes.some((m) => m.inputs.includes(i))) g.tensors.delete(i);
}

/** Drops a Dropout node (inference: identity). */
function removeDropout(g: Graph, n: Node, head: Map<string, number>): void {
  const [x] = n.inputs, [y] = n.outputs;
  const prev = soleProducer(g, x);
  if (prev && head.get(prev.name) === head.get(n.name)) return merge(g, prev, n);
  if (g.outputs.includes(y) || g.exits?.some((e) => e.output === y)) {
    // x is a graph input or read elsewhere: keep a copy under y's name.
    Object.assign(n, { op: "Reshape", attrs: { shape: [...g.tensors.get(y)!.shape] } });
    return;
  }
  for (const m of g.nodes) m.inputs = m.inputs.map((i) => (i === y ? x : i));
  g.nodes.splice(g.nodes.indexOf(n), 1);
  g.tensors.delete(y);
}

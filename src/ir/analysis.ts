// Whole-graph questions: is it well formed, what shape is every tensor at batch N, how many
// parameters and multiply-accumulates. Every front-end and pass result goes through checkGraph.
import type { Graph } from "./graph.js";
import { numel } from "./graph.js";
import { spec } from "./ops.js";
import { ShapeError } from "../runtime/errors.js";

/** Structure: known ops and arities, single writer per activation, reads after writes. */
export function checkGraph(g: Graph): void {
  const written = new Set<string>(g.inputs);
  for (const name of g.inputs) {
    const t = g.tensors.get(name);
    if (!t || t.data) throw new ShapeError(`graph input "${name}" is not an activation tensor`);
  }
  for (const n of g.nodes) {
    const s = spec(n.op);
    if (!s) throw new ShapeError(`node "${n.name}": unknown op ${n.op}`);
    if (n.inputs.length < s.inputs[0] || n.inputs.length > s.inputs[1])
      throw new ShapeError(`node "${n.name}" (${n.op}): expected ${s.inputs.join("..")} inputs, got ${n.inputs.length}`);
    for (const i of n.inputs) {
      const t = g.tensors.get(i);
      if (!t) throw new ShapeError(`node "${n.name}" (${n.op}): input "${i}" is not a tensor of the graph`);
      if (!t.data && !written.has(i)) throw new ShapeError(`node "${n.name}" (${n.op}): input "${i}" is read before it is written`);
    }
    for (const [k, kind] of s.attrs) {
      const v = n.attrs[k];
      if (kind === "i[]" ? !Array.isArray(v) : typeof v !== "number")
        throw new ShapeError(`node "${n.name}" (${n.op}): attribute ${k} missing or not ${kind === "i[]" ? "an int list" : "a number"}`);
    }
    for (const o of n.outputs) {
      const t = g.tensors.get(o);
      if (!t || t.data) throw new ShapeError(`node "${n.name}" (${n.op}): output "${o}" is not an activation tensor`);
      if (written.has(o)) throw new ShapeError(`node "${n.name}" (${n.op}): output "${o}" is written twice`);
      written.add(o);
    }
  }
  for (const o of g.outputs) if (!written.has(o)) throw new ShapeError(`graph output "${o}" is never written`);
}

/** Shapes of every tensor at batch `batch` (inputs' dim 0 scaled when the graph is batch-dynamic). */
export function inferShapes(g: Graph, batch = 1): Map<string, number[]> {
  const shapes = new Map<string, number[]>();
  for (const [name, t] of g.tensors) if (t.data) shapes.set(name, t.shape);
  for (const name of g.inputs) {
    const s = [...g.tensors.get(name)!.shape];
    if (g.batchDynamic) s[0] *= batch;
    shapes.set(name, s);
  }
  for (const n of g.nodes) {
    const ins = n.inputs.map((i) => shapes.get(i)!);
    let outs: number[][];
    try {
      outs = spec(n.op).infer(ins, n.attrs);
    } catch (e) {
      if (e instanceof ShapeError) throw new ShapeError(`node "${n.name}" ${e.message}`);
      throw e;
    }
    n.outputs.forEach((o, k) => shapes.set(o, outs[k]));
  }
  return shapes;
}

/** Recomputes activation shapes (batch 1) into the tensors; throws if a stored shape disagrees. */
export function verifyShapes(g: Graph): void {
  const shapes = inferShapes(g, 1);
  for (const n of g.nodes)
    for (const o of n.outputs) {
      const want = shapes.get(o)!, got = g.tensors.get(o)!.shape;
      if (want.join(",") !== got.join(","))
        throw new ShapeError(`node "${n.name}" (${n.op}): output "${o}" stored as [${got}], inferred [${want}]`);
    }
}

/** Parameters: elements of all constant tensors. */
export function countParams(g: Graph): number {
  let n = 0;
  for (const t of g.tensors.values()) if (t.data) n += numel(t.shape);
  return n;
}

/** Multiply-accumulates per node and in total at `batch`. */
export function countMacs(g: Graph, batch = 1): { total: number; perNode: Map<string, number> } {
  const shapes = inferShapes(g, batch), perNode = new Map<string, number>();
  let total = 0;
  for (const n of g.nodes) {
    const m = spec(n.op).macs(n.inputs.map((i) => shapes.get(i)!), n.outputs.map((o) => shapes.get(o)!), n.attrs);
    perNode.set(n.name, m);
    total += m;
  }
  return { total, perNode };
}

/** Names of nodes reading each tensor (graph outputs are not counted). */
export function consumers(g: Graph): Map<string, string[]> {
  const c = new Map<string, string[]>();
  for (const n of g.nodes) for (const i of n.inputs) c.set(i, [...(c.get(i) ?? []), n.name]);
  return c;
}

/** True when some node combines values across dim 0 at batch 1 (FORMAT.md §5). */
export function mixesBatch(g: Graph): string | undefined {
  const shapes = inferShapes(g, 1);
  for (const n of g.nodes)
    if (spec(n.op).mixesBatch?.(n.inputs.map((i) => shapes.get(i)!), n.attrs)) return n.name;
  return undefined;
}

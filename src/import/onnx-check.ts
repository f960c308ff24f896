// Checks an ONNX graph is well formed before anything is computed from it (ONNX files are
// untrusted input): names are strings and unique (SSA: one producer per value), every input a
// node reads is produced by a node, an initializer or a graph input, the nodes form a DAG (a
// valid graph listed out of order is sorted; a cycle is a FormatError naming one of its nodes),
// and every shape is sane (dims integers ≥ 0, rank ≤ MAX_RANK, elements ≤ MAX_ELEMENTS) before
// anything of that size is allocated.
import type onnx from "onnx-proto";
import { FormatError, ShapeError } from "../runtime/errors.js";

type G = onnx.onnx.IGraphProto;
type N = onnx.onnx.INodeProto;

/** Largest rank of any tensor the importer accepts. */
export const MAX_RANK = 6;
/** Largest element count of any tensor (2^28 = 1 GiB of f32). */
export const MAX_ELEMENTS = 2 ** 28;

/** Dims for a message; a hostile rank (a sparse array of length 2^31) is never joined whole. */
export const fmtDims = (dims: readonly number[]): string =>
  dims.length > 8 ? `${dims.slice(0, 8).join(",")},… (rank ${dims.length})` : dims.join(",");

/** Throws ShapeError unless `dims` are integers ≥ 0, at most MAX_RANK of them, with ≤ MAX_ELEMENTS elements. */
export function checkDims(dims: readonly number[], what: string): void {
  if (dims.length > MAX_RANK) throw new ShapeError(`${what}: rank ${dims.length} [${fmtDims(dims)}]; expected rank ≤ ${MAX_RANK}`);
  let n = 1;
  for (let i = 0; i < dims.length; i++) {
    const d = dims[i];
    if (typeof d !== "number" || !Number.isInteger(d) || d < 0) throw new ShapeError(`${what}: dim ${i} is ${d} in [${dims}]; expected an integer ≥ 0`);
    if (d > MAX_ELEMENTS) throw new ShapeError(`${what}: dim ${i} is ${d} in [${dims}]; expected ≤ ${MAX_ELEMENTS} elements`);
    n *= d;
  }
  if (n > MAX_ELEMENTS) throw new ShapeError(`${what}: shape [${dims}] has ${n} elements; expected ≤ ${MAX_ELEMENTS} (2^28)`);
}

const isName = (v: unknown): v is string => typeof v === "string";
export const nodeWhere = (n: N, k: number): string => `node "${(isName(n.name) && n.name) || `#${k}`}" (${isName(n.opType) ? n.opType : "?"})`;

/**
 * Checks names and references and returns the nodes in a topological order (the file's order
 * when it already is one). `defined`: graph inputs and initializers.
 */
export function sortedNodes(g: G): N[] {
  const nodes = g.node ?? [];
  const inits = new Set<string>(), inputs = new Set<string>();
  for (const t of g.initializer ?? []) {
    if (!isName(t.name) || !t.name) throw new FormatError(`an initializer has no name; every initializer needs a unique name`);
    if (inits.has(t.name)) throw new FormatError(`initializer "${t.name}" is defined twice; expected unique initializer names`);
    inits.add(t.name);
  }
  for (const v of g.input ?? []) {
    if (!isName(v.name) || !v.name) throw new FormatError(`a graph input has no name; every graph input needs a unique name`);
    if (inputs.has(v.name)) throw new FormatError(`graph input "${v.name}" is listed twice; expected unique input names`);
    inputs.add(v.name);
  }
  const producer = new Map<string, number>();
  nodes.forEach((n, k) => {
    const where = nodeWhere(n, k);
    if (!isName(n.opType) || !n.opType) throw new FormatError(`${where}: no op_type; every node needs one`);
    if (!(n.output ?? []).length || !n.output![0]) throw new FormatError(`${where}: no output; expected at least one named output`);
    for (const x of n.input ?? []) if (!isName(x)) throw new FormatError(`${where}: an input name is not a string`);
    for (const o of n.output ?? []) {
      if (!isName(o)) throw new FormatError(`${where}: an output name is not a string`);
      if (!o) continue;
      const other = producer.get(o);
      if (other !== undefined) throw new FormatError(`${where}: output "${o}" is also produced by ${nodeWhere(nodes[other], other)}; expected each value produced once`);
      if (inits.has(o)) throw new FormatError(`${where}: output "${o}" has the name of an initializer; expected each value defined once`);
      if (inputs.has(o)) throw new FormatError(`${where}: output "${o}" has the name of a graph input; expected each value defined once`);
      producer.set(o, k);
    }
  });
  for (const [k, n] of nodes.entries()) for (const x of n.input ?? [])
    if (x && !producer.has(x) && !inits.has(x) && !inputs.has(x))
      throw new FormatError(`${nodeWhere(n, k)}: input "${x}" is not produced by any node, initializer or graph input (missing initializer?)`);
  const outs = new Set<string>();
  for (const o of g.output ?? []) {
    if (!isName(o.name) || !o.name) throw new FormatError(`a graph output has no name`);
    if (outs.has(o.name)) throw new FormatError(`graph output "${o.name}" is listed twice; expected unique output names`);
    outs.add(o.name);
  }

  // Iterative DFS in file order, emitting post-order: the file order when it is topological.
  const state = new Uint8Array(nodes.length); // 0 new, 1 on the stack, 2 emitted
  const order: N[] = [];
  const deps = (k: number): number[] => (nodes[k].input ?? []).flatMap((x) => (x && producer.has(x) ? [producer.get(x)!] : []));
  for (let root = 0; root < nodes.length; root++) {
    if (state[root]) continue;
    const stack: [number, number[], number][] = [[root, deps(root), 0]];
    state[root] = 1;
    while (stack.length) {
      const top = stack[stack.length - 1], [k, ds] = top;
      if (top[2] < ds.length) {
        const d = ds[top[2]++];
        if (state[d] === 1) {
          const cycle = stack.slice(stack.findIndex((s) => s[0] === d)).map((s) => nodeWhere(nodes[s[0]], s[0]));
          throw new FormatError(`${nodeWhere(nodes[d], d)} is on a cycle (${[...cycle, nodeWhere(nodes[d], d)].join(" → ")}); expected an acyclic graph`);
        }
        if (state[d] === 0) { state[d] = 1; stack.push([d, deps(d), 0]); }
      } else {
        state[k] = 2;
        order.push(nodes[k]);
        stack.pop();
      }
    }
  }
  return order;
}

/** An axis attribute in [-rank, rank) (or [-rank, rank] with `inclusive`, as Flatten/Unsqueeze take), made non-negative. */
export function checkAxis(a: number, rank: number, what: string, inclusive = false): number {
  const hi = inclusive ? rank : rank - 1;
  if (!Number.isInteger(a) || a < -rank || a > hi) throw new FormatError(`${what ? `${what}: ` : ""}axis ${a} is out of range for rank ${rank}; expected ${-rank}..${hi}`);
  return a < 0 ? a + rank : a;
}

/** Required (non-empty) leading inputs of each op; ops not listed need 1, Constant none. */
const REQUIRED: Record<string, number | ((opset: number) => number)> = {
  Constant: 0, Gemm: 2, MatMul: 2, Conv: 2, BatchNormalization: 5, PRelu: 2, Add: 2, Sub: 2, Mul: 2, Div: 2, Pow: 2,
  Max: 2, Min: 2, Mod: 2, Equal: 2, Less: 2, Greater: 2, LessOrEqual: 2, GreaterOrEqual: 2, And: 2, Or: 2,
  Reshape: (o) => (o >= 5 ? 2 : 1), Unsqueeze: (o) => (o >= 13 ? 2 : 1), Pad: (o) => (o >= 11 ? 2 : 1),
  Slice: (o) => (o >= 10 ? 3 : 1), Gather: 2, Range: 3, Where: 3, Expand: 2,
  QuantizeLinear: 2, DequantizeLinear: 2, QLinearMatMul: 8, QLinearConv: 8, MatMulInteger: 2, ConvInteger: 2,
};

/** FormatError unless the op's required inputs are present. */
export function checkArity(n: N, where: string, opset: number): void {
  const r = REQUIRED[n.opType ?? ""] ?? 1, need = typeof r === "number" ? r : r(opset), ins = n.input ?? [];
  for (let i = 0; i < need; i++)
    if (!ins[i]) throw new FormatError(`${where}: input ${i} is required; expected at least ${need} input(s), got ${ins.filter((x) => x).length} named`);
}

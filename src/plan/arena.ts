// Arena planner: every activation gets a byte offset in one arena, sized once at load.
//
// Greedy by size, as tflite-micro's GreedyMemoryPlanner:
//  1. Live range of a buffer: from the node that first writes it to the last node that reads
//     it, inclusive (a node's inputs and outputs are live together, so no op runs in place).
//     Graph inputs are live from the first node on (even if unread), graph outputs until
//     after the last.
//  2. Buffers are placed largest first (ties: earlier first write, then lower id).
//  3. Each goes at the lowest 16-aligned offset (SIMD loads) where it overlaps no already
//     placed buffer whose live range intersects its own: walk those buffers in offset order
//     and take the first gap that fits.
// The arena size is the highest end, rounded up to 16. Buffers never read nor written
// (first > last) conflict with nothing and sit at offset 0.
// A training plan (`{ training: true }`) reuses nothing: every activation gets its own 16-aligned
// slot in tensor order, so backward can read any of them after the forward pass.
import { numel, type Graph } from "../ir/graph.js";
import { concatAliases } from "./concat-alias.js";

export interface LiveRange {
  /** Index of the first node that writes the buffer; 0 for graph inputs. */
  first: number;
  /** Index of the last node that reads it; nodes.length for graph outputs. */
  last: number;
}

export interface LiveBuffer extends LiveRange {
  size: number;
}

export interface ArenaPlan {
  offsets: Map<string, number>;
  arenaBytes: number;
}

export const align16 = (n: number): number => Math.ceil(n / 16) * 16;

/** True when both ranges are non-empty and share a node index. */
export const rangesIntersect = (a: LiveRange, b: LiveRange): boolean =>
  a.first <= a.last && b.first <= b.last && a.first <= b.last && b.first <= a.last;

/** Live ranges of the activations (`isActivation`) that some node or the graph uses. */
export function liveRanges<K>(
  nodes: readonly { inputs: readonly K[]; outputs: readonly K[] }[],
  graphInputs: readonly K[],
  graphOutputs: readonly K[],
  isActivation: (k: K) => boolean,
): Map<K, LiveRange> {
  const ranges = new Map<K, LiveRange>();
  const touch = (k: K, i: number) => {
    if (!isActivation(k)) return;
    const r = ranges.get(k);
    if (r) {
      r.first = Math.min(r.first, i);
      r.last = Math.max(r.last, i);
    } else ranges.set(k, { first: i, last: i });
  };
  for (const k of graphInputs) touch(k, 0);
  nodes.forEach((n, i) => {
    for (const k of n.outputs) touch(k, i);
    for (const k of n.inputs) touch(k, i);
  });
  for (const k of graphOutputs) touch(k, nodes.length);
  return ranges;
}

/** Offsets (16-aligned) for `buffers`, in their order, and the arena size. */
export function planBuffers(buffers: readonly LiveBuffer[]): { offsets: number[]; arenaBytes: number } {
  const order = buffers.map((_, i) => i).sort((a, b) =>
    buffers[b].size - buffers[a].size || buffers[a].first - buffers[b].first || a - b);
  const offsets = new Array<number>(buffers.length).fill(0);
  const placed: number[] = [];
  let arenaBytes = 0;
  for (const i of order) {
    const b = buffers[i];
    const conflicts = placed
      .filter((j) => rangesIntersect(b, buffers[j]))
      .sort((x, y) => offsets[x] - offsets[y]);
    let at = 0;
    for (const j of conflicts) {
      if (at + b.size <= offsets[j]) break;
      at = Math.max(at, align16(offsets[j] + buffers[j].size));
    }
    offsets[i] = at;
    placed.push(i);
    arenaBytes = Math.max(arenaBytes, align16(at + b.size));
  }
  return { offsets, arenaBytes };
}

export interface PlanOptions {
  /** Every activation at a distinct offset (no reuse), for the trainer's backward pass. */
  training?: boolean;
  /** Concat inputs planned inside the Concat output, so the Concat copies nothing (./concat-alias.ts); default on. */
  aliasConcat?: boolean;
}

/** Arena plan of a graph's activations (tensors without data), f32 at batch 1. */
export function planArena(graph: Graph, options: PlanOptions = {}): ArenaPlan {
  const names = [...graph.tensors.values()].filter((t) => !t.data).map((t) => t.name);
  if (options.training) {
    const offsets = new Map<string, number>();
    let end = 0;
    for (const n of names) {
      offsets.set(n, end);
      end = align16(end + 4 * numel(graph.tensors.get(n)!.shape));
    }
    return { offsets, arenaBytes: end };
  }
  const ranges = liveRanges(graph.nodes, graph.inputs, graph.outputs,
    (k) => graph.tensors.get(k)?.data === undefined);
  // An aliased Concat input is no buffer of its own: the output's buffer is live from it on.
  const alias = (options.aliasConcat ?? true) ? concatAliases(graph) : new Map<string, { into: string; at: number }>();
  for (const [x, { into }] of alias) ranges.get(into)!.first = Math.min(ranges.get(into)!.first, ranges.get(x)!.first);
  const own = names.filter((n) => !alias.has(n));
  const buffers = own.map((name) => ({
    size: 4 * numel(graph.tensors.get(name)!.shape),
    ...(ranges.get(name) ?? { first: 1, last: 0 }),
  }));
  const { offsets, arenaBytes } = planBuffers(buffers);
  const at = new Map(own.map((n, i) => [n, offsets[i]]));
  for (const [x, a] of alias) at.set(x, at.get(a.into)! + a.at);
  return { offsets: new Map(names.map((n) => [n, at.get(n)!])), arenaBytes };
}

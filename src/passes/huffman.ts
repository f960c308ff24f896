// Huffman coding (Deep Compression §4): the codebook indices and CSR gaps of a clustered layer
// are far from uniform, so canonical length-limited Huffman codes shrink them by another 20–30%.
// The writer does the coding and keeps it only where it is smaller (docs/FORMAT.md); this pass
// tags the clustered weights "huffman", and `storageReport` reads what the written file holds.
import type { Graph } from "../ir/graph.js";
import { inspect } from "../format/inspect.js";
import { InputError } from "../runtime/errors.js";
import { checkLayerNames, prunableLayers } from "./prune.js";

/** Tags the clustered weights of `g` (all, or those of `layers`) "huffman", in place; returns their layer names. */
export function huffman(g: Graph, layers?: readonly string[]): string[] {
  const all = prunableLayers(g), clustered = all.filter((l) => g.tensors.get(l.weight)!.indexBits);
  if (layers) checkLayerNames(layers, all.map((l) => l.name), "huffman");
  const chosen = layers ? all.filter((l) => layers.includes(l.name)) : clustered;
  for (const l of chosen)
    if (!clustered.includes(l)) throw new InputError(`huffman: layer "${l.name}" is not clustered (Huffman codes codebook indices); run the cluster pass first`);
  if (!chosen.length) throw new InputError(`huffman: ${g.name} has no clustered layer; run the cluster pass first`);
  for (const l of chosen) g.tensors.get(l.weight)!.encoding = "huffman";
  return chosen.map((l) => l.name);
}

export interface StorageRow {
  name: string;
  op: string;
  /** Weights of the layer and the surviving (non-zero) ones. */
  params: number;
  nonzero: number;
  /** Codebook index width, undefined when not clustered. */
  indexBits?: number;
  encoding: string;
  /** Stored bytes of the layer's constants (weight and bias) in the written file. */
  bytes: number;
  /** Stored bits per surviving weight (indices, gaps, codebook and bias included): Deep Compression's bits/weight. */
  bitsPerWeight: number;
  /** Deep Compression's Table 2: mean stored bits per codebook index and per CSR gap (Huffman-coded or fixed
   *  width), per stored entry (fillers included); undefined when the layout has none. */
  bitsPerIndex?: number;
  bitsPerGap?: number;
}

/** Per-layer storage of `g` as writeSlim stores it (one row per prunable layer). */
export function storageReport(g: Graph): StorageRow[] {
  const rows = new Map(inspect(g).layers.map((r) => [r.name, r]));
  return prunableLayers(g).map((l) => {
    const t = g.tensors.get(l.weight)!, r = rows.get(l.name)!, nonzero = t.data!.reduce((n, v) => n + (v !== 0 ? 1 : 0), 0);
    const s = r.storage, mean = (streamBytes?: number, width?: number) => (streamBytes !== undefined ? (8 * streamBytes) / s!.nnz : width);
    return {
      name: l.name, op: l.op, params: t.data!.length, nonzero, indexBits: t.indexBits, encoding: r.encoding, bytes: r.bytes,
      bitsPerWeight: nonzero ? (8 * r.bytes) / nonzero : 0,
      ...(s && { bitsPerIndex: mean(s.indexStreamBytes, s.indexBits), bitsPerGap: mean(s.gapStreamBytes, s.gapBits) }),
    };
  });
}

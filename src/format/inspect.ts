// What `slimnet inspect` shows: header and sections of a .slim file, then one row per node
// (output shape, parameters and stored bytes of the constants it is first to read, MACs).
// A Graph is inspected as the file writeSlim would make of it, so both paths show the same.
import type { Graph } from "../ir/graph.js";
import { OPS } from "../ir/ops.js";
import { toGraph } from "./reader.js";
import { ENCODINGS, KIND_CONSTANT, verify, type Limits, type SectionEntry } from "./verify.js";
import { writeSlim } from "./writer.js";
import type { Storage } from "./codebook.js";

export interface LayerRow {
  name: string;
  op: string;
  /** Shape of the (first) output at batch 1. */
  shape: number[];
  /** Elements of the constants this node is first to read. */
  params: number;
  /** Encodings of those constants ("f32", …), "" when there are none. */
  encoding: string;
  /** Stored bytes of those constants. */
  bytes: number;
  /** Layout of the first csr/codebook/huffman constant among those (docs/FORMAT.md §3.2–3.5). */
  storage?: Storage;
  macs: number;
}

export interface Inspection {
  name: string;
  version: number;
  batchDynamic: boolean;
  /** File length. */
  bytes: number;
  sections: SectionEntry[];
  arenaBytes: number;
  inputs: { name: string; shape: number[] }[];
  outputs: { name: string; shape: number[] }[];
  layers: LayerRow[];
  /** Totals over the layers (each constant counted once). */
  params: number;
  weightBytes: number;
  macs: number;
}

/** Inspects .slim bytes (verified first) or a Graph (as written by writeSlim). */
export function inspect(source: Uint8Array | Graph, limits: Partial<Limits> = {}): Inspection {
  const bytes = source instanceof Uint8Array ? source : writeSlim(source);
  const file = verify(bytes, limits);
  const graph = toGraph(file, bytes);
  const ids = new Map(file.tensors.map((t, i) => [t.name, i]));
  const shape = (name: string) => graph.tensors.get(name)!.shape;
  const seen = new Set<number>();
  const layers = file.nodes.map((n, k): LayerRow => {
    const node = graph.nodes[k];
    const own = n.inputs.filter((id) => file.tensors[id].kind === KIND_CONSTANT && !seen.has(id));
    own.forEach((id) => seen.add(id));
    const consts = own.map((id) => file.tensors[id]);
    const storage = consts.find((t) => t.storage)?.storage;
    return {
      ...(storage && { storage }),
      name: n.name,
      op: n.op,
      shape: [...shape(node.outputs[0])],
      params: consts.reduce((s, t) => s + t.dims.reduce((a, b) => a * b, 1), 0),
      encoding: [...new Set(consts.map((t) => ENCODINGS[t.encoding]))].join("+"),
      bytes: consts.reduce((s, t) => s + t.byteLength, 0),
      macs: OPS[n.op].macs(node.inputs.map(shape), node.outputs.map(shape), node.attrs),
    };
  });
  const io = (names: string[]) => names.map((name) => ({ name, shape: [...file.tensors[ids.get(name)!].dims] }));
  return {
    name: file.graphName, version: file.version, batchDynamic: file.batchDynamic, bytes: bytes.length,
    sections: file.sections, arenaBytes: file.arenaBytes, inputs: io(graph.inputs), outputs: io(graph.outputs),
    layers,
    params: layers.reduce((s, l) => s + l.params, 0),
    weightBytes: layers.reduce((s, l) => s + l.bytes, 0),
    macs: layers.reduce((s, l) => s + l.macs, 0),
  };
}

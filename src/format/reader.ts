// .slim bytes → IR Graph. verify() checks every rule of docs/FORMAT.md first; this file only
// rebuilds the IR from the decoded records. Constants come back dense, tagged with their
// encoding (a csr tensor stays "csr", a codebook one keeps indexBits, so writing it again gives
// the same bytes).
import type { Graph, Node, Tensor } from "../ir/graph.js";
import { FormatError } from "../runtime/errors.js";
import { ENCODINGS, KIND_CONSTANT, TENSOR_BYTES, verify, type Limits, type SlimFile } from "./verify.js";

/** The IR graph of a decoded, verified file. */
export function toGraph(file: SlimFile, bytes: Uint8Array): Graph {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tensors = new Map<string, Tensor>();
  const tens = file.sections.find((s) => s.kind === "TENS")!;
  for (const [id, r] of file.tensors.entries()) {
    // The IR keys tensors by name, so a name may be used once (FORMAT.md §3).
    if (tensors.has(r.name)) throw new FormatError(`section "TENS" at offset 0x${(tens.offset + 4 + TENSOR_BYTES * id).toString(16)}: tensor ${id} repeats the name ${JSON.stringify(r.name)}`);
    const t: Tensor = { name: r.name, shape: [...r.dims] };
    if (r.kind === KIND_CONSTANT) {
      let words = r.dense; // bit patterns, NaN payloads included
      if (!words) {
        words = new Uint32Array(r.byteLength / 4);
        const at = file.weightsOffset + r.offset;
        for (let i = 0; i < words.length; i++) words[i] = dv.getUint32(at + 4 * i, true);
      }
      t.data = new Float32Array(words.buffer);
      t.encoding = ENCODINGS[r.encoding];
      if (r.int8) {
        t.scales = r.int8.scales;
        if (r.int8.xScale) t.inputQuant = { scale: r.int8.xScale, zeroPoint: r.int8.xZero };
      }
      // The smallest candidate set holding the stored layout (docs/FORMAT.md §3.5).
      if (r.encoding >= 3 && r.param >>> 8) {
        t.indexBits = (r.param >> 8) & 15;
        if (r.param & 1 << 12) t.codebookPerRow = true;
      }
    }
    tensors.set(r.name, t);
  }
  const name = (id: number) => file.tensors[id].name;
  const nodes: Node[] = file.nodes.map((n) => ({
    op: n.op, name: n.name, inputs: n.inputs.map(name), outputs: n.outputs.map(name),
    attrs: { ...n.attrs },
  }));
  const graph: Graph = {
    name: file.graphName, inputs: file.inputs.map(name), outputs: file.outputs.map(name),
    tensors, nodes, batchDynamic: file.batchDynamic,
  };
  if (file.exits.length) {
    graph.exits = file.exits.map((e) => ({
      output: name(e.y), nodes: nodes.slice(e.first, e.last + 1).map((n) => n.name),
      rule: e.rule ? "entropy" : "maxprob", threshold: e.threshold, ...(e.values ? { values: "probs" as const } : {}),
    }));
  }
  return graph;
}

/** Verifies `bytes` (throws FormatError naming section and offset) and returns its graph. */
export function readSlim(bytes: Uint8Array, limits: Partial<Limits> = {}): Graph {
  return toGraph(verify(bytes, limits), bytes);
}

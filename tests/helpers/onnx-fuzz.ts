// Seeded ONNX fuzz cases for tests/onnx-hardening.test.ts: three valid base models (Gemm,
// Conv + shape subgraph + Reshape, DequantizeLinear → Gemm), byte-level mutations of their
// encodings and structure-aware mutations of the decoded protos. fuzzCase(k, seed) is
// deterministic, so a failing case can be replayed alone.
import onnx from "onnx-proto";
import { buildModel, rng, type ModelSpec } from "./onnx-builder.js";

const P = onnx.onnx;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type M = any;
export const W = Float32Array.from({ length: 12 }, (_, i) => Math.sin(i + 1)), B = Float32Array.from([0.5, -0.25, 0.125]);

/** y = Relu(x·Wᵀ + b), x [N,4], W [3,4]. */
export const gemmSpec = (): ModelSpec => ({
  opset: 13,
  inputs: [{ name: "x", shape: ["N", 4] }],
  outputs: [{ name: "y", shape: ["N", 3] }],
  nodes: [
    { op: "Gemm", name: "fc", inputs: ["x", "w", "b"], outputs: ["h"], attrs: { transB: 1 } },
    { op: "Relu", name: "act", inputs: ["h"], outputs: ["y"] },
  ],
  initializers: [{ name: "w", dims: [3, 4], data: W }, { name: "b", dims: [3], data: B }],
});
export const convSpec = (): ModelSpec => {
  const r = rng(3), w = (name: string, dims: number[]) => ({ name, dims, data: Array.from({ length: dims.reduce((a, b) => a * b, 1) }, () => r()) });
  return {
    opset: 13, inputs: [{ name: "x", shape: ["N", 1, 8, 8] }], outputs: [{ name: "y", shape: ["N", 5] }],
    nodes: [
      { op: "Conv", name: "conv", inputs: ["x", "cw", "cb"], outputs: ["c"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
      { op: "Relu", name: "relu", inputs: ["c"], outputs: ["r"] },
      { op: "MaxPool", name: "pool", inputs: ["r"], outputs: ["p"], attrs: { kernel_shape: [2, 2], strides: [2, 2] } },
      { op: "Shape", name: "shape", inputs: ["p"], outputs: ["s"] },
      { op: "Gather", name: "n", inputs: ["s", "zero"], outputs: ["n0"], attrs: { axis: 0 } },
      { op: "Unsqueeze", name: "u", inputs: ["n0", "ax0"], outputs: ["n1"] },
      { op: "Concat", name: "cat", inputs: ["n1", "minus1"], outputs: ["shp"], attrs: { axis: 0 } },
      { op: "Reshape", name: "flat", inputs: ["p", "shp"], outputs: ["f"] },
      { op: "Gemm", name: "fc", inputs: ["f", "fw", "fb"], outputs: ["y"], attrs: { transB: 1 } },
    ],
    initializers: [
      w("cw", [2, 1, 3, 3]), w("cb", [2]), w("fw", [5, 32]), w("fb", [5]),
      { name: "zero", dims: [], data: [0], dtype: "int64" }, { name: "ax0", dims: [1], data: [0], dtype: "int64" },
      { name: "minus1", dims: [1], data: [-1], dtype: "int64" },
    ],
  };
};
export const qdqSpec = (): ModelSpec => ({
  opset: 13, inputs: [{ name: "x", shape: ["N", 4] }], outputs: ["y"],
  nodes: [
    { op: "DequantizeLinear", name: "dq", inputs: ["wq", "ws", "wz"], outputs: ["w"] },
    { op: "Gemm", name: "fc", inputs: ["x", "w", "b"], outputs: ["h"], attrs: { transB: 1 } },
    { op: "Sigmoid", name: "sig", inputs: ["h"], outputs: ["y"] },
  ],
  initializers: [
    { name: "wq", dims: [3, 4], data: Array.from({ length: 12 }, (_, i) => i * 9 - 50), dtype: "int8" },
    { name: "ws", dims: [], data: [0.02] }, { name: "wz", dims: [], data: [0], dtype: "int8" }, { name: "b", dims: [3], data: B },
  ],
});

const DIMS = [-1, 0, 1, 2, 3, 7, 2 ** 16, 2 ** 31, 2 ** 40, -(2 ** 40)];
const OPS = ["Relu", "Gemm", "Conv", "Reshape", "Concat", "Gather", "Transpose", "Add", "MaxPool", "Shape", "Slice", "Range", "ConstantOfShape", "Expand", "Cast", "Pad", "QuantizeLinear", "NoSuchOp"];

/** One structure-aware mutation of a decoded model. */
export function mutate(m: M, r: () => number): void {
  const g = m.graph!, pick = (a: M[]): M => a[Math.floor(r() * a.length)];
  const names = [...g.node.flatMap((n: M) => [...n.input, ...n.output]), ...g.initializer.map((t: M) => t.name), "nowhere", ""];
  const kind = Math.floor(r() * 14);
  const node = g.node.length ? pick(g.node) : undefined, init = g.initializer.length ? pick(g.initializer) : undefined;
  switch (kind) {
    case 0: if (init) { const d = [...init.dims]; d[Math.floor(r() * (d.length + 1))] = pick(DIMS); init.dims = d as number[]; } break;
    case 1: if (init) g.initializer.splice(g.initializer.indexOf(init), 1); break;
    case 2: if (g.node.length > 1) { const i = Math.floor(r() * g.node.length), j = Math.floor(r() * g.node.length); [g.node[i], g.node[j]] = [g.node[j], g.node[i]]; } break;
    case 3: if (node && node.input.length) node.input[Math.floor(r() * node.input.length)] = pick(names); break;
    case 4: if (node) g.node.push(P.NodeProto.decode(P.NodeProto.encode(node).finish())); break;
    case 5: if (init) init.dataType = Math.floor(r() * 27); break;
    case 6: if (node) node.opType = pick(OPS); break;
    case 7: if (node && node.attribute.length) node.attribute.splice(Math.floor(r() * node.attribute.length), 1); break;
    case 8: if (node && node.attribute.length) { const a = pick(node.attribute); a.i = pick(DIMS) as never; a.ints = a.ints.map(() => pick(DIMS)) as never; } break;
    case 9: { const d = g.input[0]?.type?.tensorType?.shape?.dim; if (d?.length) d[Math.floor(r() * d.length)] = r() < 0.5 ? { dimValue: pick(DIMS) } as never : { dimParam: "M" } as never; } break;
    case 10: if (init) { init.dataLocation = 1; init.externalData = [{ key: "location", value: pick(["w.bin", "../x", "/etc/passwd"]) }] as never; } break;
    case 11: if (init?.rawData?.length) init.rawData = init.rawData.subarray(0, Math.floor(r() * init.rawData.length)); break;
    case 12: if (node) node.output[Math.floor(r() * node.output.length)] = pick(names); break;
    case 13: if (node) node.input.push(pick(names)); break;
  }
}

/** Byte-level mutation of encoded bytes: bit flips, random bytes, truncation, splices. */
export function mutateBytes(b: Uint8Array, r: () => number): Uint8Array {
  const out = Uint8Array.from(b), kind = Math.floor(r() * 5);
  const at = () => Math.floor(r() * out.length);
  if (kind === 0) { for (let k = 1 + Math.floor(r() * 8); k > 0; k--) out[at()] ^= 1 << Math.floor(r() * 8); return out; }
  if (kind === 1) { for (let k = 1 + Math.floor(r() * 4); k > 0; k--) out[at()] = Math.floor(r() * 256); return out; }
  if (kind === 2) return out.subarray(0, at());
  if (kind === 3) { const i = at(), j = at(); return Uint8Array.from([...out.subarray(0, i), ...out.subarray(j)]); }
  return Uint8Array.from({ length: Math.floor(r() * 200) }, () => Math.floor(r() * 256));
}


export const fuzzBases = (): Uint8Array[] => [gemmSpec(), convSpec(), qdqSpec()].map((s) => buildModel(s));

/** Case k of a run seeded `seed`: the generator must be advanced through cases 0..k-1 first, so this replays a whole prefix. */
export function* fuzzCases(seed: number, count: number): Generator<{ k: number; kind: "bytes" | "structure"; bytes: Uint8Array }> {
  const seeded = rng(seed), r = () => seeded(0, 1), bases = fuzzBases();
  for (let k = 0; k < count; k++) {
    const base = bases[k % bases.length];
    if (k % 2 === 0) { yield { k, kind: "bytes", bytes: mutateBytes(base, r) }; continue; }
    const m = P.ModelProto.decode(base);
    for (let j = 1 + Math.floor(r() * 3); j > 0; j--) mutate(m, r);
    yield { k, kind: "structure", bytes: P.ModelProto.encode(m).finish() };
  }
}

// Seed corpus of the fuzzer: small valid .slim files, one per weight encoding of docs/FORMAT.md
// §3.1–3.8 (and per layout of the codebook family), as a Gemm MLP and as a Conv net, built with
// GraphBuilder + writeSlim. Deterministic: the same bytes on every run.
import { GraphBuilder } from "../../src/ir/build.js";
import type { Encoding, Graph, Tensor } from "../../src/ir/graph.js";
import { writeSlim } from "../../src/format/writer.js";
import { verify } from "../../src/format/verify.js";
import { ENCODINGS } from "../../src/format/verify.js";
import { rng } from "./prng.js";

export interface Seed {
  /** e.g. "mlp/huffman-sparse". */
  name: string;
  bytes: Uint8Array;
  /** The encoding tag the first weight must have in the file (checked by corpus()). */
  tag: number;
}

type Kind = "f32" | "f16" | "int8" | "int8-static" | "csr" | "csr-codebook" | "codebook" | "codebook-perrow" |
  "huffman-dense" | "huffman-sparse" | "binary";
const KINDS: Kind[] = ["f32", "f16", "int8", "int8-static", "csr", "csr-codebook", "codebook", "codebook-perrow",
  "huffman-dense", "huffman-sparse", "binary"];
const TAG: Record<Kind, Encoding> = {
  "f32": "f32", "f16": "f16", "int8": "int8", "int8-static": "int8", "csr": "csr", "csr-codebook": "csr",
  "codebook": "codebook", "codebook-perrow": "codebook", "huffman-dense": "huffman", "huffman-sparse": "huffman", "binary": "binary",
};

/** Weight data [rows, cols] shaped for `kind` so the writer picks that layout. */
function weight(kind: Kind, name: string, shape: number[], rand: () => number): Tensor {
  const rows = shape[0], n = shape.reduce((a, b) => a * b, 1), cols = n / rows;
  const data = new Float32Array(n);
  const t: Tensor = { name, shape, data, encoding: TAG[kind] };
  const centroids = [-0.75, -0.25, 0.25, 0.75, -0.5, 0.5, 0.1, -0.1];
  // skewed pick among k centroids (Huffman gains on it)
  const skew = (k: number) => centroids[Math.min(k - 1, Math.floor(k * rand() ** 8))];
  for (let i = 0; i < n; i++) {
    const r = Math.floor(i / cols);
    switch (kind) {
      case "csr": data[i] = rand() < 0.85 ? 0 : rand() * 2 - 1; break;
      case "csr-codebook": data[i] = rand() < 0.85 ? 0 : centroids[Math.floor(rand() * 4)]; break;
      case "codebook": data[i] = centroids[Math.floor(rand() * 4)]; break;
      case "codebook-perrow": data[i] = centroids[Math.floor(rand() * 4)] * (1 + r / rows); break;
      case "huffman-dense": data[i] = skew(8); break;
      case "huffman-sparse": data[i] = rand() < 0.8 ? 0 : skew(8); break;
      case "binary": data[i] = (rand() < 0.5 ? -1 : 1) * (0.25 + r / 64); break;
      default: data[i] = Math.fround(rand() * 2 - 1);
    }
  }
  if (kind === "csr-codebook" || kind === "codebook") t.indexBits = 2;
  if (kind === "codebook-perrow") { t.indexBits = 2; t.codebookPerRow = true; }
  if (kind === "huffman-dense" || kind === "huffman-sparse") t.indexBits = 3;
  if (kind === "int8-static") t.inputQuant = { scale: 1 / 64, zeroPoint: 128 };
  return t;
}

function randn(n: number, rand: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => rand() * 2 - 1);
}

/** x[1,48] → Gemm(W1 [16,48], kind) + Relu → Gemm(W2 [10,16]) → Softmax. */
function mlp(kind: Kind, batchDynamic: boolean): Graph {
  const rand = rng(11), g = new GraphBuilder();
  const x = g.input("x", [1, 48]);
  const w1 = weight(kind, "w1", [16, 48], rand);
  const h = g.node("Gemm", [x, g.constant("w1", w1.shape, w1.data!), g.constant("b1", [16], randn(16, rand))], { act: 1 });
  const y = g.node("Gemm", [h, g.constant("w2", [10, 16], randn(160, rand)), g.constant("b2", [10], randn(10, rand))]);
  const graph = g.build(`mlp-${kind}`, [g.node("Softmax", [y], { axis: 1, toEnd: 0 }, { out: "prob" })], batchDynamic);
  graph.tensors.set("w1", { ...graph.tensors.get("w1")!, ...w1 });
  return graph;
}

/** x[1,4,8,8] → Conv(W [8,4,3,3], kind) + Relu → MaxPool 2 → Reshape → Gemm → y[1,10]. */
function cnn(kind: Kind, batchDynamic: boolean): Graph {
  const rand = rng(12), g = new GraphBuilder();
  const x = g.input("x", [1, 4, 8, 8]);
  const w = weight(kind, "wc", [8, 4, 3, 3], rand);
  const c = g.node("Conv", [x, g.constant("wc", w.shape, w.data!), g.constant("bc", [8], randn(8, rand))],
    { group: 1, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1, act: 1 });
  const p = g.node("MaxPool", [c], { kh: 2, kw: 2, sh: 2, sw: 2, dh: 1, dw: 1 });
  const f = g.node("Reshape", [p], { shape: [1, 128] }, { out: "flat" });
  const y = g.node("Gemm", [f, g.constant("wf", [10, 128], randn(1280, rand)), g.constant("bf", [10], randn(10, rand))], {}, { out: "y" });
  const graph = g.build(`cnn-${kind}`, [y], batchDynamic);
  graph.tensors.set("wc", { ...graph.tensors.get("wc")!, ...w });
  return graph;
}

let cached: Seed[] | undefined;

/** Every seed file; throws if the writer did not store a weight with the intended tag (the test checks all 7 tags occur). */
export function corpus(): Seed[] {
  if (cached) return cached;
  const seeds: Seed[] = [];
  for (const kind of KINDS) {
    for (const [arch, build] of [["mlp", mlp], ["cnn", cnn]] as const) {
      const dynamic = arch === "mlp" ? kind.length % 2 === 0 : kind.length % 2 === 1;
      const bytes = writeSlim(build(kind, dynamic));
      const file = verify(bytes);
      const tag = ENCODINGS.indexOf(TAG[kind]);
      const w = file.tensors.find((t) => t.name === (arch === "mlp" ? "w1" : "wc"))!;
      // the Conv weight is small: its sparse Huffman form loses to plain csr+codebook
      if (w.encoding !== tag && !(arch === "cnn" && kind === "huffman-sparse"))
        throw new Error(`corpus ${arch}/${kind}: weight stored with tag ${w.encoding}, wanted ${tag}`);
      seeds.push({ name: `${arch}/${kind}`, bytes, tag: w.encoding });
    }
  }
  cached = seeds;
  return seeds;
}

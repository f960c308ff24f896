// Binary weights end to end (docs/FORMAT.md §3.8, tag 6): the writer's encoding (±α rows, errors
// naming the tensor), write(read(f)) = f, every ✔ rule in both readers via crafted mutations, and
// the runtime's x1 paths (sign-select on real X, XNOR-popcount after BinarySign, Conv by patches,
// padded BNN Conv on sign-select) against two oracles: the f32 runtime on the same ±α weights
// stored dense, and onnxruntime-web on the exported ONNX. Binarized layers have odd K so a BNN
// pre-activation α·(K − 2d) is never 0 (at an exact 0, BinarySign's result would depend on the
// f32 summation order, which no oracle fixes).
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-web";
import { exportOnnx } from "../src/export/onnx.js";
import { readSlim } from "../src/format/reader.js";
import { writeSlim } from "../src/format/writer.js";
import type { Graph } from "../src/ir/graph.js";
import { binarize } from "../src/passes/binarize.js";
import { FormatError } from "../src/runtime/errors.js";
import { Model } from "../src/runtime/index.js";
import { ZooBuilder } from "../src/zoo/layers.js";
import { randomKit } from "./kernels-wasm.js";
import { fixCrcs, sectionOffset as section } from "./helpers/slim-bytes.js";

ort.env.wasm.numThreads = 1;
const { randn } = randomKit(606);

/** MLP 784-[h]-…-10 (odd widths), fused Relu; binarized (first and last real) in `mode`. */
async function mlp(mode: "xnor" | "binaryconnect" | "bnn", hidden = [301, 101, 33]): Promise<Graph> {
  const b = new ZooBuilder(5);
  let x = b.input("input", [1, 784]);
  hidden.forEach((h, i) => (x = b.dense(x, `fc${i + 1}`, h, true)));
  const g = b.build("mlp", [b.dense(x, "logits", 10, false)], true);
  for (const t of g.tensors.values()) if (t.name.endsWith(".bias")) t.data = randn(t.shape[0]).map((v) => 0.1 * v);
  return (await binarize(g, { mode })).graph;
}

/** Conv stack: real 3→8 (pad 1), binary 8→6 group 2 (no pad), binary 6→5 stride 2 pad 1, binary 1×1 5→7, Gemm. */
async function convNet(mode: "xnor" | "bnn"): Promise<Graph> {
  const b = new ZooBuilder(9);
  let x = b.input("input", [1, 3, 9, 9]);
  x = b.conv(x, "c1", 8, 3, { p: 1 });
  x = b.conv(x, "c2", 6, 3, { g: 2 });
  x = b.conv(x, "c3", 5, 3, { s: 2, p: 1 });
  x = b.conv(x, "c4", 7, 1, {});
  const g = b.build("convs", [b.dense(b.flatten(x, "flat"), "logits", 10, false)], true);
  for (const t of g.tensors.values()) if (t.name.endsWith(".bias")) t.data = randn(t.shape[0]).map((v) => 0.1 * v);
  return (await binarize(g, { mode, layers: ["c2", "c3", "c4"] })).graph;
}

/** The same graph with every weight stored dense f32 (the oracle). */
function dense(g: Graph): Graph {
  const d = structuredClone(g);
  for (const t of d.tensors.values()) delete t.encoding;
  return d;
}

const out = (m: Model, x: Float32Array) => Object.values(m.run({ [m.inputs[0].name]: x }))[0].data as Float32Array;

async function agree(g: Graph, label: string, perSample: number): Promise<void> {
  const bytes = writeSlim(g), ref = writeSlim(dense(g));
  const s = await ort.InferenceSession.create(exportOnnx(g)), shape = g.tensors.get(g.inputs[0])!.shape;
  for (const simd of [true, false]) {
    const a = await Model.load(bytes, { simd }), b = await Model.load(ref, { simd });
    for (const n of [1, 3]) {
      const x = randn(n * perSample), got = out(a, x), want = out(b, x);
      const onnx = (await s.run({ [g.inputs[0]]: new ort.Tensor("float32", x, [n, ...shape.slice(1)]) }))[g.outputs[0]].data as Float32Array;
      const scale = Math.max(...want.map(Math.abs));
      got.forEach((v, i) => {
        assert.ok(Math.abs(v - want[i]) <= 1e-5 * scale, `${label} ${simd ? "simd" : "scalar"} batch ${n} [${i}]: ${v} vs f32 runtime ${want[i]}`);
        assert.ok(Math.abs(v - onnx[i]) <= 1e-5 * scale, `${label} ${simd ? "simd" : "scalar"} batch ${n} [${i}]: ${v} vs onnxruntime ${onnx[i]}`);
      });
    }
  }
}

test("binarized MLP (sign-select on real activations) runs as its f32 twin and onnxruntime-web, batch 1 and 3", async () => {
  await agree(await mlp("xnor"), "xnor", 784);
  await agree(await mlp("binaryconnect"), "binaryconnect", 784);
});

test("BNN MLP (XNOR-popcount after BinarySign) runs as its f32 twin and onnxruntime-web", async () => {
  const g = await mlp("bnn");
  assert.deepEqual(g.nodes.map((n) => n.op), ["Gemm", "BinarySign", "Gemm", "BinarySign", "Gemm", "Gemm"]);
  await agree(g, "bnn", 784);
});

test("binary Conv (groups, stride, padding, 1×1), real and BNN inputs (padded BNN conv on sign-select), as f32 and ORT", async () => {
  await agree(await convNet("xnor"), "conv xnor", 243);
  const g = await convNet("bnn");
  assert.equal(g.nodes.filter((n) => n.op === "BinarySign").length, 3);
  await agree(g, "conv bnn", 243);
});

test("file: binary layers ≈ 1/32 of f32; write(read(f)) = f; ±α read back bit for bit; writer names a non-±α row", async () => {
  const g = await mlp("xnor", [1024, 1024]), bin = writeSlim(g), f32 = writeSlim(dense(g));
  const w = g.tensors.get("fc2.weight")!, n = w.data!.length;
  // fc2 (1024×1024) is the only binary layer: the file shrinks by its 4n f32 bytes − (α + n bits)
  const stored = 4 * 1024 + n / 8;
  assert.equal(f32.length - bin.length, 4 * n - stored);
  assert.ok((4 * n) / stored > 31 && (4 * n) / stored < 32, `fc2 stored ${((4 * n) / stored).toFixed(2)}× smaller`);
  const back = readSlim(bin);
  assert.equal(back.tensors.get("fc2.weight")!.encoding, "binary");
  assert.deepEqual(new Uint32Array(back.tensors.get("fc2.weight")!.data!.buffer), new Uint32Array(w.data!.buffer));
  assert.deepEqual(writeSlim(back), bin);
  const bad = structuredClone(g);
  bad.tensors.get("fc2.weight")!.data![1024 * 7 + 3] *= 1.5;
  assert.throws(() => writeSlim(bad), /tensor "fc2\.weight": binary row 7 holds .* at column 3, expected ±/);
});


test("binary checks (§3.8): both readers reject rank, param, byteLength, α (NaN, Inf, < 0, −0) and padding bits", async () => {
  const w = Float32Array.from({ length: 5 * 37 }, (_, i) => (Math.sin(i) < 0 ? -1 : 1) * (0.5 + Math.floor(i / 37)));
  const g: Graph = {
    name: "g", inputs: ["x"], outputs: ["y"], batchDynamic: false,
    tensors: new Map([["x", { name: "x", shape: [1, 37] }], ["w", { name: "w", shape: [5, 37], data: w, encoding: "binary" }],
      ["b", { name: "b", shape: [5], data: new Float32Array(5) }], ["y", { name: "y", shape: [1, 5] }]]),
    nodes: [{ op: "Gemm", name: "fc", inputs: ["x", "w", "b"], outputs: ["y"], attrs: { act: 0, actA: 0, actB: 0 } }],
  };
  const good = writeSlim(g), rec = section(good, "TENS") + 4 + 48, data = section(good, "WGTS") + new DataView(good.buffer).getUint32(rec + 32, true);
  assert.equal(good[rec + 7], 6);
  assert.equal(new DataView(good.buffer).getUint32(rec + 36, true), 4 * 5 + 4 * 5 * 2);
  const set32 = (b: Uint8Array, o: number, v: number) => new DataView(b.buffer).setUint32(o, v, true);
  const bits = (r: number, word: number) => data + 20 + 8 * r + 4 * word;
  const cases: [string, (b: Uint8Array) => void, RegExp][] = [
    ["rank", (b) => { b[rec + 6] = 1; set32(b, rec + 8, 185); set32(b, rec + 12, 0); }, /section "TENS" .*tensor 1 "w": binary needs rank ≥ 2, got 1/],
    ["param", (b) => set32(b, rec + 40, 1), /section "TENS" .*tensor 1 "w": param 0x1 is invalid for encoding 6/],
    ["byteLength", (b) => set32(b, rec + 36, 56), /section "TENS" .*tensor 1 "w": byteLength 56, expected 60 for binary/],
    ["alpha NaN", (b) => set32(b, data + 8, 0x7fc00000), /section "WGTS" .*tensor 1 "w": binary alpha\[2\] is not finite and ≥ 0/],
    ["alpha Inf", (b) => set32(b, data + 4, 0x7f800000), /section "WGTS" .*tensor 1 "w": binary alpha\[1\] is not finite and ≥ 0/],
    ["alpha < 0", (b) => set32(b, data + 16, 0xbf800000), /section "WGTS" .*tensor 1 "w": binary alpha\[4\] is not finite and ≥ 0/],
    ["alpha −0", (b) => set32(b, data, 0x80000000), /section "WGTS" .*tensor 1 "w": binary alpha\[0\] is not finite and ≥ 0/],
    ["padding", (b) => { b[bits(3, 1) + 3] |= 0x80; }, /section "WGTS" .*tensor 1 "w": padding bits of binary row 3's last word are not 0/],
    ["padding bit 5", (b) => { b[bits(0, 1)] |= 0x20; }, /section "WGTS" .*tensor 1 "w": padding bits of binary row 0's last word are not 0/],
  ];
  // the last real bit (column 36 = bit 4 of word 1) is data, not padding
  const edge = good.slice();
  edge[bits(0, 1)] ^= 0x10;
  assert.equal(readSlim(fixCrcs(edge)).tensors.get("w")!.data![36], -w[36]);
  for (const [label, edit, re] of cases) {
    const b = good.slice();
    edit(b);
    fixCrcs(b);
    assert.throws(() => readSlim(b), (e: unknown) => (e instanceof FormatError && re.test(e.message)) || assert.fail(`TS ${label}: ${(e as Error).message}`));
    for (const simd of [true, false]) {
      await assert.rejects(Model.load(b, { simd }), (e: Error) => re.test(e.message) || assert.fail(`runtime ${label}: ${e.message}`));
    }
  }
});

// Ops of the efficient architectures (issue 7.5) against onnxruntime-web: ChannelShuffle as the
// ONNX Reshape-Transpose-Reshape pattern (fused on import only when it matches exactly, near
// misses stay generic and still compute the same), grouped Conv with groups other than 1 and C
// on every kernel path, a SqueezeNet fire block, and the ShuffleNet zoo model exported to ONNX.
// Each model runs in the SIMD and the scalar runtime at batch 1 and 3: |ours − ort| ≤ 1e-4·|ort| + 1e-5.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as ort from "onnxruntime-web";
import { buildModel, i64, randn, rng, weight, type Dims } from "./helpers/onnx-cases.js";
import type { ModelSpec, NodeSpec } from "./helpers/onnx-builder.js";
import { importOnnx } from "../src/import/onnx.js";
import { exportOnnx } from "../src/export/onnx.js";
import { writeSlim } from "../src/format/writer.js";
import { Model } from "../src/runtime/model.js";
import { fold } from "../src/passes/fold.js";
import { shufflenet } from "../src/zoo/shufflenet.js";
import { squeezenet } from "../src/zoo/squeezenet.js";

ort.env.wasm.numThreads = 1;
const r = rng(707);
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
type Feeds = Record<string, { data: Float32Array; shape: number[] }>;

async function runOrt(bytes: Uint8Array, feeds: Feeds): Promise<Record<string, { data: Float32Array; shape: number[] }>> {
  const s = await ort.InferenceSession.create(bytes);
  const out = await s.run(Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, new ort.Tensor("float32", v.data, v.shape)])));
  return Object.fromEntries(s.outputNames.map((n) => [n, { data: out[n].data as Float32Array, shape: [...out[n].dims] }]));
}

/** Imports `bytes`, checks the IR op list, runs both runtime builds at each batch against ORT. */
async function check(what: string, bytes: Uint8Array, x: Dims, ops: string[] | undefined, batches = [1, 3]): Promise<void> {
  const g = importOnnx(bytes);
  if (ops) assert.deepEqual(g.nodes.map((n) => n.op), ops, `${what}: imported ops`);
  assert.equal(g.batchDynamic, true, `${what}: batchDynamic`);
  const slim = writeSlim(g);
  for (const simd of [true, false]) {
    const model = await Model.load(slim, { simd });
    for (const batch of batches) {
      const shape = x.map((d) => (typeof d === "string" ? batch : d));
      const feeds = { [g.inputs[0]]: { data: randn(r, numel(shape)), shape } }, want = await runOrt(bytes, feeds);
      const got = model.run(feeds);
      for (const [name, w] of Object.entries(want)) {
        assert.deepEqual([...got[name].shape], w.shape, `${what}: ${name} shape`);
        w.data.forEach((v, i) => {
          const o = got[name].data[i];
          if (!(Math.abs(o - v) <= 1e-5 + 1e-4 * Math.abs(v))) assert.fail(`${what} [${simd ? "simd" : "scalar"}, batch ${batch}] ${name}[${i}]: ${o}, onnxruntime-web ${v}`);
        });
      }
    }
  }
}

/** Reshape [N,g,C/g,H,W] → Transpose perm → Reshape `back`, as PyTorch exports channel_shuffle. */
function shuffleSpec(c: number, h: number, w: number, g: number, o: { perm?: number[]; view?: number[]; back?: number[]; leak?: boolean } = {}): ModelSpec {
  const view = o.view ?? [-1, g, c / g, h, w], perm = o.perm ?? [0, 2, 1, 3, 4], back = o.back ?? [-1, c, h, w];
  return {
    opset: 13, inputs: [{ name: "x", shape: ["N", c, h, w] }], outputs: ["y", ...(o.leak ? ["v"] : [])],
    initializers: [i64("view", view), i64("back", back)],
    nodes: [
      { op: "Reshape", inputs: ["x", "view"], outputs: ["v"] },
      { op: "Transpose", inputs: ["v"], outputs: ["t"], attrs: { perm } },
      { op: "Reshape", inputs: ["t", "back"], outputs: ["y"] },
    ],
  };
}

test("ChannelShuffle: the exact ONNX pattern imports as one op and matches onnxruntime-web", async () => {
  for (const [c, g, h, w] of [[8, 2, 5, 7], [12, 3, 4, 4], [12, 4, 3, 5], [6, 6, 2, 3], [16, 4, 1, 1]]) {
    const bytes = buildModel(shuffleSpec(c, h, w, g)), ir = importOnnx(bytes);
    assert.equal(ir.nodes[0].attrs.groups, g);
    await check(`shuffle C=${c} g=${g} ${h}×${w}`, bytes, ["N", c, h, w], ["ChannelShuffle"]);
  }
});

test("ChannelShuffle: near misses of the pattern stay generic ops (and still compute the same)", async () => {
  const generic = ["Reshape", "Transpose", "Reshape"];
  await check("perm [0,2,1,4,3]", buildModel(shuffleSpec(8, 3, 5, 2, { perm: [0, 2, 1, 4, 3] })), ["N", 8, 3, 5], generic);
  await check("back to [N,C,H·W]", buildModel(shuffleSpec(8, 3, 5, 2, { back: [-1, 8, 15] })), ["N", 8, 3, 5], generic);
  await check("back to [N,C/g,g·H,W]", buildModel(shuffleSpec(8, 3, 5, 2, { back: [-1, 4, 6, 5] })), ["N", 8, 3, 5], generic);
  await check("rank-4 view [N,g,C/g,H·W]", buildModel(shuffleSpec(8, 3, 5, 2, { view: [-1, 2, 4, 15], perm: [0, 2, 1, 3] })), ["N", 8, 3, 5], generic);
  await check("view also a graph output", buildModel(shuffleSpec(8, 3, 5, 2, { leak: true })), ["N", 8, 3, 5], generic);
});

test("ChannelShuffle: ONNX export writes the pattern back; re-import fuses it again", async () => {
  const g = importOnnx(buildModel(shuffleSpec(12, 3, 4, 3)));
  const bytes = exportOnnx(g);
  const back = importOnnx(bytes);
  assert.deepEqual(back.nodes.map((n) => [n.op, n.attrs.groups]), [["ChannelShuffle", 3]]);
  await check("exported shuffle", bytes, ["N", 12, 3, 4], ["ChannelShuffle"]);
});

test("grouped Conv, C = 8, F = 12, groups 2 and 4: every kernel path matches onnxruntime-web", async () => {
  for (const group of [1, 2, 4]) {
    for (const [k, s, p] of [[1, 1, 0], [1, 2, 0], [3, 1, 1], [3, 2, 1], [5, 1, 0]]) {
      const spec: ModelSpec = {
        opset: 13, inputs: [{ name: "x", shape: ["N", 8, 9, 7] }], outputs: ["y"],
        initializers: [weight(r, "w", [12, 8 / group, k, k]), weight(r, "b", [12])],
        nodes: [{ op: "Conv", inputs: ["x", "w", "b"], outputs: ["y"], attrs: { group, kernel_shape: [k, k], strides: [s, s], pads: [p, p, p, p] } }],
      };
      await check(`Conv g=${group} ${k}×${k} s${s} p${p}`, buildModel(spec), ["N", 8, 9, 7], ["Conv"]);
    }
  }
});

test("fire block: squeeze 1×1 → expand 1×1 ‖ expand 3×3 → Concat on channels matches onnxruntime-web", async () => {
  const nodes: NodeSpec[] = [
    { op: "Conv", inputs: ["x", "sw", "sb"], outputs: ["s0"], attrs: { kernel_shape: [1, 1] } },
    { op: "Relu", inputs: ["s0"], outputs: ["s"] },
    { op: "Conv", inputs: ["s", "e1w", "e1b"], outputs: ["e10"], attrs: { kernel_shape: [1, 1] } },
    { op: "Relu", inputs: ["e10"], outputs: ["e1"] },
    { op: "Conv", inputs: ["s", "e3w", "e3b"], outputs: ["e30"], attrs: { kernel_shape: [3, 3], pads: [1, 1, 1, 1] } },
    { op: "Relu", inputs: ["e30"], outputs: ["e3"] },
    { op: "Concat", inputs: ["e1", "e3"], outputs: ["y"], attrs: { axis: 1 } },
  ];
  const spec: ModelSpec = {
    opset: 13, inputs: [{ name: "x", shape: ["N", 16, 9, 9] }], outputs: ["y"], nodes,
    initializers: [weight(r, "sw", [6, 16, 1, 1]), weight(r, "sb", [6]), weight(r, "e1w", [12, 6, 1, 1]), weight(r, "e1b", [12]),
      weight(r, "e3w", [12, 6, 3, 3]), weight(r, "e3b", [12])],
  };
  await check("fire block", buildModel(spec), ["N", 16, 9, 9], ["Conv", "Conv", "Conv", "Concat"]);
});

test("zoo shufflenet and squeezenet: exported ONNX in onnxruntime-web = the deployed model in the runtime", async () => {
  for (const build of [shufflenet, squeezenet]) {
    const g = build(5);
    fold(g);
    const bytes = exportOnnx(g);
    const ops = importOnnx(bytes).nodes.map((n) => n.op);
    assert.equal(ops.filter((o) => o === "ChannelShuffle").length, build === shufflenet ? 4 : 0);
    await check(g.name, bytes, ["N", 1, 28, 28], g.nodes.map((n) => n.op), [1, 2]);
    await ort.InferenceSession.create(exportOnnx(importOnnx(bytes))); // re-export: node names stay unique
  }
});

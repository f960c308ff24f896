// The three fp32 zoo models, each exported once per format from the same IR weights, and the
// seeded inputs every runtime receives.
import { exportOnnx } from "../src/export/onnx.js";
import { writeSlim } from "../src/format/writer.js";
import { numel, type Graph } from "../src/ir/graph.js";
import { lenet300, lenet5, mobilenet } from "../src/zoo/index.js";
import type { BenchModel } from "./peers/peer.js";

/** slimnet's goals from DESIGN.md "Numbers to beat" (dense fp32, one thread, median). */
export interface Goals {
  loadMs?: number;
  batch1Ms?: number;
  perSecond?: number;
}

const ZOO: Record<string, { label: string; build: () => Graph; goals: Goals }> = {
  mlp: { label: "MLP 784-300-100-10, LeNet-300-100 (0.27 M MACs)", build: () => lenet300(), goals: { loadMs: 5, batch1Ms: 0.045, perSecond: 40_000 } },
  lenet5: { label: "LeNet-5 (Caffe / Deep Compression), 1×28×28: conv5×5·20, conv5×5·50, fc 500-10 (2.31 M MACs)", build: () => lenet5(), goals: { loadMs: 5, batch1Ms: 0.085 } },
  mobilenet: { label: "MobileNet-like, 3×32×32: stem + 6 depthwise-separable blocks (18.7 M MACs)", build: () => mobilenet(), goals: { loadMs: 5, batch1Ms: 2.5 } },
};

export const MODEL_KEYS = Object.keys(ZOO);
export const modelLabel = (key: string): string => ZOO[key]?.label ?? key;
export const modelGoals = (key: string): Goals => ZOO[key]?.goals ?? {};
/** The batch of the throughput measurement. */
export const BATCH = 64;
/** Runtime download goal: JS + wasm, gzip. */
export const DOWNLOAD_GOAL_BYTES = 20 * 1024;

export function prepareModel(key: string): BenchModel {
  const entry = ZOO[key];
  if (!entry) throw new Error(`unknown bench model "${key}" (${MODEL_KEYS.join(", ")})`);
  const graph = entry.build();
  if (!graph.batchDynamic) throw new Error(`zoo model "${key}" is not batch-dynamic: batch ${BATCH} cannot run`);
  const [input] = graph.inputs;
  const [output] = graph.outputs;
  return {
    key,
    graph,
    onnx: exportOnnx(graph),
    slim: writeSlim(graph),
    input,
    output,
    inputShape: [...graph.tensors.get(input)!.shape],
  };
}

/** `batch` samples of uniform [0, 1) pixels from a fixed seed (mulberry32): identical everywhere. */
export function benchInput(model: BenchModel, batch: number): Float32Array {
  const n = batch * numel(model.inputShape);
  const out = new Float32Array(n);
  let s = 0x5eed;
  for (let i = 0; i < n; i++) {
    s = (s + 0x6d2b79f5) | 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    out[i] = ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  return out;
}

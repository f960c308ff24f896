// The bench models, each exported once per format from the same IR weights, and the seeded
// inputs every runtime receives: the three fp32 zoo models, and compressed variants of the
// trained LeNets of data/models (slimnet runs the compressed .slim; the peers run the same weights
// as a dense ONNX file, zeros included, which is what they would be given).
import { readFileSync } from "node:fs";
import { exportOnnx } from "../src/export/onnx.js";
import { writeSlim } from "../src/format/writer.js";
import { importOnnx } from "../src/import/onnx.js";
import { numel, type Graph } from "../src/ir/graph.js";
import { clusterWeights } from "../src/passes/cluster.js";
import { applyMasks, magnitudeMasks } from "../src/passes/prune.js";
import { pruneNeurons } from "../src/passes/prune-neurons.js";
import { lenet300, lenet5, mobilenet, shufflenet, squeezenet } from "../src/zoo/index.js";
import { ZooBuilder } from "../src/zoo/layers.js";
import { binarize } from "../src/passes/binarize.js";
import { fold } from "../src/passes/fold.js";
import { quantize } from "../src/passes/quantize.js";
import { fromImageSet, head } from "../src/data/batches.js";
import { loadImageSet } from "../src/data/mnist.js";
import { ROOT } from "./bundle.js";
import type { BenchModel } from "./peers/peer.js";

/** slimnet's goals: DESIGN.md "Numbers to beat" (dense fp32, one thread, median) and the issues' speed-ups. */
export interface Goals {
  loadMs?: number;
  batch1Ms?: number;
  perSecond?: number;
  /** Batch-1 speed-up over onnxruntime-web running the same weights dense. */
  vsOrt?: number;
  /** Batch-1 speed-up over the dense parent model in slimnet. */
  vsParent?: number;
}

interface ZooEntry {
  label: string;
  build: () => Graph | Promise<Graph>;
  goals: Goals;
  /** Key of the dense model this one was compressed from. */
  parent?: string;
  load?: BenchModel["load"];
}

const trained = (name: string): Graph => importOnnx(readFileSync(`${ROOT}data/models/${name}.onnx`));

/** Every prunable layer at 90% zeros by magnitude, one shot (latency does not need fine-tuning). */
function sparse90(g: Graph): Graph {
  applyMasks(g, magnitudeMasks(g, { sparsity: 0.9 }));
  return g;
}

/** Half the neurons / filters of every hidden layer removed by L1 norm. */
const neurons50 = async (g: Graph): Promise<Graph> => (await pruneNeurons(g, { keep: 0.5, criterion: "l1" })).graph;

/** sparse90, then 5-bit k-means codebooks per layer (no fine-tuning: latency only). */
function codebook5(g: Graph): Graph {
  clusterWeights(sparse90(g), { bits: 5 });
  return g;
}

/** One Gemm 4096 → 4096 (issue 7(c)); binary: XNOR-Net ±α rows, bnn: and a BinarySign on its input. */
async function dense4096(mode?: "xnor" | "bnn"): Promise<Graph> {
  const b = new ZooBuilder(1), g = b.build("dense4096", [b.dense(b.input("input", [1, 4096]), "fc", 4096, false)], true);
  return mode ? (await binarize(g, { mode, keepFirstLast: false })).graph : g;
}

/** Static int8 (docs/FORMAT.md §3.7), inputs calibrated on the first 100 MNIST training images. */
const int8 = async (g: Graph): Promise<Graph> => (await quantize(g, { data: head(fromImageSet(loadImageSet("mnist", "train")), 100) })).graph;

/**
 * The peers' copy of an int8 graph: its weights (q·scale exactly) as plain f32 and f32 inputs, as
 * for the other compressed models (ORT would otherwise get QDQ nodes the tfjs translation lacks).
 */
function denseF32(g: Graph): Graph {
  if (![...g.tensors.values()].some((t) => t.encoding === "int8")) return g;
  const tensors = new Map([...g.tensors].map(([k, t]) => {
    if (t.encoding !== "int8") return [k, t];
    const { encoding: _e, scales: _s, inputQuant: _q, ...plain } = t;
    return [k, plain];
  }));
  return { ...g, tensors };
}

const ZOO: Record<string, ZooEntry> = {
  mlp: { label: "MLP 784-300-100-10, LeNet-300-100 (0.27 M MACs)", build: () => lenet300(), goals: { loadMs: 5, batch1Ms: 0.045, perSecond: 40_000 } },
  lenet5: { label: "LeNet-5 (Caffe / Deep Compression), 1×28×28: conv5×5·20, conv5×5·50, fc 500-10 (2.31 M MACs)", build: () => lenet5(), goals: { loadMs: 5, batch1Ms: 0.085 } },
  mobilenet: { label: "MobileNet-like, 3×32×32: stem + 6 depthwise-separable blocks (18.7 M MACs)", build: () => mobilenet(), goals: { loadMs: 5, batch1Ms: 2.5 } },
  shufflenet: { label: "ShuffleNet-like, 1×28×28: stem + 4 units (1×1 group conv g=4, shuffle, dw 3×3) (0.50 M MACs)", build: () => { const g = shufflenet(); fold(g); return g; }, goals: {} },
  squeezenet: { label: "SqueezeNet-like, 1×28×28: stem + 3 fire modules, 1×1 classifier (2.63 M MACs)", build: () => squeezenet(), goals: {} },
  "mlp-sparse90": { label: "LeNet-300-100 (trained), 90% of weights pruned: CSR in slimnet, dense for the peers", build: () => sparse90(trained("lenet300")), goals: { vsOrt: 3 }, parent: "mlp" },
  "lenet5-sparse90": { label: "LeNet-5 (trained), 90% of weights pruned: CSR in slimnet, dense for the peers", build: () => sparse90(trained("lenet5")), goals: { vsOrt: 3 }, parent: "lenet5" },
  "mlp-neurons50": { label: "LeNet-300-100 (trained), half the hidden neurons removed (784-150-50-10)", build: () => neurons50(trained("lenet300")), goals: { vsParent: 1.8 }, parent: "mlp" },
  "lenet5-neurons50": { label: "LeNet-5 (trained), half the filters and hidden neurons removed (10-25-250-10)", build: () => neurons50(trained("lenet5")), goals: { vsParent: 1.8 }, parent: "lenet5" },
  dense4096: { label: "one dense layer 4096×4096, f32 (16.8 M MACs)", build: () => dense4096(), goals: {} },
  "dense4096-binary": { label: "the 4096×4096 layer binary (±α rows; 1-bit sign-select in slimnet, dense for the peers)", build: () => dense4096("xnor"), goals: {}, parent: "dense4096" },
  "dense4096-bnn": { label: "the binary 4096×4096 layer after BinarySign (XNOR-popcount in slimnet, dense for the peers)", build: () => dense4096("bnn"), goals: { vsParent: 10 }, parent: "dense4096" },
  "mlp-codebook": {
    label: "LeNet-300-100 (trained), 90% pruned + 5-bit codebooks, kept as u8 indices (x8-lut kernels; expand: \"never\")",
    build: () => codebook5(trained("lenet300")), goals: {}, parent: "mlp", load: { expand: "never" },
  },
  "lenet5-codebook": {
    label: "LeNet-5 (trained), 90% pruned + 5-bit codebooks, kept as u8 indices (x8-lut kernels; expand: \"never\")",
    build: () => codebook5(trained("lenet5")), goals: {}, parent: "lenet5", load: { expand: "never" },
  },
  "mlp-int8": { label: "LeNet-300-100 (trained), int8 weights and inputs (static, 100 calibration images)", build: () => int8(trained("lenet300")), goals: { vsParent: 1.5 }, parent: "mlp" },
  "lenet5-int8": { label: "LeNet-5 (trained), int8 weights and inputs (static, 100 calibration images)", build: () => int8(trained("lenet5")), goals: { vsParent: 1.5 }, parent: "lenet5" },
};

export const MODEL_KEYS = Object.keys(ZOO);
export const modelLabel = (key: string): string => ZOO[key]?.label ?? key;
export const modelGoals = (key: string): Goals => ZOO[key]?.goals ?? {};
export const modelParent = (key: string): string | undefined => ZOO[key]?.parent;
/** The batch of the throughput measurement. */
export const BATCH = 64;
/** Runtime download goal: JS + wasm, gzip. */
export const DOWNLOAD_GOAL_BYTES = 20 * 1024;

export async function prepareModel(key: string): Promise<BenchModel> {
  const entry = ZOO[key];
  if (!entry) throw new Error(`unknown bench model "${key}" (${MODEL_KEYS.join(", ")})`);
  const graph = await entry.build();
  if (!graph.batchDynamic) throw new Error(`zoo model "${key}" is not batch-dynamic: batch ${BATCH} cannot run`);
  const [input] = graph.inputs;
  const [output] = graph.outputs;
  return {
    key,
    graph,
    onnx: exportOnnx(denseF32(graph)),
    slim: writeSlim(graph),
    input,
    output,
    inputShape: [...graph.tensors.get(input)!.shape],
    load: entry.load,
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

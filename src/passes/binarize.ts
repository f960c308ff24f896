// Binary weights, trained through the Trainer's sign hook (src/train/hooks.ts):
//   binaryconnect  Courbariaux et al. 2015: the optimizer updates real-valued shadow weights
//                  clipped to [−1, 1]; the forward pass uses sign(shadow) (deterministic, +1 at 0);
//                  the gradient passes straight through.
//   xnor           Rastegari et al. 2016 (XNOR-Net's binary-weight networks): sign(shadow) × α per
//                  output channel, α = mean |shadow| of the row.
//   bnn            Hubara et al. 2016: xnor weights and binary activations: the input of every
//                  binarized layer goes through BinarySign (±1, hard-tanh straight-through
//                  gradient), so the runtime can use the XNOR + popcount GEMM.
// By default the first and the last layer stay real-valued, as all three papers keep them: the
// first sees raw pixels (binarizing it, or its input, loses most of the image) and the last
// layer's logits need resolution to rank ten classes; they hold few of the weights anyway.
// Binarized weights are tagged "binary" (1-bit signs + one scale per row); their data holds the
// deployed ±α values, so a graph trains, evaluates and exports to ONNX as it is.
import { split, type Labeled } from "../data/batches.js";
import type { Graph, Node } from "../ir/graph.js";
import { ACT_CODE } from "../ir/ops.js";
import { InputError } from "../runtime/errors.js";
import type { Hook } from "../train/hooks.js";
import { fit, type EpochStats } from "../train/loop.js";
import type { OptimizerConfig } from "../train/optim.js";
import type { ScheduleConfig } from "../train/schedule.js";
import { Trainer } from "../train/trainer.js";
import { checkLayerNames, prunableLayers, type PrunableLayer } from "./prune.js";

export const BINARIZE_MODES = ["binaryconnect", "xnor", "bnn"] as const;
export type BinarizeMode = (typeof BINARIZE_MODES)[number];

/** Gemm and Conv weights (MatMul's B has its output channels on dim 1: not binarized). */
export const binarizableLayers = (g: Graph): PrunableLayer[] => prunableLayers(g).filter((l) => l.op !== "MatMul");

/** Names of the layers `binarize` makes binary: all, or all but the first and the last. */
export function defaultBinaryLayers(g: Graph, keepFirstLast = true): string[] {
  const names = binarizableLayers(g).map((l) => l.name);
  return keepFirstLast ? names.slice(1, -1) : names;
}

/** The sign hook of each binarized layer's weight (per-row scale for xnor and bnn). */
export function binarizeHooks(g: Graph, layers: readonly string[], mode: BinarizeMode): Record<string, Hook> {
  const byName = new Map(binarizableLayers(g).map((l) => [l.name, l]));
  return Object.fromEntries(layers.map((n) => [byName.get(n)!.weight, { kind: "sign", scalePerRow: mode !== "binaryconnect" } as Hook]));
}

/**
 * BNN activations (in place): each binarized layer reads BinarySign of its input. A standalone
 * activation node feeding only binarized layers becomes the BinarySign (sign of a ReLU output would
 * be +1 everywhere: the sign replaces the activation, as in Hubara et al.); a fused `act` of the
 * producing Gemm/Conv is dropped the same way; otherwise a BinarySign node is inserted.
 */
export function insertBinarySign(g: Graph, layers: readonly string[]): void {
  const binarized = new Set(layers);
  const consumers = (t: string): Node[] => g.nodes.filter((n) => n.inputs.includes(t));
  const onlyBinarized = (t: string): boolean => !g.outputs.includes(t) && consumers(t).every((c) => binarized.has(c.name) && c.inputs.indexOf(t) === 0);
  for (const name of layers) {
    const node = g.nodes.find((n) => n.name === name)!, x = node.inputs[0];
    const producer = g.nodes.find((n) => n.outputs.includes(x));
    if (producer?.op === "BinarySign") continue;
    if (producer && onlyBinarized(x) && ["Relu", "LeakyRelu", "Clip", "Tanh", "HardSigmoid", "HardSwish", "Sigmoid"].includes(producer.op)) {
      producer.op = "BinarySign";
      producer.attrs = {};
      continue;
    }
    if (producer && onlyBinarized(x) && (producer.op === "Gemm" || producer.op === "Conv")) producer.attrs = { ...producer.attrs, act: ACT_CODE.none, actA: 0, actB: 0 };
    const out = `${name}.sign_in`;
    g.tensors.set(out, { name: out, shape: [...g.tensors.get(x)!.shape] });
    for (const c of consumers(x).filter((c) => binarized.has(c.name) && c.inputs[0] === x)) c.inputs[0] = out;
    g.nodes.splice(g.nodes.indexOf(node), 0, { op: "BinarySign", name: `${name}_sign`, inputs: [x], outputs: [out], attrs: {} });
  }
}

export interface BinarizeOptions {
  mode?: BinarizeMode;
  /** Layer names to binarize (default: every Gemm/Conv but the first and the last). */
  layers?: string[];
  /** Keep the first and last layer real-valued when `layers` is not given; default true. */
  keepFirstLast?: boolean;
  /** Training samples; without them the weights are binarized once (no training) and the pass stops. */
  data?: Labeled;
  /** Validation samples (default: a seeded 10% split of `data`). */
  val?: Labeled;
  /** Default 10. */
  epochs?: number;
  /** Default 100 (BinaryConnect's MNIST batch). */
  batch?: number;
  /** Default Adam, lr 0.003 (BinaryConnect's start rate). */
  optimizer?: OptimizerConfig;
  /** Default: ×0.1 of the start rate over the run (BinaryConnect's exponential decay, in steps). */
  schedule?: ScheduleConfig;
  /**
   * Learning-rate multiplier of the binarized weights: "glorot" is BinaryConnect's per-layer
   * W_LR_scale, 1 / sqrt(1.5 / (fanIn + fanOut)) (the shadows live in [−1, 1], far wider than
   * their Glorot init, so they need the larger steps to flip); default 1.
   */
  lrScale?: "glorot" | number;
  /** Augments each training batch in place (see FitOptions.augment, e.g. data/augment.ts jitter). */
  augment?: (x: Float32Array, n: number, seed: number) => void;
  seed?: number;
  progress?: boolean;
  onEpoch?: (e: EpochStats) => void;
}

export interface BinarizeLayerStats extends PrunableLayer {
  params: number;
  binary: boolean;
  /** Mean of the per-row scales |w| of a binarized layer. */
  alpha?: number;
  /** Stored bits per weight: 32 for real layers; 1 + 32 / row length (sign bits + an f32 scale per row). */
  bitsPerWeight: number;
}

export interface BinarizeResult {
  graph: Graph;
  mode: BinarizeMode;
  layers: BinarizeLayerStats[];
  history: EpochStats[];
  valAccuracy?: number;
}

/** BinaryConnect's W_LR_scale of a [out, in, ...kernel] weight: 1 / sqrt(1.5 / (fanIn + fanOut)). */
export function glorotLrScale(shape: readonly number[]): number {
  const n = shape.reduce((a, b) => a * b, 1), k = shape.length > 2 ? n / (shape[0] * shape[1]) : 1;
  return 1 / Math.sqrt(1.5 / (n / shape[0] + shape[0] * k));
}

/** Deployed ±α weights without training: sign per element × (α per row, or 1 for binaryconnect). */
function signOnce(d: Float32Array, rows: number, perRow: boolean): Float32Array {
  const per = d.length / rows, out = new Float32Array(d.length);
  for (let r = 0; r < rows; r++) {
    const row = d.subarray(r * per, (r + 1) * per);
    const a = perRow ? row.reduce((s, v) => s + Math.min(1, Math.abs(v)), 0) / per : 1;
    row.forEach((v, i) => (out[r * per + i] = v >= 0 ? a : -a));
  }
  return out;
}

/** Binarizes a copy of `input`, training it binarized when `data` is given. */
export async function binarize(input: Graph, o: BinarizeOptions = {}): Promise<BinarizeResult> {
  const mode = o.mode ?? "binaryconnect", seed = o.seed ?? 1, epochs = o.epochs ?? 10;
  if (!BINARIZE_MODES.includes(mode)) throw new InputError(`mode must be one of ${BINARIZE_MODES.join(", ")}, got ${JSON.stringify(mode)}`);
  if (!Number.isInteger(epochs) || epochs < 1) throw new InputError(`epochs must be a positive integer, got ${epochs}`);
  const all = binarizableLayers(input);
  if (o.layers) checkLayerNames(o.layers, all.map((l) => l.name), "layers");
  const layers = o.layers ?? defaultBinaryLayers(input, o.keepFirstLast ?? true);
  if (!layers.length) throw new InputError(`${input.name}: no layer to binarize (${all.length} Gemm/Conv layers; first and last are kept real-valued unless keepFirstLast is false)`);
  let g = structuredClone(input);
  if (mode === "bnn") insertBinarySign(g, layers);
  const hooks = binarizeHooks(g, layers, mode);
  let history: EpochStats[] = [], valAccuracy: number | undefined;
  if (o.data) {
    const sets = o.val ? { train: o.data, val: o.val } : split(o.data, 0.1, seed);
    const s = o.lrScale ?? 1;
    if (s !== "glorot" && !(typeof s === "number" && s > 0 && Number.isFinite(s))) throw new InputError(`lrScale must be "glorot" or a number > 0, got ${JSON.stringify(s)}`);
    const lrScale = Object.fromEntries(Object.keys(hooks).map((w) => [w, s === "glorot" ? glorotLrScale(g.tensors.get(w)!.shape) : s]));
    const t = await Trainer.create(g, { batch: o.batch ?? 100, hooks, lrScale, optimizer: o.optimizer ?? { kind: "adam", lr: 0.003 } });
    history = fit(t, sets.train, {
      epochs, seed, val: sets.val, progress: o.progress, onEpoch: o.onEpoch, augment: o.augment,
      schedule: o.schedule ?? { kind: "step", every: 1, gamma: 0.1 ** (1 / epochs) },
    });
    g = t.toGraph();
    valAccuracy = history[history.length - 1].valAccuracy;
  } else {
    for (const w of Object.keys(hooks)) {
      const t = g.tensors.get(w)!;
      t.data = signOnce(t.data!, t.shape[0], mode !== "binaryconnect");
    }
  }
  for (const w of Object.keys(hooks)) g.tensors.get(w)!.encoding = "binary";
  return {
    graph: g, mode, history, valAccuracy,
    layers: all.map((l) => {
      const t = g.tensors.get(l.weight)!, d = t.data!, rows = t.shape[0], per = d.length / rows, binary = layers.includes(l.name);
      let alpha: number | undefined;
      if (binary) alpha = Array.from({ length: rows }, (_, r) => Math.abs(d[r * per])).reduce((a, b) => a + b, 0) / rows;
      return { ...l, params: d.length, binary, alpha, bitsPerWeight: binary ? 1 + 32 / per : 32 };
    }),
  };
}

// Weight pruning by magnitude (Han et al. 2015): the weight (input 1) of every Gemm, Conv and
// MatMul with a constant B is a layer, named by its node; biases are never pruned. Pruned weights
// stay in the dense data as exact zeros and the tensor is tagged "csr" (the writer stores it
// sparse; the Trainer keeps its zeros zero while fine-tuning).
//
// Importance of one weight: |w|. Within a layer L1 and L2 rank the same; they differ for the
// global threshold, where a weight's score is |w| / mean|w| (l1) or |w| / RMS(w) (l2) over the
// surviving (non-zero) weights of its layer, so layers of different scale compete fairly.
// Ties keep the lower index. A layer of n weights at sparsity s loses exactly round(s·n).
//
// Pruning too much at once does not recover, so `prune` raises the sparsity over steps (constant
// increments, or TF-MOT's polynomial decay s_t = s_f + (s_i − s_f)(1 − t/T)^p with s_i = 0) and
// fine-tunes between them; it stops early rather than cross an accuracy floor. For lottery-ticket
// experiments (Frankle & Carbin 2019; Liu et al. 2019) `resetSurvivors` rewinds or re-initialises
// the surviving weights, `magnitudeMasks({ ofRemaining })` prunes p% of what is left per round,
// and `retrain` trains with the masks fixed.
import { split, type Labeled } from "../data/batches.js";
import type { Graph } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import { InputError } from "../runtime/errors.js";
import { fit, type EpochStats, type FitOptions } from "../train/loop.js";
import type { OptimizerConfig } from "../train/optim.js";
import { Trainer } from "../train/trainer.js";
import { heUniform, rng } from "../zoo/init.js";

export type Importance = "l1" | "l2";

export type PruneSchedule =
  | { kind: "oneshot" }
  | { kind: "constant"; steps: number }
  | { kind: "polynomial"; steps: number; power?: number };

export interface PrunableLayer {
  /** Node name (zoo: fc1, conv1, …; ONNX: the node's name). */
  name: string;
  op: string;
  /** Name of the weight tensor. */
  weight: string;
}

/** Gemm and Conv weights, and MatMul's B when it is a constant, in execution order. */
export function prunableLayers(g: Graph): PrunableLayer[] {
  return g.nodes
    .filter((n) => (n.op === "Gemm" || n.op === "Conv" || n.op === "MatMul") && g.tensors.get(n.inputs[1])?.data)
    .map((n) => ({ name: n.name, op: n.op, weight: n.inputs[1] }));
}

const zeros = (d: Float32Array): number => d.reduce((z, v) => z + (v === 0 ? 1 : 0), 0);

function checkRate(v: number, what: string): void {
  if (!(v >= 0 && v <= 1)) throw new InputError(`${what} must be a fraction in [0, 1], got ${v}`);
}

/** Checks that every key of `perLayer` names a layer; the message lists the valid names. */
export function checkLayerNames(names: Iterable<string>, valid: readonly string[], what: string): void {
  for (const n of names)
    if (!valid.includes(n)) throw new InputError(`${what}: no layer "${n}"; layers: ${valid.join(", ")}`);
}

export interface MaskOptions {
  /** Fraction to prune in each layer not in `perLayer` (scope "layer") or over all of them (scope "global"). */
  sparsity: number;
  /** Fraction per layer name, overriding `sparsity` for that layer. */
  perLayer?: Record<string, number>;
  /** "layer" (default): each layer at its rate; "global": one threshold over the normalised scores. */
  scope?: "layer" | "global";
  importance?: Importance;
  /** Rates are fractions of the surviving weights (Frankle & Carbin's p% per round), not of all weights. */
  ofRemaining?: boolean;
}

function checkMaskOptions(g: Graph, o: MaskOptions): void {
  checkRate(o.sparsity, "sparsity");
  checkLayerNames(Object.keys(o.perLayer ?? {}), prunableLayers(g).map((l) => l.name), "perLayer");
  for (const [k, v] of Object.entries(o.perLayer ?? {})) checkRate(v, `sparsity of layer "${k}"`);
  if (o.importance !== undefined && o.importance !== "l1" && o.importance !== "l2")
    throw new InputError(`importance must be "l1" or "l2", got ${JSON.stringify(o.importance)}`);
  if (o.scope !== undefined && o.scope !== "layer" && o.scope !== "global") throw new InputError(`scope must be "layer" or "global", got ${JSON.stringify(o.scope)}`);
}

/** Keep-masks (1 = keep) by layer name for the graph's current weights. */
export function magnitudeMasks(g: Graph, o: MaskOptions): Map<string, Uint8Array> {
  checkMaskOptions(g, o);
  const layers = prunableLayers(g), per = o.perLayer ?? {}, importance = o.importance ?? "l1";
  const count = (d: Float32Array, rate: number): number => {
    const z = zeros(d);
    return o.ofRemaining ? z + Math.round(rate * (d.length - z)) : Math.round(rate * d.length);
  };
  const masks = new Map<string, Uint8Array>();
  const global = o.scope === "global" ? layers.filter((l) => per[l.name] === undefined) : [];
  for (const l of layers) {
    if (global.includes(l)) continue;
    const d = g.tensors.get(l.weight)!.data!;
    masks.set(l.name, pruneLowest(Float64Array.from(d, Math.abs), count(d, per[l.name] ?? o.sparsity)));
  }
  if (global.length) {
    const data = global.map((l) => g.tensors.get(l.weight)!.data!);
    const scores = new Float64Array(data.reduce((s, d) => s + d.length, 0));
    let at = 0, alive = 0;
    for (const d of data) {
      const scale = layerScale(d, importance);
      for (let i = 0; i < d.length; i++) scores[at + i] = Math.abs(d[i]) / scale;
      at += d.length;
      alive += d.length - zeros(d);
    }
    const z = scores.length - alive;
    const keep = pruneLowest(scores, o.ofRemaining ? z + Math.round(o.sparsity * alive) : Math.round(o.sparsity * scores.length));
    at = 0;
    global.forEach((l, k) => {
      masks.set(l.name, keep.slice(at, at + data[k].length));
      at += data[k].length;
    });
  }
  return masks;
}

/** mean|w| (l1) or RMS (l2) of the non-zero weights; 1 when none survive. */
function layerScale(d: Float32Array, importance: Importance): number {
  let s = 0, n = 0;
  for (const v of d) if (v !== 0) { s += importance === "l1" ? Math.abs(v) : v * v; n++; }
  if (!n || !s) return 1;
  return importance === "l1" ? s / n : Math.sqrt(s / n);
}

/** Mask keeping all but the `k` lowest scores (ties: the lower index is pruned first). */
function pruneLowest(scores: Float64Array, k: number): Uint8Array {
  const order = Uint32Array.from(scores, (_, i) => i).sort((a, b) => scores[a] - scores[b] || a - b);
  const keep = new Uint8Array(scores.length).fill(1);
  for (let i = 0; i < k; i++) keep[order[i]] = 0;
  return keep;
}

/** Zeros the masked-out weights and tags each pruned tensor "csr" (in place). */
export function applyMasks(g: Graph, masks: Map<string, Uint8Array>): void {
  for (const l of prunableLayers(g)) {
    const m = masks.get(l.name), t = g.tensors.get(l.weight)!;
    if (!m || m.every((v) => v)) continue;
    t.data = t.data!.map((v, i) => (m[i] ? v : 0));
    t.encoding = "csr";
  }
}

/** Target of step t (1-based) of `s` for a final sparsity `target`. */
export function sparsityAt(s: PruneSchedule, t: number, target: number): number {
  if (s.kind === "oneshot") return target;
  if (s.kind === "constant") return (target * t) / s.steps;
  return target * (1 - (1 - t / s.steps) ** (s.power ?? 3));
}

function checkSchedule(s: PruneSchedule): number {
  if (s.kind === "oneshot") return 1;
  if (s.kind !== "constant" && s.kind !== "polynomial") throw new InputError(`schedule kind must be oneshot, constant or polynomial, got ${JSON.stringify((s as { kind: unknown }).kind)}`);
  if (!Number.isInteger(s.steps) || s.steps < 1) throw new InputError(`schedule ${s.kind}: steps must be a positive integer, got ${s.steps}`);
  if (s.kind === "polynomial" && !((s.power ?? 3) > 0)) throw new InputError(`schedule polynomial: power must be > 0, got ${s.power}`);
  return s.steps;
}

export type Reset = "none" | "rewind" | "reinit";

/**
 * Lottery tickets: the surviving (non-zero) weights of every pruned layer take their value in
 * `initial` (rewind) or a fresh He-uniform draw from `seed` (reinit, the zoo's initialiser);
 * pruned ones stay zero. In place.
 */
export function resetSurvivors(g: Graph, reset: Reset, o: { initial?: Graph; seed?: number } = {}): void {
  if (reset === "none") return;
  if (reset !== "rewind" && reset !== "reinit") throw new InputError(`reset must be none, rewind or reinit, got ${JSON.stringify(reset)}`);
  if (reset === "rewind" && !o.initial) throw new InputError(`reset "rewind" needs the initial graph (weights at initialisation)`);
  const r = rng(o.seed ?? 1);
  for (const l of prunableLayers(g)) {
    const t = g.tensors.get(l.weight)!, d = t.data!;
    const fanIn = l.op === "MatMul" ? t.shape[0] : numel(t.shape) / t.shape[0];
    let src: Float32Array;
    if (reset === "reinit") src = heUniform(r, d.length, fanIn);
    else {
      const i = o.initial!.tensors.get(l.weight);
      if (!i?.data || i.shape.join(",") !== t.shape.join(","))
        throw new InputError(`rewind: the initial graph has no weight "${l.weight}" of shape [${t.shape}] (layer "${l.name}")`);
      src = i.data;
    }
    t.data = d.map((v, k) => (v === 0 ? 0 : src[k]));
  }
}

export interface RetrainOptions {
  epochs: number;
  /** Samples per step; default 64. */
  batch?: number;
  /** Default SGD lr 0.01, momentum 0.9. */
  optimizer?: OptimizerConfig;
  seed?: number;
  /** Validation set: its accuracy after each epoch is in the history. */
  val?: Labeled;
  progress?: boolean;
  /** Progress bar label prefix, e.g. "step 2/5". */
  label?: string;
  /** Augments each training batch in place (fit's `augment`, e.g. imageJitter). */
  augment?: FitOptions["augment"];
}

/** Trains a pruned graph with its masks fixed (the Trainer masks every "csr" weight); returns a trained copy. */
export async function retrain(g: Graph, data: Labeled, o: RetrainOptions): Promise<{ graph: Graph; history: EpochStats[] }> {
  const t = await Trainer.create(g, { batch: o.batch, optimizer: o.optimizer ?? { kind: "sgd", lr: 0.01, momentum: 0.9 } });
  const history = fit(t, data, { epochs: o.epochs, seed: o.seed, val: o.val, progress: o.progress, label: o.label, augment: o.augment });
  return { graph: t.toGraph(), history };
}

/** Inference-mode accuracy of `g` on `set` (through trainer.wasm: the same kernels as the runtime). */
export async function accuracy(g: Graph, set: Labeled, batch = 256): Promise<number> {
  const t = await Trainer.create(g, { batch: g.batchDynamic ? batch : 1 });
  return t.evaluate(set.x, set.labels).accuracy;
}

export interface PruneOptions extends Omit<MaskOptions, "ofRemaining"> {
  schedule?: PruneSchedule;
  /** Training samples: fine-tuning after every step. Without them the pass prunes and stops. */
  data?: Labeled;
  /** Validation samples (default: a seeded 10% split of `data`). */
  val?: Labeled;
  /** Epochs of fine-tuning after each step; default 1. */
  finetuneEpochs?: number;
  augment?: FitOptions["augment"];
  /** Stop before validation accuracy falls below this (0..1); the last model above it is kept. */
  accuracyFloor?: number;
  batch?: number;
  optimizer?: OptimizerConfig;
  seed?: number;
  /** After pruning: rewind survivors to `initial` or re-initialise them (the caller retrains). */
  reset?: Reset;
  initial?: Graph;
  progress?: boolean;
  onStep?: (s: PruneStep) => void;
}

export interface PruneLayerStats {
  name: string;
  op: string;
  weight: string;
  params: number;
  sparsityBefore: number;
  sparsity: number;
}

export interface PruneStep {
  /** 0 = the model as given. */
  step: number;
  /** Fraction of zeros over all prunable weights. */
  sparsity: number;
  valAccuracy?: number;
  /** False for the step that crossed the accuracy floor (its model is dropped). */
  kept: boolean;
}

export interface PruneResult {
  graph: Graph;
  layers: PruneLayerStats[];
  history: PruneStep[];
  /** Fraction of zeros over all prunable weights of the result. */
  sparsity: number;
  /** Set when the accuracy floor stopped the schedule early. */
  stopped?: string;
}

/** Fraction of zeros over the prunable weights. */
export function weightSparsity(g: Graph): number {
  let z = 0, n = 0;
  for (const l of prunableLayers(g)) {
    const d = g.tensors.get(l.weight)!.data!;
    z += zeros(d);
    n += d.length;
  }
  return n ? z / n : 0;
}

/** Prunes a copy of `input` over the schedule, fine-tuning between steps when `data` is given. */
export async function prune(input: Graph, o: PruneOptions): Promise<PruneResult> {
  const schedule = o.schedule ?? { kind: "oneshot" }, steps = checkSchedule(schedule), seed = o.seed ?? 1;
  const epochs = o.finetuneEpochs ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new InputError(`finetuneEpochs must be an integer ≥ 0, got ${epochs}`);
  if (o.accuracyFloor !== undefined) checkRate(o.accuracyFloor, "accuracyFloor");
  if (o.accuracyFloor !== undefined && !o.data && !o.val) throw new InputError(`accuracyFloor needs validation data (data or val)`);
  if (o.reset === "rewind" && !o.initial) throw new InputError(`reset "rewind" needs the initial graph (weights at initialisation)`);
  const sets = o.data && !o.val ? split(o.data, 0.1, seed) : { train: o.data, val: o.val };
  const layers = prunableLayers(input);
  checkMaskOptions(input, o);
  const before = new Map(layers.map((l) => {
    const d = input.tensors.get(l.weight)!.data!;
    return [l.name, zeros(d) / d.length];
  }));

  const history: PruneStep[] = [];
  const record = (s: PruneStep): void => {
    history.push(s);
    o.onStep?.(s);
  };
  let kept = structuredClone(input), stopped: string | undefined;
  record({ step: 0, sparsity: weightSparsity(kept), valAccuracy: sets.val ? await accuracy(kept, sets.val) : undefined, kept: true });
  for (let t = 1; t <= steps; t++) {
    let g = structuredClone(kept);
    const at = (v: number) => sparsityAt(schedule, t, v);
    const perLayer = Object.fromEntries(Object.entries(o.perLayer ?? {}).map(([k, v]) => [k, at(v)]));
    applyMasks(g, magnitudeMasks(g, { ...o, sparsity: at(o.sparsity), perLayer }));
    let valAccuracy: number | undefined;
    if (sets.train && epochs > 0) {
      const r = await retrain(g, sets.train, {
        epochs, batch: o.batch, optimizer: o.optimizer, seed: seed + t, val: sets.val, progress: o.progress, augment: o.augment,
        label: steps > 1 ? `step ${t}/${steps}` : undefined,
      });
      g = r.graph;
      valAccuracy = r.history[r.history.length - 1].valAccuracy;
    } else if (sets.val) valAccuracy = await accuracy(g, sets.val);
    const below = o.accuracyFloor !== undefined && valAccuracy! < o.accuracyFloor;
    record({ step: t, sparsity: weightSparsity(g), valAccuracy, kept: !below });
    if (below) {
      stopped = `step ${t} of ${steps}: validation accuracy ${(100 * valAccuracy!).toFixed(2)}% is below the floor ${(100 * o.accuracyFloor!).toFixed(2)}%`;
      break;
    }
    kept = g;
  }
  resetSurvivors(kept, o.reset ?? "none", { initial: o.initial, seed });
  return {
    graph: kept,
    layers: layers.map((l) => {
      const d = kept.tensors.get(l.weight)!.data!;
      return { ...l, params: d.length, sparsityBefore: before.get(l.name)!, sparsity: zeros(d) / d.length };
    }),
    history,
    sparsity: weightSparsity(kept),
    stopped,
  };
}

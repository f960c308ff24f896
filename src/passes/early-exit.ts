// Early exits (BranchyNet, Teerapittayanon et al. 2016; the issue 8 pass): small classifier heads
// attached at intermediate points of a trained network, trained, then given a confidence
// threshold each so that easy samples stop early (docs/FORMAT.md §8, Graph.exits).
//
// Attach points: tensor or node names (a node stands for its first output), or "auto":
//  - a CNN (any Conv): the output of every pooling node (MaxPool, AveragePool, GlobalAveragePool,
//    GlobalMaxPool); an MLP: every hidden activation (the output of a Gemm/MatMul that is not
//    the graph output, followed through its sole activation node: Relu, LeakyRelu, Clip,
//    Sigmoid, Tanh, BatchNormalization, ChannelAffine; not through Dropout);
//  - a candidate is dropped when the head there would cost at least half of what stopping there
//    saves (head MACs ≥ ½ · MACs of the nodes after the point): a head right before the
//    classifier (LeNet-300-100's last hidden layer: a 100→10 head against a 100→10 output layer)
//    saves nothing.
// Heads (`head`): "linear" = flatten + Gemm; "mlp" = flatten + Gemm(hidden, Relu) + Gemm;
// "pool-linear" / "pool-mlp" = MaxPool k×k stride k (`headPool`, default 2) first, which cuts
// a conv head's weights and MACs by k²; "gap-linear" = GlobalAveragePool + flatten + Gemm;
// "conv-linear" = Conv 3×3 stride 2 with `headHidden` filters and Relu + flatten + Gemm (BranchyNet's
// branches have a conv layer).
// The head's last Gemm writes logits shaped like the graph output. Head nodes are inserted
// right after the node writing the attach tensor, so heads are contiguous, self-contained and
// in execution order; their names are fresh (`exit1.pool`, `exit1.flatten`, `exit1.fc1`,
// output tensor and last node `exit1`).
//
// A graph that already has exits (and no `at`): its heads are retrained and recalibrated, e.g.
// after their weights were pruned or clustered (the trainer's storage hooks keep them so).
// Training: "frozen" (default) trains only the heads (every constant of the input graph is in
// the trainer's `frozen` set; BatchNormalization and Dropout are folded first so the backbone
// runs as at inference and its running statistics stay put); "joint" trains backbone and heads
// with per-output loss weights (BranchyNet: earlier heads weighted higher helps; `weights` gives
// one per exit then the final output; default 1 each). The trainer sees the graph with the exit
// tensors as extra outputs (exits first, so its progress bar shows the first exit's accuracy).
//
// Calibration (`calibrate`): on the validation split, each exit's confidence (exit-rule.ts, the
// reference the runtime is tested against) and correctness, and the final output's correctness.
// Greedy in exit order: with the thresholds of exits < k fixed and exits > k not firing (their
// samples go to the final output), exit k gets the most permissive threshold τ (max-softmax: the
// lowest; entropy: the highest) whose policy accuracy on the validation set is ≥ final accuracy −
// tolerance. Candidates are the f32 values at the samples' confidences (the file stores τ as f32,
// and which samples fire is decided by `fires` with that f32), plus one that fires no sample
// still running; since the accuracy is not monotonic in τ every candidate is evaluated (one
// sorted sweep). The empty firing set keeps the accuracy of the previous step, so a valid τ
// always exists unless no representable τ fires nothing (max-softmax confidence exactly 1 or
// entropy exactly 0), in which case the most restrictive candidate is taken and `met` is false.
import type { Labeled } from "../data/batches.js";
import { split } from "../data/batches.js";
import type { Exit, Graph, Node } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import { checkGraph, countMacs, inferShapes } from "../ir/analysis.js";
import { argmax, confidence, fires } from "../ir/exit-rule.js";
import { ACT_CODE } from "../ir/ops.js";
import { InputError } from "../runtime/errors.js";
import { fit, type EpochStats } from "../train/loop.js";
import type { OptimizerConfig } from "../train/optim.js";
import type { ScheduleConfig } from "../train/schedule.js";
import { Trainer } from "../train/trainer.js";
import { heUniform, rng } from "../zoo/init.js";
import { fold } from "./fold.js";
import { freshName } from "./lowrank.js";

export const HEADS = ["linear", "mlp", "pool-linear", "pool-mlp", "gap-linear", "conv-linear"] as const;
export type HeadKind = (typeof HEADS)[number];
export type ExitRule = Exit["rule"];

export interface EarlyExitOptions {
  /** Attach points (tensor or node names) or "auto" (default; see the header). */
  at?: "auto" | string[];
  /** Head design, one for all exits or one per exit (with "auto": per kept point, which are chosen by the cost of a linear head); default "linear". */
  head?: HeadKind | HeadKind[];
  /** Hidden width of the "mlp" heads; default 32. */
  headHidden?: number;
  /** Window (= stride) of the "pool-*" heads' MaxPool; default 2. */
  headPool?: number;
  /** "frozen" (default): heads only; "joint": backbone and heads with weighted losses. */
  train?: "frozen" | "joint";
  /** Loss weight per exit, then the final output's (length exits + 1); default 1 each (frozen: final 0). */
  weights?: number[];
  /** Training samples; a seeded `valSplit` of them is held out for calibration unless `val` is given. */
  data: Labeled;
  val?: Labeled;
  /** Default 0.1. */
  valSplit?: number;
  /** Default 3. */
  epochs?: number;
  batch?: number;
  /** Default SGD lr 0.01, momentum 0.9. */
  optimizer?: OptimizerConfig;
  /** Default cosine. */
  schedule?: ScheduleConfig;
  seed?: number;
  /** "maxprob" (default) or "entropy". */
  rule?: ExitRule;
  /** Accuracy the exits may cost on the validation split, a fraction (default 0.001 = 0.1 points). */
  tolerance?: number;
  augment?: (x: Float32Array, n: number, seed: number) => void;
  progress?: boolean;
  onEpoch?: (e: EpochStats) => void;
}

export interface ExitStats {
  /** The exit tensor (= its last node). */
  name: string;
  /** The attach tensor. */
  after: string;
  /** "given" when the input's own heads were retrained. */
  head: HeadKind | "given";
  /** Parameters of the head. */
  params: number;
  /** MACs of one sample reaching the exit, earlier heads included (docs/FORMAT.md §8). */
  macs: number;
  threshold: number;
  /** Fraction of the validation samples leaving here, and their accuracy. */
  valFraction: number;
  valAccuracy: number;
  /** Accuracy of the head alone on every validation sample. */
  headValAccuracy: number;
}

export interface EarlyExitResult {
  graph: Graph;
  exits: ExitStats[];
  /** Final output alone, and the policy with every exit, on the validation split. */
  valAccuracyFinal: number;
  valAccuracyWithExits: number;
  /** Fraction of validation samples reaching the final output. */
  valFractionFinal: number;
  /** Validation average MACs per sample with exits; MACs of the input graph (no heads). */
  avgMacs: number;
  fullMacs: number;
  /** MACs of the final output with every head evaluated. */
  finalMacs: number;
  /** Whether calibration met the tolerance (false only in the degenerate case of the header). */
  met: boolean;
  history: EpochStats[];
}

const ACTS = new Set(["Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "BatchNormalization", "ChannelAffine"]);
const POOLS = new Set(["MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool"]);

/** The attach tensor of a node or tensor name. */
function attachTensor(g: Graph, name: string): string {
  const node = g.nodes.find((n) => n.name === name);
  const t = node ? node.outputs[0] : name;
  const tensor = g.tensors.get(t);
  if (!tensor) throw new InputError(`early-exit: "${name}" is neither a node nor a tensor of ${g.name}`);
  if (tensor.data) throw new InputError(`early-exit: "${name}" is a constant; attach points are activations`);
  if (g.inputs.includes(t)) throw new InputError(`early-exit: "${name}" is a graph input; attach after a layer`);
  if (g.outputs.includes(t)) throw new InputError(`early-exit: "${name}" is the graph output; attach before it`);
  if (!g.nodes.some((n) => n.outputs.includes(t))) throw new InputError(`early-exit: tensor "${name}" is written by no node`);
  return t;
}

/** Candidate attach tensors of "auto", before the cost rule. */
function autoCandidates(g: Graph): string[] {
  if (g.nodes.some((n) => n.op === "Conv")) return g.nodes.filter((n) => POOLS.has(n.op)).map((n) => n.outputs[0]).filter((t) => !g.outputs.includes(t));
  const out: string[] = [];
  for (const n of g.nodes) {
    if ((n.op !== "Gemm" && n.op !== "MatMul") || g.outputs.includes(n.outputs[0])) continue;
    let t = n.outputs[0];
    for (;;) {
      const readers = g.nodes.filter((m) => m.inputs.includes(t));
      if (readers.length !== 1 || !ACTS.has(readers[0].op) || g.outputs.includes(readers[0].outputs[0])) break;
      t = readers[0].outputs[0];
    }
    out.push(t);
  }
  return out;
}

interface HeadPlan { kind: HeadKind; nodes: Node[]; consts: { name: string; shape: number[]; data: Float32Array }[]; acts: string[]; output: string }

/** Nodes and constants of one head reading `x` (shape `xs`), writing `classes` logits. */
function planHead(g: Graph, x: string, xs: number[], kind: HeadKind, classes: number, o: { hidden: number; pool: number; r: ReturnType<typeof rng> }, base: string, taken: Set<string>): HeadPlan {
  const fresh = (b: string) => {
    let name = freshName(g, b);
    for (let i = 2; taken.has(name); i++) name = freshName(g, `${b}_${i}`);
    taken.add(name);
    return name;
  };
  const plan: HeadPlan = { kind, nodes: [], consts: [], acts: [], output: "" };
  const out = fresh(base);
  let cur = x, shape = xs;
  const act = (op: Node["op"], inputs: string[], attrs: Node["attrs"], name: string, last = false) => {
    const y = last ? out : fresh(`${out}.${name}`);
    plan.nodes.push({ op, name: y, inputs, outputs: [y], attrs });
    if (!last) plan.acts.push(y);
    cur = y;
  };
  const pool = kind === "pool-linear" || kind === "pool-mlp";
  if ((pool || kind === "gap-linear" || kind === "conv-linear") && shape.length !== 4)
    throw new InputError(`early-exit: a "${kind}" head needs an NCHW attach tensor; "${x}" is [${xs}]`);
  if (pool) {
    const k = o.pool;
    if (k > shape[2] || k > shape[3]) throw new InputError(`early-exit: headPool ${k} exceeds the ${shape[2]}×${shape[3]} map of "${x}"`);
    act("MaxPool", [cur], { kh: k, kw: k, sh: k, sw: k, dh: 1, dw: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 }, "pool");
    shape = [shape[0], shape[1], Math.floor((shape[2] - k) / k) + 1, Math.floor((shape[3] - k) / k) + 1];
  } else if (kind === "conv-linear") {
    const [c, h, w] = shape.slice(1), f = o.hidden;
    if (h < 3 || w < 3) throw new InputError(`early-exit: a conv-linear head needs a map of at least 3×3; "${x}" is [${xs}]`);
    const wt = fresh(`${out}.conv.weight`), b = fresh(`${out}.conv.bias`);
    plan.consts.push({ name: wt, shape: [f, c, 3, 3], data: heUniform(o.r, f * c * 9, c * 9) }, { name: b, shape: [f], data: new Float32Array(f) });
    act("Conv", [cur, wt, b], { group: 1, kh: 3, kw: 3, sh: 2, sw: 2, dh: 1, dw: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0, act: ACT_CODE.Relu, actA: 0, actB: 0 }, "conv");
    shape = [shape[0], f, Math.floor((h - 3) / 2) + 1, Math.floor((w - 3) / 2) + 1];
  } else if (kind === "gap-linear") {
    act("GlobalAveragePool", [cur], {}, "gap");
    shape = [shape[0], shape[1], 1, 1];
  }
  if (shape.length !== 2) {
    const n = numel(shape.slice(1));
    act("Reshape", [cur], { shape: [shape[0], n] }, "flatten");
    shape = [shape[0], n];
  }
  const gemm = (k: number, n: number, relu: boolean, name: string, last: boolean) => {
    const w = fresh(`${out}.${name}.weight`), b = fresh(`${out}.${name}.bias`);
    plan.consts.push({ name: w, shape: [n, k], data: heUniform(o.r, n * k, k) }, { name: b, shape: [n], data: new Float32Array(n) });
    act("Gemm", [cur, w, b], { act: relu ? ACT_CODE.Relu : ACT_CODE.none, actA: 0, actB: 0 }, name, last);
  };
  if (kind === "mlp" || kind === "pool-mlp") {
    gemm(shape[1], o.hidden, true, "fc1", false);
    gemm(o.hidden, classes, false, "fc2", true);
  } else gemm(shape[1], classes, false, "fc", true);
  plan.output = out;
  return plan;
}

/** Inserts heads after `points` into `g` in place; returns the exits (threshold 0 for now). */
function attachHeads(g: Graph, points: string[], kinds: HeadKind[], o: { hidden: number; pool: number; seed: number; rule: ExitRule }): Exit[] {
  const shapes = inferShapes(g, 1), outShape = shapes.get(g.outputs[0])!;
  if (outShape.length !== 2) throw new InputError(`early-exit: heads write [N, C] logits; the output "${g.outputs[0]}" of ${g.name} is [${outShape}]`);
  const r = rng(o.seed * 7919 + 17), taken = new Set<string>();
  const plans = points.map((p, k) => planHead(g, p, shapes.get(p)!, kinds[k], outShape[1], { ...o, r }, `exit${k + 1}`, taken));
  for (const [k, p] of plans.entries()) {
    for (const c of p.consts) g.tensors.set(c.name, { ...c, encoding: "f32" });
    for (const a of p.acts) g.tensors.set(a, { name: a, shape: [] });
    g.tensors.set(p.output, { name: p.output, shape: [...outShape] });
    const at = g.nodes.findIndex((n) => n.outputs.includes(points[k]));
    // After the writer and after any head already attached to it (points are distinct, but a
    // later head never lands inside an earlier one: heads only follow their own writer).
    g.nodes.splice(at + 1, 0, ...p.nodes);
  }
  const s = inferShapes(g, 1);
  for (const p of plans) for (const a of p.acts) g.tensors.get(a)!.shape = s.get(a)!;
  checkGraph(g);
  const exits = plans.map((p) => ({ output: p.output, nodes: p.nodes.map((n) => n.name), rule: o.rule, threshold: 0, values: "logits" as const }));
  // Execution order of the heads.
  const pos = (e: Exit) => g.nodes.findIndex((n) => n.name === e.nodes[0]);
  return exits.sort((a, b) => pos(a) - pos(b));
}

/** MACs of one sample reaching each exit (nodes 0..last, every earlier head included) and of the whole graph. */
export function exitMacs(g: Graph): { exits: number[]; total: number } {
  const per = countMacs(g).perNode;
  const prefix: number[] = [];
  let acc = 0;
  for (const n of g.nodes) prefix.push((acc += per.get(n.name)!));
  const exits = (g.exits ?? []).map((e) => prefix[g.nodes.findIndex((n) => n.name === e.nodes[e.nodes.length - 1])]);
  return { exits, total: acc };
}

export interface CalibrationInput {
  /** Per exit, per sample: confidence (exit-rule.ts) and correctness. */
  conf: ArrayLike<number>[];
  correct: ArrayLike<boolean>[];
  /** Per sample: whether the final output is right. */
  finalCorrect: ArrayLike<boolean>;
  rule: ExitRule;
  tolerance: number;
}

export interface Calibration {
  thresholds: number[];
  /** Exit index each sample takes (exits.length = final). */
  taken: Int32Array;
  accuracy: number;
  finalAccuracy: number;
  met: boolean;
}

/** f32 neighbours toward ±∞ (finite inputs). */
function f32Next(v: number, up: boolean): number {
  const f = new Float32Array([v]), i = new Int32Array(f.buffer);
  if (f[0] === 0) return up ? 1.401298464324817e-45 : -1.401298464324817e-45;
  i[0] += (f[0] > 0) === up ? 1 : -1;
  return f[0];
}
/** The largest f32 ≤ v (up = false) or the smallest f32 ≥ v (up = true). */
function f32Round(v: number, up: boolean): number {
  const f = Math.fround(v);
  return f === v || (up ? f > v : f < v) ? f : f32Next(f, up);
}

/** The greedy threshold search of the header, on precomputed confidences. */
export function calibrate(c: CalibrationInput): Calibration {
  const K = c.conf.length, n = c.finalCorrect.length, max = c.rule === "maxprob";
  if (!(c.tolerance >= 0 && c.tolerance < 1)) throw new InputError(`tolerance must be a fraction in [0, 1), got ${c.tolerance}`);
  if (n === 0) throw new InputError(`calibration needs validation samples, got none`);
  let finalHits = 0;
  for (let i = 0; i < n; i++) if (c.finalCorrect[i]) finalHits++;
  const target = finalHits - c.tolerance * n; // in hits
  const taken = new Int32Array(n).fill(K), thresholds: number[] = [];
  let hits = finalHits, met = true;
  for (let k = 0; k < K; k++) {
    const conf = c.conf[k], ok = c.correct[k];
    // Samples still running, NaN confidences never fire; most confident first.
    const run: number[] = [];
    for (let i = 0; i < n; i++) if (taken[i] === K && conf[i] === conf[i]) run.push(i);
    run.sort((a, b) => (max ? conf[b] - conf[a] : conf[a] - conf[b]));
    // Candidate thresholds, most restrictive first: one firing nobody (if representable), then
    // the f32 at or beyond each confidence (so that sample fires).
    const cands: number[] = [];
    const lim = max ? 1 : Infinity;
    if (run.length) {
      const top = conf[run[0]], none = max ? f32Next(f32Round(top, false), true) : f32Next(f32Round(top, true), false);
      if (max ? none <= lim && none > top : none >= 0 && none < top) cands.push(none);
      for (const i of run) {
        const t = max ? Math.min(f32Round(conf[i], false), 1) : Math.max(f32Round(conf[i], true), 0);
        if (!cands.length || cands[cands.length - 1] !== t) cands.push(t);
      }
    } else cands.push(max ? 1 : 0);
    let best = -1, bestHits = hits, p = 0, h = hits;
    const restrictive = { t: cands[0], hits: -1 };
    for (const [j, t] of cands.entries()) {
      while (p < run.length && fires(c.rule, conf[run[p]], t)) {
        const i = run[p++];
        h += (ok[i] ? 1 : 0) - (c.finalCorrect[i] ? 1 : 0);
      }
      if (j === 0) restrictive.hits = h;
      if (h >= target - 1e-9) { best = j; bestHits = h; }
    }
    let t: number;
    if (best < 0) { met = false; t = restrictive.t; bestHits = restrictive.hits; } else t = cands[best];
    for (const i of run) if (fires(c.rule, conf[i], t)) taken[i] = k;
    hits = bestHits;
    thresholds.push(t);
  }
  return { thresholds, taken, accuracy: hits / n, finalAccuracy: finalHits / n, met };
}


/**
 * The heads of `earlyExit` attached to a copy of `input` (untrained, thresholds 0), without
 * training or calibration; a graph that has exits comes back with them (kinds "given").
 */
export function attachExits(input: Graph, o: Pick<EarlyExitOptions, "at" | "head" | "headHidden" | "headPool" | "train" | "seed" | "rule"> = {}):
  { graph: Graph; exits: Exit[]; points: string[]; kinds: (HeadKind | "given")[] } {
  const given = input.exits?.length ? input.exits : undefined;
  if (given && o.at !== undefined) throw new InputError(`early-exit: ${input.name} already has ${given.length} exits; without \`at\` their heads are retrained and recalibrated`);
  if (input.outputs.length !== 1) throw new InputError(`early-exit: ${input.name} has ${input.outputs.length} outputs; exits need exactly one`);
  const mode = o.train ?? "frozen", rule = o.rule ?? "maxprob", seed = o.seed ?? 1, hidden = o.headHidden ?? 32, pool = o.headPool ?? 2;
  if (!Number.isInteger(hidden) || hidden < 1) throw new InputError(`headHidden must be a positive integer, got ${hidden}`);
  if (!Number.isInteger(pool) || pool < 1) throw new InputError(`headPool must be a positive integer, got ${pool}`);
  const g = structuredClone(input);
  // Attach points resolved to tensor names before folding (folding keeps the later tensor names).
  let points: string[];
  const auto = !given && (o.at === undefined || o.at === "auto");
  if (given) points = given.map((e) => g.nodes.find((n) => n.name === e.nodes[0])!.inputs[0]);
  else if (auto) points = autoCandidates(g);
  else {
    if (!Array.isArray(o.at) || !o.at.length) throw new InputError(`early-exit at: "auto" or a list of node or tensor names, got ${JSON.stringify(o.at)}`);
    points = o.at.map((a) => attachTensor(g, a));
    const dup = points.find((p, i) => points.indexOf(p) !== i);
    if (dup) throw new InputError(`early-exit at: "${dup}" is given twice`);
  }
  if (!given && mode === "frozen" && g.nodes.some((n) => n.op === "BatchNormalization" || n.op === "Dropout")) {
    fold(g);
    for (const p of points) if (!g.tensors.has(p)) throw new InputError(`early-exit: attach point "${p}" disappears when BatchNormalization/Dropout are folded; attach after the folded layer`);
  }
  const order = (t: string) => g.nodes.findIndex((n) => n.outputs.includes(t));
  points.sort((a, b) => order(a) - order(b));
  const kindFor = (k: number): HeadKind | "given" => {
    if (given) return "given";
    const h = Array.isArray(o.head) ? o.head[k] : (o.head ?? "linear");
    if (!HEADS.includes(h)) throw new InputError(`early-exit head must be one of ${HEADS.join(", ")}, got ${JSON.stringify(h)}`);
    return h;
  };
  if (auto) {
    // The cost rule: keep a point when its head costs < ½ of the MACs after it.
    const per = countMacs(g).perNode;
    points = points.filter((p, k) => {
      const after = g.nodes.slice(order(p) + 1).reduce((s, n) => s + per.get(n.name)!, 0);
      const probe = structuredClone(g);
      const [e] = attachHeads(probe, [p], [Array.isArray(o.head) ? "linear" : kindFor(k) as HeadKind], { hidden, pool, seed, rule });
      const perProbe = countMacs(probe).perNode, headMacs = e.nodes.reduce((s, n) => s + perProbe.get(n)!, 0);
      return headMacs < after / 2;
    });
    if (!points.length) throw new InputError(`early-exit at auto: ${input.name} has no point where a head saves computation; name the points`);
  }
  if (Array.isArray(o.head) && o.head.length !== points.length)
    throw new InputError(`early-exit head: ${o.head.length} head kinds for ${points.length} exits`);
  const kinds = points.map((_, k) => kindFor(k));
  const exits = given ? given.map((e) => ({ ...e, nodes: [...e.nodes], rule, threshold: 0 })) : attachHeads(g, points, kinds as HeadKind[], { hidden, pool, seed, rule });
  g.exits = exits;
  return { graph: g, exits, points, kinds };
}

/** Attaches heads, trains them, calibrates their thresholds; returns a copy of `input` with exits. */
export async function earlyExit(input: Graph, o: EarlyExitOptions): Promise<EarlyExitResult> {
  const mode = o.train ?? "frozen", rule = o.rule ?? "maxprob", seed = o.seed ?? 1, tolerance = o.tolerance ?? 0.001;
  if (mode !== "frozen" && mode !== "joint") throw new InputError(`early-exit train must be "frozen" or "joint", got ${JSON.stringify(mode)}`);
  if (rule !== "maxprob" && rule !== "entropy") throw new InputError(`early-exit rule must be "maxprob" or "entropy", got ${JSON.stringify(rule)}`);
  if (!(tolerance >= 0 && tolerance < 1)) throw new InputError(`early-exit tolerance must be a fraction in [0, 1), got ${tolerance}`);
  const epochs = o.epochs ?? 3;
  if (!Number.isInteger(epochs) || epochs < 1) throw new InputError(`early-exit epochs must be a positive integer, got ${epochs}`);

  const fullMacs = countMacs(input).total;
  const { graph: g, exits, points, kinds } = attachExits(input, o);
  const K = exits.length;
  const weights = o.weights ?? [...exits.map(() => 1), mode === "frozen" ? 0 : 1];
  if (weights.length !== K + 1 || weights.some((w) => !(w >= 0 && Number.isFinite(w))) || weights.every((w) => w === 0))
    throw new InputError(`early-exit weights: ${K + 1} finite weights ≥ 0 needed (one per exit, then the final output), not all 0; got ${JSON.stringify(o.weights)}`);

  // Training graph: exits as extra outputs, first.
  const trainGraph: Graph = { ...g, outputs: [...exits.map((e) => e.output), g.outputs[0]], exits: undefined };
  const headConsts = new Set(g.nodes.filter((nd) => exits.some((e) => e.nodes.includes(nd.name))).flatMap((nd) => nd.inputs));
  const frozen = mode === "frozen" ? [...g.tensors.values()].filter((t) => t.data && !headConsts.has(t.name)).map((t) => t.name) : [];
  const valSplit = o.valSplit ?? 0.1;
  const { train, val } = o.val ? { train: o.data, val: o.val } : split(o.data, valSplit, seed);
  if (!val.n) throw new InputError(`early-exit: calibration needs validation samples (valSplit > 0 or val)`);
  const trainer = await Trainer.create(trainGraph, {
    batch: o.batch ?? 64, optimizer: o.optimizer ?? { kind: "sgd", lr: 0.01, momentum: 0.9 }, outputWeights: weights, frozen,
  });
  const history = fit(trainer, train, {
    epochs, seed, schedule: o.schedule ?? { kind: "cosine" }, augment: o.augment, progress: o.progress, onEpoch: o.onEpoch, label: "early-exit",
  });
  const trained = trainer.toGraph();

  // Calibration on the validation split.
  const classes = trainer.classes[K], n = val.n;
  const zFinal = trainer.predict(val.x, K);
  const finalCorrect = Array.from({ length: n }, (_, s) => argmax(zFinal, s, classes) === val.labels[s]);
  const conf: Float64Array[] = [], correct: boolean[][] = [];
  for (let k = 0; k < K; k++) {
    const z = trainer.predict(val.x, k);
    conf.push(Float64Array.from({ length: n }, (_, s) => confidence(rule, z.subarray(s * classes, (s + 1) * classes), exits[k].values)));
    correct.push(Array.from({ length: n }, (_, s) => argmax(z, s, classes) === val.labels[s]));
  }
  const cal = calibrate({ conf, correct, finalCorrect, rule, tolerance });
  const graph: Graph = { ...trained, outputs: [...g.outputs], exits: exits.map((e, k) => ({ ...e, threshold: cal.thresholds[k] })) };
  const macs = exitMacs(graph);
  const count = (k: number) => cal.taken.reduce((s, t) => s + (t === k ? 1 : 0), 0);
  const stats: ExitStats[] = exits.map((e, k) => {
    const m = count(k), hits = cal.taken.reduce((s, t, i) => s + (t === k && correct[k][i] ? 1 : 0), 0);
    const params = graph.nodes.filter((nd) => e.nodes.includes(nd.name)).flatMap((nd) => nd.inputs).reduce((s, i) => s + (graph.tensors.get(i)?.data?.length ?? 0), 0);
    return {
      name: e.output, after: points[k], head: kinds[k], params, macs: macs.exits[k], threshold: cal.thresholds[k],
      valFraction: m / n, valAccuracy: m ? hits / m : NaN, headValAccuracy: correct[k].filter(Boolean).length / n,
    };
  });
  const nFinal = count(K);
  const avgMacs = (stats.reduce((s, e) => s + e.valFraction * e.macs, 0) * n + nFinal * macs.total) / n;
  return {
    graph, exits: stats, valAccuracyFinal: cal.finalAccuracy, valAccuracyWithExits: cal.accuracy, valFractionFinal: nFinal / n,
    avgMacs, fullMacs, finalMacs: macs.total, met: cal.met, history,
  };
}

export interface ExitEvaluation {
  n: number;
  /** Per exit, then the final output: samples leaving there and how many of them are right. */
  counts: number[];
  correct: number[];
  accuracy: number;
  /** Accuracy of the final output alone. */
  finalAccuracy: number;
  /** Average MACs per sample under the policy; MACs per exit (final = every head evaluated). */
  avgMacs: number;
  macs: number[];
}

/**
 * The exit policy of `g` (its thresholds, or `thresholds`) on a labelled set, computed with the
 * trainer's inference pass and the reference rule (exit-rule.ts): what the runtime must
 * reproduce. The heads run on every sample (the trainer has no early stop).
 */
export async function evaluateExits(g: Graph, set: Labeled, o: { thresholds?: number[]; batch?: number } = {}): Promise<ExitEvaluation> {
  const exits = g.exits ?? [], K = exits.length;
  const th = o.thresholds ?? exits.map((e) => e.threshold);
  if (th.length !== K) throw new InputError(`evaluateExits: ${th.length} thresholds for ${K} exits`);
  const t = await Trainer.create({ ...g, outputs: [...exits.map((e) => e.output), g.outputs[0]], exits: undefined }, { batch: g.batchDynamic ? (o.batch ?? 250) : 1 });
  const c = t.classes[K], n = set.n, z = Array.from({ length: K + 1 }, (_, k) => t.predict(set.x, k));
  const counts = new Array<number>(K + 1).fill(0), correct = new Array<number>(K + 1).fill(0);
  let finalHits = 0;
  for (let s = 0; s < n; s++) {
    let k = 0;
    for (; k < K; k++) if (fires(exits[k].rule, confidence(exits[k].rule, z[k].subarray(s * c, (s + 1) * c), exits[k].values), th[k])) break;
    counts[k]++;
    if (argmax(z[k], s, c) === set.labels[s]) correct[k]++;
    if (argmax(z[K], s, c) === set.labels[s]) finalHits++;
  }
  const m = exitMacs(g), macs = [...m.exits, m.total];
  return {
    n, counts, correct, accuracy: correct.reduce((a, b) => a + b, 0) / n, finalAccuracy: finalHits / n,
    avgMacs: counts.reduce((s, k, i) => s + k * macs[i], 0) / n, macs,
  };
}

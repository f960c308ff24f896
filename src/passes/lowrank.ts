// Low-rank factorisation (Denton et al. 2014; Jaderberg et al. 2014; the lecture's "low rank"):
// a layer's weight matrix W [N,K] is replaced by its truncated SVD W ≈ U_r·diag(σ_r)·V_rᵀ, as two
// layers: K → r with V_rᵀ (zero bias, no activation), then r → N with U_r·diag(σ_r), the original
// bias and the fused activation. By Eckart–Young this is the best rank-r approximation in the
// Frobenius norm, and its squared error is exactly the discarded energy Σ_{i>r} σ_i².
//   Gemm W [N,K]                      → Gemm [r,K] → Gemm [N,r]
//   MatMul with a constant 2-D B [K,N] → MatMul [K,r] → MatMul [r,N]   (W = Bᵀ)
//   Conv W [F,C,kh,kw], group 1       → Conv with r filters [r,C,kh,kw] (same window)
//                                       → 1×1 Conv [F,r,1,1] carrying the bias and activation
//                                       (the SVD of W reshaped to [F, C·kh·kw])
// The rank per layer: the smallest r keeping a fraction `energy` of Σσ², or the largest r whose
// two layers hold at most a fraction `params` of the layer's parameters, or `rank[name]`
// explicitly. A layer whose factors would not have fewer parameters than it (r·(N+K) + r ≥ N·K,
// the r zero biases of the first layer counted) is left as it is, with the reason in its stats,
// unless `force` is set. The second layer keeps the node name (and output tensor); the first is
// "<name>_lr". Fine-tuning afterwards on `data` (retrain in prune.ts) recovers the accuracy.
import { SingularValueDecomposition } from "ml-matrix";
import type { Labeled } from "../data/batches.js";
import type { Graph, Node } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import { checkGraph, countMacs, inferShapes } from "../ir/analysis.js";
import { ACT_CODE } from "../ir/ops.js";
import { InputError } from "../runtime/errors.js";
import { writeSlim } from "../format/writer.js";
import { Model } from "../runtime/model.js";
import { fit, type FitOptions } from "../train/loop.js";
import type { OptimizerConfig } from "../train/optim.js";
import type { ScheduleConfig } from "../train/schedule.js";
import { Trainer } from "../train/trainer.js";
import { accuracy, checkLayerNames } from "./prune.js";

export interface FinetuneOptions {
  epochs: number;
  /** Samples per step; default 64. */
  batch?: number;
  /** Default SGD lr 0.01, momentum 0.9. */
  optimizer?: OptimizerConfig;
  /** Default cosine annealing to 0 over the epochs. */
  schedule?: ScheduleConfig;
  augment?: FitOptions["augment"];
  seed?: number;
  progress?: boolean;
  /** Distil from this model (its logits through the runtime) with the trainer's "distill" loss. */
  teacher?: Graph;
  T?: number;
  alpha?: number;
}

/** Trains a copy of `g` on `data` (the redesign passes' recovery step); returns the trained graph. */
export async function finetune(g: Graph, data: Labeled, o: FinetuneOptions): Promise<Graph> {
  const t = await Trainer.create(g, {
    batch: o.batch, optimizer: o.optimizer ?? { kind: "sgd", lr: 0.01, momentum: 0.9 },
    loss: o.teacher ? { kind: "distill", T: o.T ?? 4, alpha: o.alpha ?? 0.9 } : undefined,
  });
  const teacher = o.teacher ? await Model.load(writeSlim(o.teacher)) : undefined;
  const x = o.teacher?.inputs[0] ?? "", y = o.teacher?.outputs[0] ?? "";
  fit(t, data, {
    epochs: o.epochs, seed: o.seed, progress: o.progress, augment: o.augment, schedule: o.schedule ?? { kind: "cosine" },
    teacher: teacher ? (xs) => Float32Array.from(teacher.run({ [x]: xs })[y].data) : undefined,
  });
  return t.toGraph();
}

/** Singular triplets of a row-major [rows, cols] matrix, σ descending: u [rows, m], v [cols, m] (m = min). */
export interface Svd {
  s: Float64Array;
  /** Row-major [rows, m]. */
  u: Float64Array;
  /** Row-major [cols, m]. */
  v: Float64Array;
  m: number;
}

/** Thin SVD through ml-matrix (f64), re-sorted by σ descending. */
export function svd(data: ArrayLike<number>, rows: number, cols: number): Svd {
  const a: number[][] = [];
  for (let i = 0; i < rows; i++) a.push(Array.from({ length: cols }, (_, j) => data[i * cols + j]));
  const d = new SingularValueDecomposition(a, { autoTranspose: true });
  const U = d.leftSingularVectors, V = d.rightSingularVectors, sig = d.diagonal, m = Math.min(rows, cols);
  const order = Array.from(sig.keys()).sort((x, y) => sig[y] - sig[x]).slice(0, m);
  const s = Float64Array.from(order, (k) => sig[k]), u = new Float64Array(rows * m), v = new Float64Array(cols * m);
  order.forEach((k, j) => {
    for (let i = 0; i < rows; i++) u[i * m + j] = U.get(i, k);
    for (let i = 0; i < cols; i++) v[i * m + j] = V.get(i, k);
  });
  return { s, u, v, m };
}

/** `base`, or `base2`, `base3`, … : the first name no tensor or node of `g` has. */
export function freshName(g: Graph, base: string): string {
  let name = base;
  for (let i = 2; g.tensors.has(name) || g.nodes.some((n) => n.name === name); i++) name = `${base}${i}`;
  return name;
}

/** What a redesign pass fine-tunes with: training data and `finetune`'s settings. */
export interface RedesignTraining extends Pick<FinetuneOptions, "batch" | "optimizer" | "schedule" | "augment" | "seed" | "progress"> {
  /** Training samples for fine-tuning afterwards. */
  data?: Labeled;
  finetuneEpochs?: number;
  /** Validation samples: accuracy before and after. */
  val?: Labeled;
}

export interface LowRankOptions extends RedesignTraining {
  /** Fraction of Σσ² kept per layer, in (0, 1]. */
  energy?: number;
  /** Fraction of each layer's parameters its two factors may hold, in (0, 1). */
  params?: number;
  /** Explicit rank per layer name (overrides energy / params for that layer). */
  rank?: Record<string, number>;
  /** Layers considered (default: every Gemm, MatMul with a constant B, and group-1 Conv; with only `rank`, its layers). */
  layers?: string[];
  /** Factor even when it does not save parameters (tests: full rank reproduces the layer). */
  force?: boolean;
}

export interface LowRankLayerStats {
  name: string;
  op: string;
  /** The weight's shape as given. */
  shape: number[];
  /** min(N, K): the rank of a full factorisation. */
  fullRank: number;
  /** The rank used; undefined when the layer was left as it is. */
  rank?: number;
  /** Weight + bias parameters of the layer (of both factors after). */
  paramsBefore: number;
  paramsAfter: number;
  macsBefore: number;
  macsAfter: number;
  /** Fraction of Σσ² kept (1 when left as it is). */
  energyKept: number;
  /** Why the layer was left as it is. */
  skipped?: string;
}

export interface LowRankResult {
  graph: Graph;
  layers: LowRankLayerStats[];
  valAccuracyBefore?: number;
  /** After factoring, before fine-tuning. */
  valAccuracyFactored?: number;
  valAccuracy?: number;
}

/** Layers the pass can factor: Gemm, MatMul with a constant 2-D B, group-1 Conv, with constant weights. */
export function lowRankLayers(g: Graph): string[] {
  return g.nodes.filter((n) => {
    const w = g.tensors.get(n.inputs[1]);
    if (!w?.data) return false;
    return n.op === "Gemm" || (n.op === "MatMul" && w.shape.length === 2) || (n.op === "Conv" && n.attrs.group === 1);
  }).map((n) => n.name);
}

/** [rows, cols] of the matrix factored: Gemm W [N,K]; MatMul Bᵀ [N,K]; Conv W as [F, C·kh·kw]. */
function matrixOf(g: Graph, n: Node): { rows: number; cols: number; data: Float64Array } {
  const w = g.tensors.get(n.inputs[1])!;
  if (n.op === "MatMul") {
    const [K, N] = w.shape, data = new Float64Array(N * K);
    for (let k = 0; k < K; k++) for (let j = 0; j < N; j++) data[j * K + k] = w.data![k * N + j];
    return { rows: N, cols: K, data };
  }
  return { rows: w.shape[0], cols: numel(w.shape) / w.shape[0], data: Float64Array.from(w.data!) };
}

const check = (v: number | undefined, ok: (v: number) => boolean, what: string): void => {
  if (v !== undefined && !ok(v)) throw new InputError(what + `, got ${v}`);
};

/** The smallest r with Σ_{i<r} σ_i² ≥ energy · Σσ². */
export function rankForEnergy(s: ArrayLike<number>, energy: number): number {
  let total = 0;
  for (let i = 0; i < s.length; i++) total += s[i] ** 2;
  let kept = 0;
  for (let r = 1; r <= s.length; r++) {
    kept += s[r - 1] ** 2;
    if (kept >= energy * total * (1 - 1e-12)) return r;
  }
  return s.length;
}

/** Factors the chosen layers of a copy of `input`; fine-tunes when `data` and `finetuneEpochs` are given. */
export async function lowRank(input: Graph, o: LowRankOptions): Promise<LowRankResult> {
  const modes = [o.energy, o.params].filter((v) => v !== undefined).length;
  if (modes > 1) throw new InputError(`lowrank: give energy or params, not both`);
  if (modes === 0 && !o.rank) throw new InputError(`lowrank: give energy, params or an explicit rank per layer`);
  check(o.energy, (v) => v > 0 && v <= 1, "energy must be a fraction in (0, 1]");
  check(o.params, (v) => v > 0 && v < 1, "params must be a fraction in (0, 1)");
  const valid = lowRankLayers(input), rank = o.rank ?? {};
  checkLayerNames(Object.keys(rank), valid, "rank");
  for (const [k, v] of Object.entries(rank)) check(v, (r) => Number.isInteger(r) && r >= 1, `rank of layer "${k}" must be a positive integer`);
  checkLayerNames(o.layers ?? [], valid, "layers");
  const epochs = o.finetuneEpochs ?? 0;
  if (!Number.isInteger(epochs) || epochs < 0) throw new InputError(`finetuneEpochs must be an integer ≥ 0, got ${epochs}`);
  if (epochs > 0 && !o.data) throw new InputError(`finetuneEpochs ${epochs} needs data`);
  const chosen = o.layers ?? (modes ? valid : Object.keys(rank));

  const g = structuredClone(input), macs0 = countMacs(input).perNode;
  const stats: LowRankLayerStats[] = [];
  const fresh = (base: string) => freshName(g, base);
  for (const name of chosen) {
    const node = g.nodes.find((n) => n.name === name)!, w = g.tensors.get(node.inputs[1])!;
    const bias = node.op === "MatMul" ? 0 : numel(g.tensors.get(node.inputs[2])!.shape);
    const { rows: N, cols: K, data } = matrixOf(g, node), full = Math.min(N, K);
    const paramsBefore = N * K + bias, macsBefore = macs0.get(name)!;
    const d = svd(data, N, K);
    const total = d.s.reduce((a, v) => a + v * v, 0);
    const factorParams = (r: number) => r * K + (node.op === "MatMul" ? 0 : r) + N * r + bias;
    let r: number;
    if (rank[name] !== undefined) {
      r = rank[name];
      if (r > full) throw new InputError(`rank of layer "${name}": ${r} exceeds the full rank ${full} of its [${N},${K}] weight`);
    } else if (o.energy !== undefined) r = rankForEnergy(d.s, o.energy);
    else {
      r = Math.floor((o.params! * paramsBefore - bias) / (K + N + (node.op === "MatMul" ? 0 : 1)));
      if (r < 1) r = 1;
      r = Math.min(r, full);
    }
    const kept = total > 0 ? d.s.subarray(0, r).reduce((a, v) => a + v * v, 0) / total : 1;
    const row: LowRankLayerStats = {
      name, op: node.op, shape: [...w.shape], fullRank: full, paramsBefore, paramsAfter: paramsBefore, macsBefore, macsAfter: macsBefore, energyKept: 1,
    };
    stats.push(row);
    if (!o.force && factorParams(r) >= paramsBefore) {
      row.skipped = `rank ${r} factors hold ${factorParams(r)} ≥ ${paramsBefore} parameters`;
      continue;
    }
    // First factor V_rᵀ [r,K]; second U_r·diag(σ_r) [N,r].
    const first = new Float32Array(r * K), second = new Float32Array(N * r);
    for (let i = 0; i < r; i++) for (let k = 0; k < K; k++) first[i * K + k] = d.v[k * d.m + i];
    for (let j = 0; j < N; j++) for (let i = 0; i < r; i++) second[j * r + i] = d.u[j * d.m + i] * d.s[i];
    const mid = fresh(`${name}_lr`), wName = fresh(`${mid}.weight`), at = g.nodes.indexOf(node);
    const x = node.inputs[0];
    const extra: Node = { op: node.op, name: mid, inputs: [x, wName], outputs: [mid], attrs: { ...node.attrs } };
    if (node.op === "MatMul") {
      // x [.., K] · P [K,r] · Q [r,N]
      const p = new Float32Array(K * r), q = new Float32Array(r * N);
      for (let i = 0; i < r; i++) for (let k = 0; k < K; k++) p[k * r + i] = first[i * K + k];
      for (let j = 0; j < N; j++) for (let i = 0; i < r; i++) q[i * N + j] = second[j * r + i];
      g.tensors.set(wName, { name: wName, shape: [K, r], data: p, encoding: "f32" });
      w.shape = [r, N];
      w.data = q;
    } else {
      const bName = fresh(`${mid}.bias`);
      g.tensors.set(bName, { name: bName, shape: [r], data: new Float32Array(r), encoding: "f32" });
      extra.inputs.push(bName);
      Object.assign(extra.attrs, { act: ACT_CODE.none, actA: 0, actB: 0 });
      if (node.op === "Conv") {
        g.tensors.set(wName, { name: wName, shape: [r, ...w.shape.slice(1)], data: first, encoding: "f32" });
        w.shape = [N, r, 1, 1];
        Object.assign(node.attrs, { kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 });
      } else {
        g.tensors.set(wName, { name: wName, shape: [r, K], data: first, encoding: "f32" });
        w.shape = [N, r];
      }
      w.data = second;
    }
    w.encoding = "f32";
    g.tensors.set(mid, { name: mid, shape: [] });
    node.inputs[0] = mid;
    g.nodes.splice(at, 0, extra);
    const s = inferShapes(g, 1);
    g.tensors.get(mid)!.shape = s.get(mid)!;
    const m1 = countMacs(g).perNode;
    Object.assign(row, { rank: r, paramsAfter: factorParams(r), macsAfter: m1.get(mid)! + m1.get(name)!, energyKept: kept });
  }
  checkGraph(g);

  const before = o.val ? await accuracy(input, o.val) : undefined;
  const factored = o.val ? await accuracy(g, o.val) : undefined;
  let graph = g;
  if (epochs > 0)
    graph = await finetune(g, o.data!, { epochs, batch: o.batch, optimizer: o.optimizer, schedule: o.schedule, seed: o.seed, progress: o.progress, augment: o.augment });
  return { graph, layers: stats, valAccuracyBefore: before, valAccuracyFactored: factored, valAccuracy: o.val ? (epochs > 0 ? await accuracy(graph, o.val) : factored) : undefined };
}

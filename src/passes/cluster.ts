// Weight sharing (Deep Compression, Han et al. 2016 §3): the surviving (non-zero) weights of each
// layer — or of each output channel (row of dims[0]) with `perChannel` — are grouped by 1-D
// k-means into k = 2^b clusters and replaced by their centroid; pruned weights stay exact zeros
// and take no part. The tensor keeps its dense data (centroid values and zeros), gets
// `indexBits = b` and is tagged "codebook", so the writer stores a codebook and b-bit indices
// (CSR gaps and indices when the layer is sparse). Fine-tuning afterwards is trained
// quantization: the Trainer sees `indexBits` and trains the centroids with grouped gradients.
//
// Initialisation (the paper's Figure 4): linear, evenly spaced over [min, max] (its best: large
// weights keep centroids of their own); density, at the quantiles (i + ½)/k of the weights;
// random (Forgy), k distinct weights drawn with the seed. Lloyd's iterations then run until no
// assignment changes. A layer with at most k distinct values keeps them exactly.
import { split, type Labeled } from "../data/batches.js";
import type { Graph } from "../ir/graph.js";
import { InputError } from "../runtime/errors.js";
import type { FitOptions } from "../train/loop.js";
import type { OptimizerConfig } from "../train/optim.js";
import { rng } from "../zoo/init.js";
import { accuracy, checkLayerNames, prunableLayers, retrain } from "./prune.js";

export type CentroidInit = "linear" | "density" | "random";
export const CENTROID_INITS: readonly CentroidInit[] = ["linear", "density", "random"];

/** Lloyd gives up after this many rounds (1-D runs converge in tens on real layers). */
const MAX_ROUNDS = 1000;

/** Initial centroids (ascending) for `sorted` (ascending, at least k distinct values). */
export function initCentroids(sorted: Float64Array, k: number, init: CentroidInit, seed = 1): Float64Array {
  const n = sorted.length, lo = sorted[0], hi = sorted[n - 1];
  if (init === "linear") return Float64Array.from({ length: k }, (_, i) => (k === 1 ? (lo + hi) / 2 : lo + (i * (hi - lo)) / (k - 1)));
  if (init === "density") return Float64Array.from({ length: k }, (_, i) => sorted[Math.min(n - 1, Math.floor(((i + 0.5) / k) * n))]);
  // Forgy: a partial Fisher–Yates shuffle of the indices picks k distinct samples.
  const r = rng(seed), idx = Uint32Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < k; i++) {
    const j = i + Math.floor(r(0, 1) * (n - i));
    [idx[i], idx[j]] = [idx[j], idx[i]];
  }
  return Float64Array.from(idx.subarray(0, k), (i) => sorted[i]).sort();
}

/** First index of `sorted` whose value is > x. */
function upperBound(sorted: Float64Array, x: number): number {
  let lo = 0, hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Cluster starts in `sorted` for ascending centroids `c`: nearest centroid, ties to the lower one. */
function starts(sorted: Float64Array, c: ArrayLike<number>): Uint32Array {
  const s = new Uint32Array(c.length + 1);
  for (let j = 1; j < c.length; j++) s[j] = upperBound(sorted, (c[j - 1] + c[j]) / 2);
  s[c.length] = sorted.length;
  return s;
}

export interface KMeans {
  /** Ascending, as f32; never exactly 0 (a zero means "pruned"). */
  centroids: Float32Array;
  /** Centroid of each input value. */
  index: Uint8Array;
  rounds: number;
}

/**
 * 1-D k-means (Lloyd) of `values` (non-zero) into at most k ≤ 256 clusters. On sorted values a
 * cluster is a range, so a round is k binary searches and k means from prefix sums.
 */
export function kmeans1d(values: Float32Array, k: number, init: CentroidInit = "linear", seed = 1): KMeans {
  const sorted = Float64Array.from(values).sort();
  const distinct = sorted.filter((v, i) => i === 0 || v !== sorted[i - 1]);
  let c: Float64Array, rounds = 0;
  if (distinct.length <= k) c = distinct;
  else {
    const prefix = new Float64Array(sorted.length + 1);
    sorted.forEach((v, i) => (prefix[i + 1] = prefix[i] + v));
    c = initCentroids(sorted, k, init, seed);
    let prev: Uint32Array | undefined;
    for (; rounds < MAX_ROUNDS; rounds++) {
      const s = starts(sorted, c);
      if (prev && s.every((v, j) => v === prev![j])) break;
      for (let j = 0; j < k; j++) if (s[j + 1] > s[j]) c[j] = (prefix[s[j + 1]] - prefix[s[j]]) / (s[j + 1] - s[j]);
      prev = s;
    }
  }
  // A centroid that rounds to 0 would read as pruned: the smallest normal f32 of its sign stands in.
  const centroids = Float32Array.from(c, (v) => Math.fround(v) || Math.sign(v || 1) * 2 ** -126);
  const index = new Uint8Array(values.length);
  values.forEach((v, i) => (index[i] = nearest(centroids, v)));
  return { centroids, index, rounds };
}

/** Index of the centroid nearest `v` (ascending centroids; ties to the lower index). */
function nearest(c: Float32Array, v: number): number {
  let lo = 0, hi = c.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (v <= (c[mid] + c[mid + 1]) / 2) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

export interface ClusterOptions {
  /** Index bits b (1..8, k = 2^b centroids) for every layer not in `perLayer`; default 5. */
  bits?: number;
  perLayer?: Record<string, number>;
  /** Default "linear". */
  init?: CentroidInit;
  /** One codebook per output channel (row of dims[0]) instead of one per layer. */
  perChannel?: boolean;
  /** Random init; fine-tuning order. Default 1. */
  seed?: number;
  /** Training samples for trained quantization (fine-tuning of the centroids). */
  data?: Labeled;
  /** Validation set (default: a seeded 10% split of `data` when fine-tuning). */
  val?: Labeled;
  /** Epochs of trained quantization; default 1 with `data`. */
  finetuneEpochs?: number;
  augment?: FitOptions["augment"];
  batch?: number;
  /** Default SGD lr 0.001, momentum 0.9 (a centroid's gradient sums those of its whole cluster). */
  optimizer?: OptimizerConfig;
  progress?: boolean;
}

export interface ClusterLayerStats {
  name: string;
  op: string;
  weight: string;
  params: number;
  /** Surviving (non-zero) weights, unchanged by clustering. */
  nonzero: number;
  bits: number;
  /** Codebooks (1, or the rows with perChannel) and the centroids in use over all of them. */
  codebooks: number;
  centroids: number;
  /** Mean squared change of the surviving weights by clustering (before fine-tuning). */
  mse: number;
}

export interface ClusterResult {
  graph: Graph;
  /** The clustered graph before trained quantization (k-means centroids). */
  clustered: Graph;
  layers: ClusterLayerStats[];
  valAccuracyBefore?: number;
  /** After clustering, before fine-tuning. */
  valAccuracyClustered?: number;
  valAccuracy?: number;
}

function checkBits(v: number, what: string): void {
  if (!(Number.isInteger(v) && v >= 1 && v <= 8)) throw new InputError(`${what} must be an integer in 1..8, got ${v}`);
}

/** Clusters the weights of `g` in place (no training); returns the per-layer statistics. */
export function clusterWeights(g: Graph, o: ClusterOptions = {}): ClusterLayerStats[] {
  const bits = o.bits ?? 5, per = o.perLayer ?? {}, init = o.init ?? "linear";
  checkBits(bits, "bits");
  const layers = prunableLayers(g);
  checkLayerNames(Object.keys(per), layers.map((l) => l.name), "perLayer");
  for (const [k, v] of Object.entries(per)) checkBits(v, `bits of layer "${k}"`);
  if (!CENTROID_INITS.includes(init)) throw new InputError(`init must be ${CENTROID_INITS.join(", ")}, got ${JSON.stringify(init)}`);
  return layers.map((l) => {
    const t = g.tensors.get(l.weight)!, d = Float32Array.from(t.data!), b = per[l.name] ?? bits;
    const books = o.perChannel ? t.shape[0] : 1, len = d.length / books;
    let nonzero = 0, centroids = 0, sq = 0;
    for (let r = 0; r < books; r++) {
      const row = d.subarray(r * len, (r + 1) * len), alive = row.filter((v) => v !== 0);
      if (!alive.length) continue;
      const km = kmeans1d(alive, 2 ** b, init, (o.seed ?? 1) + r);
      let at = 0;
      for (let i = 0; i < row.length; i++) {
        if (row[i] === 0) continue;
        const c = km.centroids[km.index[at++]];
        sq += (c - row[i]) ** 2;
        row[i] = c;
      }
      nonzero += alive.length;
      centroids += new Set(km.index).size;
    }
    t.data = d;
    t.indexBits = b;
    t.codebookPerRow = books > 1 || undefined;
    if (t.encoding !== "huffman") t.encoding = "codebook";
    return { ...l, params: d.length, nonzero, bits: b, codebooks: books, centroids, mse: nonzero ? sq / nonzero : 0 };
  });
}

/** Clusters a copy of `input`; with `data`, trains the centroids (trained quantization). */
export async function cluster(input: Graph, o: ClusterOptions = {}): Promise<ClusterResult> {
  const epochs = o.finetuneEpochs ?? (o.data ? 1 : 0), seed = o.seed ?? 1;
  if (!Number.isInteger(epochs) || epochs < 0) throw new InputError(`finetuneEpochs must be an integer ≥ 0, got ${epochs}`);
  if (epochs > 0 && !o.data) throw new InputError(`finetuneEpochs ${epochs} needs data`);
  const g = structuredClone(input), layers = clusterWeights(g, o);
  const sets = o.data && !o.val && epochs > 0 ? split(o.data, 0.1, seed) : { train: o.data, val: o.val };
  const val = sets.val;
  const before = val ? await accuracy(input, val) : undefined, clustered = val ? await accuracy(g, val) : undefined;
  if (!epochs) return { graph: g, clustered: g, layers, valAccuracyBefore: before, valAccuracyClustered: clustered, valAccuracy: clustered };
  const r = await retrain(g, sets.train!, {
    epochs, batch: o.batch, seed, val, progress: o.progress, label: "trained quantization", augment: o.augment,
    optimizer: o.optimizer ?? { kind: "sgd", lr: 0.001, momentum: 0.9 },
  });
  return { graph: r.graph, clustered: g, layers, valAccuracyBefore: before, valAccuracyClustered: clustered, valAccuracy: r.history[r.history.length - 1].valAccuracy };
}

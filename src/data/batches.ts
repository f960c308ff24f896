// Labelled samples as the trainer consumes them, and the seeded helpers over them: shuffle,
// train/validation split, subsets and mini-batches. Same seed, same order, on every machine.
import { InputError, ShapeError } from "../runtime/errors.js";
import { rng } from "../zoo/init.js";
import type { ImageSet } from "./mnist.js";

export interface Labeled {
  /** Features, sample after sample (row-major [n, ...sample]). */
  x: Float32Array;
  /** Class index of each sample (integers ≥ 0). */
  labels: Int32Array;
  n: number;
  /** Shape of one sample, e.g. [1, 28, 28] or [784]. */
  sample: number[];
  /** Where the samples came from, for messages. */
  source: string;
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Checks that features and labels agree and wraps them. */
export function labeled(x: Float32Array, labels: ArrayLike<number>, sample: readonly number[], source: string): Labeled {
  const per = numel(sample);
  if (per < 1 || x.length % per !== 0)
    throw new ShapeError(`${source}: ${x.length} values do not split into samples of shape [${sample.join(",")}] (${per} each)`);
  const n = x.length / per;
  if (labels.length !== n) throw new ShapeError(`${source}: ${labels.length} labels for ${n} samples`);
  const l = Int32Array.from(labels);
  l.forEach((v, i) => {
    if (!Number.isInteger(labels[i]) || v < 0) throw new InputError(`${source}: label ${labels[i]} of sample ${i} is not a class index ≥ 0`);
  });
  return { x, labels: l, n, sample: [...sample], source };
}

export const fromImageSet = (s: ImageSet): Labeled => labeled(s.images, s.labels, s.sample, s.source);

/** A seeded permutation of 0..n-1 (Fisher–Yates over mulberry32). */
export function permutation(n: number, seed: number): Uint32Array {
  const p = Uint32Array.from({ length: n }, (_, i) => i), r = rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = Math.floor(r(0, i + 1));
    [p[i], p[j]] = [p[j], p[i]];
  }
  return p;
}

/** The samples at `indices`, in that order. */
export function subset(set: Labeled, indices: ArrayLike<number>, source = set.source): Labeled {
  const per = numel(set.sample), x = new Float32Array(indices.length * per), labels = new Int32Array(indices.length);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!(i >= 0 && i < set.n)) throw new InputError(`${set.source}: sample index ${i} is outside 0..${set.n - 1}`);
    x.set(set.x.subarray(i * per, (i + 1) * per), k * per);
    labels[k] = set.labels[i];
  }
  return { x, labels, n: indices.length, sample: [...set.sample], source };
}

/** The first `count` samples (all when count ≥ n). */
export const head = (set: Labeled, count: number): Labeled =>
  count >= set.n ? set : subset(set, Uint32Array.from({ length: count }, (_, i) => i));

/** A seeded split: `fraction` of the samples (rounded) go to validation, the rest to training. */
export function split(set: Labeled, fraction: number, seed: number): { train: Labeled; val: Labeled } {
  if (!(fraction >= 0 && fraction < 1)) throw new InputError(`validation fraction must be in [0, 1), got ${fraction}`);
  const nVal = Math.round(set.n * fraction);
  if (set.n - nVal < 1) throw new InputError(`${set.source}: ${set.n} samples leave none for training after a ${fraction} validation split`);
  const p = permutation(set.n, seed);
  return {
    train: subset(set, p.subarray(nVal), `${set.source} (train split)`),
    val: subset(set, p.subarray(0, nVal), `${set.source} (validation split)`),
  };
}

export interface Batch {
  x: Float32Array;
  labels: Int32Array;
  n: number;
  /** Position in the set of each sample (e.g. to look up cached teacher outputs). */
  index: Int32Array;
}

/**
 * Mini-batches of `size` over `set` in `order` (default: as stored); the last may be smaller.
 * The yielded arrays are reused between batches: copy what you keep.
 */
export function* batches(set: Labeled, size: number, order?: ArrayLike<number>): Generator<Batch> {
  if (!Number.isInteger(size) || size < 1) throw new InputError(`batch size must be a positive integer, got ${size}`);
  const per = numel(set.sample), x = new Float32Array(size * per), labels = new Int32Array(size), index = new Int32Array(size);
  for (let start = 0; start < set.n; start += size) {
    const n = Math.min(size, set.n - start);
    for (let k = 0; k < n; k++) index[k] = order ? order[start + k] : start + k;
    if (!order) {
      yield { x: set.x.subarray(start * per, (start + n) * per), labels: set.labels.subarray(start, start + n), n, index: index.subarray(0, n) };
      continue;
    }
    for (let k = 0; k < n; k++) {
      const i = index[k];
      x.set(set.x.subarray(i * per, (i + 1) * per), k * per);
      labels[k] = set.labels[i];
    }
    yield { x: x.subarray(0, n * per), labels: labels.subarray(0, n), n, index: index.subarray(0, n) };
  }
}

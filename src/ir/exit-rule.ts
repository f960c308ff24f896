// The early-exit confidence rule of docs/FORMAT.md §8, in f64: the reference the runtime is
// tested against and what the early-exit pass calibrates thresholds with.
import type { Exit } from "./graph.js";

/** Max-softmax or entropy (nats) of one sample's C values. */
export function confidence(rule: Exit["rule"], v: ArrayLike<number>, values: Exit["values"] = "logits"): number {
  const c = v.length;
  if (values === "probs") {
    let max = -Infinity, h = 0;
    for (let i = 0; i < c; i++) {
      const p = v[i];
      if (p !== p) return NaN;
      if (p > max) max = p;
      if (p > 0) h -= p * Math.log(p);
    }
    return rule === "maxprob" ? max : h;
  }
  let m = -Infinity;
  for (let i = 0; i < c; i++) if (v[i] > m) m = v[i]; // a NaN makes s NaN below
  let s = 0, zs = 0;
  for (let i = 0; i < c; i++) {
    const d = v[i] - m, e = Math.exp(d);
    s += e;
    if (e > 0) zs += d * e;
  }
  return rule === "maxprob" ? 1 / s : Math.log(s) - zs / s;
}

/** Whether the rule stops a sample of confidence `conf` at `threshold` (NaN never does). */
export const fires = (rule: Exit["rule"], conf: number, threshold: number): boolean =>
  rule === "maxprob" ? conf >= threshold : conf <= threshold;

/** The class sample `s` of a [N, c] row-major score array predicts (first maximum). */
export function argmax(z: ArrayLike<number>, s: number, c: number): number {
  let b = 0;
  for (let j = 1; j < c; j++) if (z[s * c + j] > z[s * c + b]) b = j;
  return b;
}

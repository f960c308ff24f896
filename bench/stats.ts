// Order statistics and the timing loop shared by every measurement.
import type { Session } from "./peers/peer.js";

/** The q-quantile (0..1) by nearest rank of an unsorted sample. */
export function quantile(xs: readonly number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(q * s.length) - 1))];
}

export const median = (xs: readonly number[]): number => quantile(xs, 0.5);

export interface Timing {
  medianMs: number;
  p90Ms: number;
  iterations: number;
  /** Time spent warming up before the measured runs. */
  warmupMs: number;
}

/** Warm-up stops when 2 windows in a row fail to beat the best window median by this factor. */
const SETTLED = 0.97;
/** Warm-up gives up this long after `minWarmupMs` (noisy machines keep "improving"). */
const WARMUP_EXTRA_MS = 3000;

/**
 * Times `session.run` one call at a time. V8 runs wasm in a baseline tier first and optimises
 * hot functions in the background (onnxruntime-web's 14 MB module needs over a second on 2
 * cores), so it first warms up for at least `minWarmupMs` and until the median of windows of
 * ≥ 3 runs and ≥ 100 ms stops improving, then runs until both the budget and `minIterations`
 * are spent.
 */
export async function timeRuns(session: Session, data: Float32Array, shape: readonly number[], budgetMs: number, minIterations: number, minWarmupMs: number): Promise<Timing> {
  const once = async (): Promise<number> => {
    const t = performance.now();
    const r = session.run(data, shape);
    if (r instanceof Promise) await r;
    return performance.now() - t;
  };
  const warm = performance.now();
  for (let best = Infinity, stale = 0; (stale < 2 || performance.now() - warm < minWarmupMs) && performance.now() - warm < minWarmupMs + WARMUP_EXTRA_MS;) {
    const window: number[] = [];
    const start = performance.now();
    while (window.length < 3 || performance.now() - start < 100) window.push(await once());
    const m = median(window);
    if (m < best * SETTLED) [best, stale] = [m, 0];
    else stale++;
  }
  const warmupMs = performance.now() - warm;
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minIterations || performance.now() - start < budgetMs) times.push(await once());
  return { medianMs: median(times), p90Ms: quantile(times, 0.9), iterations: times.length, warmupMs };
}

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
}

/**
 * Times `session.run` one call at a time: warm-up for a tenth of the budget (at least 3 runs),
 * then runs until both the budget and `minIterations` are spent.
 */
export async function timeRuns(session: Session, data: Float32Array, shape: readonly number[], budgetMs: number, minIterations: number): Promise<Timing> {
  const once = async (): Promise<number> => {
    const t = performance.now();
    const r = session.run(data, shape);
    if (r instanceof Promise) await r;
    return performance.now() - t;
  };
  const warm = performance.now();
  for (let i = 0; i < 3 || performance.now() - warm < budgetMs / 10; i++) await once();
  const times: number[] = [];
  const start = performance.now();
  while (times.length < minIterations || performance.now() - start < budgetMs) times.push(await once());
  return { medianMs: median(times), p90Ms: quantile(times, 0.9), iterations: times.length };
}

// Learning-rate schedules, evaluated per optimizer step: constant, step decay (×gamma every
// `every` epochs), cosine annealing to minLr (Loshchilov & Hutter 2017); each with an optional
// linear warm-up over the first `warmup` epochs (Goyal et al. 2017).
import { InputError } from "../runtime/errors.js";

export type ScheduleConfig =
  | { kind: "constant"; warmup?: number }
  | { kind: "step"; every: number; gamma?: number; warmup?: number }
  | { kind: "cosine"; minLr?: number; warmup?: number };

export type Schedule = (step: number) => number;

/** lr at optimizer step t (0-based) for `epochs` epochs of `stepsPerEpoch` steps. */
export function schedule(c: ScheduleConfig, lr: number, epochs: number, stepsPerEpoch: number): Schedule {
  const bad = (msg: string): never => {
    throw new InputError(`schedule ${c.kind}: ${msg}`);
  };
  const warm = Math.round((c.warmup ?? 0) * stepsPerEpoch), total = epochs * stepsPerEpoch;
  if (!(c.warmup === undefined || c.warmup >= 0) || warm > total) bad(`warmup must be in [0, epochs], got ${c.warmup}`);
  let after: Schedule;
  switch (c.kind) {
    case "constant":
      after = () => lr;
      break;
    case "step": {
      const gamma = c.gamma ?? 0.1;
      if (!(c.every >= 1)) bad(`every must be ≥ 1 epoch, got ${c.every}`);
      if (!(gamma > 0 && gamma <= 1)) bad(`gamma must be in (0, 1], got ${gamma}`);
      after = (t) => lr * gamma ** Math.floor(t / stepsPerEpoch / c.every);
      break;
    }
    case "cosine": {
      const min = c.minLr ?? 0;
      if (!(min >= 0 && min <= lr)) bad(`minLr must be in [0, lr], got ${min}`);
      const span = Math.max(1, total - warm);
      after = (t) => min + (lr - min) * 0.5 * (1 + Math.cos((Math.PI * Math.min(t - warm, span)) / span));
      break;
    }
    default:
      return bad(`kind must be constant, step or cosine`);
  }
  return (t) => (t < warm ? (lr * (t + 1)) / warm : after(t));
}

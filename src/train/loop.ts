// fit(): epochs of seeded shuffled mini-batches (the incomplete last batch is dropped, so every
// step has the planned batch), an optional seeded validation split, the learning-rate schedule,
// a progress bar on stderr (loss, accuracy, samples/s, ETA) and the per-epoch history.
import { progress } from "../cli/progress.js";
import { batches, permutation, split, type Labeled } from "../data/batches.js";
import { InputError } from "../runtime/errors.js";
import { schedule, type ScheduleConfig } from "./schedule.js";
import type { Trainer } from "./trainer.js";

export interface FitOptions {
  epochs: number;
  /** Shuffling (epoch e uses seed + e) and the validation split; default 1. */
  seed?: number;
  /** Fraction of `data` held out for validation (0 = none, the default). */
  valSplit?: number;
  /** Or an explicit validation set. */
  val?: Labeled;
  schedule?: ScheduleConfig;
  /** Augments each shuffled batch in place (e.g. data/augment.ts jitter) before the step and the teacher see it. */
  augment?: (x: Float32Array, n: number, seed: number) => void;
  /** Teacher logits for a batch ([n, classes]) for distillation losses: `x` as augmented, `index`
   *  the samples' positions in the training set (for outputs cached when there is no augmentation). */
  teacher?: (x: Float32Array, n: number, index: Int32Array) => Float32Array;
  /** Show the progress bar on stderr (default true; it is silent when stderr is no terminal). */
  progress?: boolean;
  /** Prefix of the progress bar's label (e.g. "step 2/5"). */
  label?: string;
  onEpoch?: (e: EpochStats) => void;
}

export interface EpochStats {
  epoch: number;
  /** Mean training loss over the epoch's steps. */
  loss: number;
  trainAccuracy: number;
  /** Undefined without a validation set. */
  valAccuracy?: number;
  valLoss?: number;
  samplesPerSecond: number;
  seconds: number;
  /** Learning rate of the epoch's last step. */
  lr: number;
}

export function fit(trainer: Trainer, data: Labeled, o: FitOptions): EpochStats[] {
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new InputError(`epochs must be a positive integer, got ${o.epochs}`);
  const seed = o.seed ?? 1;
  const { train, val } = o.val || !o.valSplit ? { train: data, val: o.val } : split(data, o.valSplit, seed);
  const B = trainer.batch, steps = Math.floor(train.n / B);
  if (steps < 1) throw new InputError(`${train.source}: ${train.n} training samples are fewer than one batch of ${B}`);
  const lrAt = schedule(o.schedule ?? { kind: "constant" }, trainer.optimizer.config.lr, o.epochs, steps);
  const history: EpochStats[] = [];
  for (let epoch = 1; epoch <= o.epochs; epoch++) {
    const bar = o.progress === false ? undefined : progress(`${o.label ? `${o.label} ` : ""}epoch ${epoch}/${o.epochs}`, steps * B);
    const t0 = performance.now();
    let loss = 0, correct = 0, done = 0;
    for (const b of batches(train, B, permutation(train.n, seed + epoch))) {
      if (b.n < B) break;
      trainer.lr = lrAt((epoch - 1) * steps + done / B);
      o.augment?.(b.x, b.n, seed * 1_000_003 + (epoch - 1) * steps + done / B);
      const r = trainer.step(b.x, b.labels, o.teacher?.(b.x, b.n, b.index));
      loss += r.loss;
      correct += r.correct;
      done += B;
      const rate = done / ((performance.now() - t0) / 1000);
      bar?.update(done, `loss ${(loss / (done / B)).toFixed(4)} acc ${((100 * correct) / done).toFixed(2)}% | ${Math.round(rate)} samples/s`);
    }
    const seconds = (performance.now() - t0) / 1000;
    bar?.stop();
    const v = val && val.n ? trainer.evaluate(val.x, val.labels) : undefined;
    const stats: EpochStats = {
      epoch, loss: loss / steps, trainAccuracy: correct / done, valAccuracy: v?.accuracy, valLoss: v?.loss,
      samplesPerSecond: done / seconds, seconds, lr: trainer.lr,
    };
    history.push(stats);
    o.onEpoch?.(stats);
  }
  return history;
}

// Knowledge distillation (Hinton, Vinyals & Dean 2015): a student learns the soft targets of a
// teacher at temperature T, loss = α·T²·CE(softmax(z_s/T), softmax(z_t/T)) + (1−α)·CE(labels);
// or mimics the teacher's logits by L2 regression (Ba & Caruana 2014, `loss: "mimic"`).
// The teacher is any graph the runtime runs, or several: an ensemble's targets are its members'
// softmax outputs at T averaged (for mimic: their logits averaged). The trainer's distill loss
// takes teacher logits, so an ensemble is handed over as T·log(mean p), whose softmax at T is
// exactly the mean p. Teachers run in the SIMD runtime; without augmentation their outputs are
// computed once for the whole training set, with augmentation on every batch as augmented.
import { imageJitter } from "../data/augment.js";
import { split, type Labeled } from "../data/batches.js";
import { writeSlim } from "../format/writer.js";
import { numel, type Graph } from "../ir/graph.js";
import { InputError } from "../runtime/errors.js";
import { Model } from "../runtime/model.js";
import { fit, type EpochStats } from "../train/loop.js";
import type { OptimizerConfig } from "../train/optim.js";
import type { ScheduleConfig } from "../train/schedule.js";
import { Trainer } from "../train/trainer.js";

export interface DistillOptions {
  data: Labeled;
  /** Validation set (default: a seeded 10% split of `data`; 0 samples with `valSplit: 0`). */
  val?: Labeled;
  valSplit?: number;
  /** "kd" (soft targets at T, the default) or "mimic" (L2 on logits). */
  loss?: "kd" | "mimic";
  /** Default 4. */
  temperature?: number;
  /** Weight of the soft-target term (default 0.9); 1 − alpha goes to the hard labels. */
  alpha?: number;
  epochs: number;
  batch?: number;
  /** Default SGD lr 0.01, momentum 0.9. */
  optimizer?: OptimizerConfig;
  schedule?: ScheduleConfig;
  /** Shift the training images by up to this many pixels (teachers then run on every batch). */
  jitter?: number;
  seed?: number;
  progress?: boolean;
  onEpoch?: (e: EpochStats) => void;
}

export interface DistillResult {
  graph: Graph;
  history: EpochStats[];
  /** Validation accuracy of the teacher targets' argmax (the ensemble's, for several teachers). */
  teacherValAccuracy?: number;
}

/** Logits for a batch as the trainer's loss wants them: one teacher's logits, or an ensemble's combined targets. */
export type TeacherFn = (x: Float32Array, n: number) => Float32Array;

/** Loads the teachers into the runtime and returns their combined targets (see the header). */
export async function teacherTargets(teachers: readonly Graph[], student: Graph, loss: "kd" | "mimic", T: number): Promise<TeacherFn> {
  if (!teachers.length) throw new InputError(`distill needs at least one teacher`);
  const per = numel(student.tensors.get(student.inputs[0])!.shape), classes = numel(student.tensors.get(student.outputs[0])!.shape);
  const models = await Promise.all(teachers.map(async (t) => {
    const inN = numel(t.tensors.get(t.inputs[0])!.shape), outN = numel(t.tensors.get(t.outputs[0])!.shape);
    if (inN !== per || outN !== classes)
      throw new InputError(`teacher ${t.name} maps ${inN} values to ${outN} classes; the student ${student.name} maps ${per} to ${classes}`);
    if (!t.batchDynamic) throw new InputError(`teacher ${t.name} has a fixed batch; distillation runs it on batches`);
    return { model: await Model.load(writeSlim(t)), input: t.inputs[0], output: t.outputs[0], shape: t.tensors.get(t.inputs[0])!.shape };
  }));
  const logits = (m: (typeof models)[number], x: Float32Array, n: number) => m.model.run({ [m.input]: { data: x, shape: [n, ...m.shape.slice(1)] } })[m.output].data;
  if (models.length === 1) return (x, n) => logits(models[0], x, n).slice();
  return (x, n) => {
    const out = new Float32Array(n * classes);
    for (const m of models) {
      const z = logits(m, x, n);
      for (let s = 0; s < n; s++) {
        const row = z.subarray(s * classes, (s + 1) * classes);
        if (loss === "mimic") {
          for (let j = 0; j < classes; j++) out[s * classes + j] += row[j] / models.length;
          continue;
        }
        let max = -Infinity, sum = 0;
        for (const v of row) max = Math.max(max, v);
        for (const v of row) sum += Math.exp((v - max) / T);
        for (let j = 0; j < classes; j++) out[s * classes + j] += Math.exp((row[j] - max) / T) / sum / models.length;
      }
    }
    if (loss === "kd") for (let i = 0; i < out.length; i++) out[i] = T * Math.log(out[i]);
    return out;
  };
}

/** Targets for every sample of `set`, in batches of `batch`. */
function cacheTargets(f: TeacherFn, set: Labeled, batch: number): Float32Array[] {
  const per = numel(set.sample), out: Float32Array[] = [];
  for (let s = 0; s < set.n; s += batch) {
    const n = Math.min(batch, set.n - s), z = f(set.x.subarray(s * per, (s + n) * per), n), c = z.length / n;
    for (let k = 0; k < n; k++) out.push(z.slice(k * c, (k + 1) * c));
  }
  return out;
}

/** Trains a copy of `student` on the teachers' targets; returns the trained graph and its history. */
export async function distill(student: Graph, teachers: readonly Graph[], o: DistillOptions): Promise<DistillResult> {
  const loss = o.loss ?? "kd", T = o.temperature ?? 4, alpha = o.alpha ?? 0.9, seed = o.seed ?? 1;
  if (loss !== "kd" && loss !== "mimic") throw new InputError(`distill loss must be kd or mimic, got ${JSON.stringify(loss)}`);
  if (!(T > 0 && Number.isFinite(T))) throw new InputError(`temperature must be a number > 0, got ${T}`);
  if (!(alpha >= 0 && alpha <= 1)) throw new InputError(`alpha must be in [0, 1], got ${alpha}`);
  const f = await teacherTargets(teachers, student, loss, T);
  const valSplit = o.valSplit ?? 0.1;
  const { train, val } = o.val ? { train: o.data, val: o.val } : valSplit ? split(o.data, valSplit, seed) : { train: o.data, val: undefined };
  const augment = o.jitter ? imageJitter(student, o.jitter) : undefined;
  const cached = augment ? undefined : cacheTargets(f, train, 256);
  const classes = numel(student.tensors.get(student.outputs[0])!.shape);
  const teacher = cached
    ? (_x: Float32Array, n: number, index: Int32Array) => {
      const z = new Float32Array(n * classes);
      for (let k = 0; k < n; k++) z.set(cached[index[k]], k * classes);
      return z;
    }
    : f;
  const trainer = await Trainer.create(student, {
    batch: o.batch, optimizer: o.optimizer ?? { kind: "sgd", lr: 0.01, momentum: 0.9 },
    loss: loss === "kd" ? { kind: "distill", T, alpha } : { kind: "mimic" },
  });
  const history = fit(trainer, train, { epochs: o.epochs, seed, val, schedule: o.schedule, augment, teacher, progress: o.progress, onEpoch: o.onEpoch, label: "distill" });
  let teacherValAccuracy: number | undefined;
  if (val) {
    const z = cacheTargets(f, val, 256);
    teacherValAccuracy = z.filter((row, i) => row.indexOf(Math.max(...row)) === val.labels[i]).length / val.n;
  }
  return { graph: trainer.toGraph(), history, teacherValAccuracy };
}

// slimnet train --arch NAME --data mnist|DIR|FILE.csv --epochs N -o OUT.onnx|OUT.slim: trains a
// zoo model in trainer.wasm, prints one row per epoch, folds it (BatchNormalization, Dropout)
// and saves it; the saved model is what the final test accuracy is measured on (in the runtime).
import { extname } from "node:path";
import { imageJitter } from "../../data/augment.js";
import { fromImageSet, head, type Labeled } from "../../data/batches.js";
import { readCsv } from "../../data/csv.js";
import { loadImageSet } from "../../data/mnist.js";
import { exportOnnx } from "../../export/onnx.js";
import { writeSlim } from "../../format/writer.js";
import { numel } from "../../ir/graph.js";
import { fold } from "../../passes/fold.js";
import { InputError } from "../../runtime/errors.js";
import { Model } from "../../runtime/model.js";
import { fit } from "../../train/loop.js";
import type { OptimizerConfig } from "../../train/optim.js";
import type { ScheduleConfig } from "../../train/schedule.js";
import { Trainer } from "../../train/trainer.js";
import { ZOO } from "../../zoo/index.js";
import { intOption, printJson, type Command, type Values } from "../command.js";
import { writeBytes } from "../models.js";
import { evaluateModel } from "./eval.js";
import { bytes, table } from "../table.js";

export const numberOption = (values: Values, name: string, fallback: number, ok: (v: number) => boolean, what: string): number => {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const v = String(raw).trim() === "" ? NaN : Number(raw); // Number("") is 0
  if (!ok(v)) throw new InputError(`--${name} takes ${what}, got "${raw}"`);
  return v;
};

export function choice<T extends string>(values: Values, name: string, allowed: readonly T[]): T {
  const v = (values[name] ?? allowed[0]) as T;
  if (!allowed.includes(v)) throw new InputError(`--${name} takes ${allowed.join(" or ")}, got "${v}"`);
  return v;
}

/** Training samples, and the test samples when the data set has a test split. */
function loadData(spec: string, limit: number | undefined): { train: Labeled; test?: Labeled } {
  if (extname(spec).toLowerCase() === ".csv") return { train: head(readCsv(spec), limit ?? Infinity) };
  const train = fromImageSet(loadImageSet(spec, "train"));
  const test = fromImageSet(loadImageSet(spec, "test"));
  return { train: limit ? head(train, limit) : train, test };
}

const pct = (v: number | undefined): string => (v === undefined ? "—" : `${(100 * v).toFixed(2)}%`);

export const train: Command = {
  name: "train",
  summary: "train a zoo model on MNIST (or an IDX folder, or a numeric CSV) in trainer.wasm and save it",
  usage: "--arch NAME --data mnist|DIR|FILE.csv --epochs N -o OUT.onnx|OUT.slim [--batch 64] [--lr LR] " +
    "[--optimizer sgd|adam] [--momentum 0.9] [--weight-decay 0] [--schedule constant|cosine|step] [--warmup EPOCHS] [--jitter PX] [--seed S] [--val 0.1] [--limit N] [--json]",
  options: {
    arch: { type: "string" },
    data: { type: "string" },
    epochs: { type: "string" },
    batch: { type: "string" },
    lr: { type: "string" },
    optimizer: { type: "string" },
    momentum: { type: "string" },
    "weight-decay": { type: "string" },
    schedule: { type: "string" },
    warmup: { type: "string" },
    jitter: { type: "string" },
    seed: { type: "string" },
    val: { type: "string" },
    limit: { type: "string" },
    out: { type: "string", short: "o" },
    json: { type: "boolean" },
  },
  async run(values, positionals) {
    if (positionals.length) throw new InputError(`train takes no positional arguments, got ${positionals.join(" ")}; usage: slimnet train ${this.usage}`);
    const arch = values.arch, data = values.data, out = values.out;
    if (typeof arch !== "string" || !ZOO[arch]) throw new InputError(`--arch takes one of ${Object.keys(ZOO).join(", ")}${typeof arch === "string" ? `, got "${arch}"` : ""}`);
    if (typeof data !== "string") throw new InputError(`train needs --data mnist (or an IDX folder or a .csv file); usage: slimnet train ${this.usage}`);
    if (typeof out !== "string" || !/\.(onnx|slim)$/i.test(out)) throw new InputError(`train needs -o OUT.onnx or -o OUT.slim`);
    if (values.epochs === undefined) throw new InputError(`train needs --epochs N`);
    const epochs = intOption(values, "epochs", 1), batch = intOption(values, "batch", 64);
    const seed = numberOption(values, "seed", 1, Number.isInteger, "an integer");
    const val = numberOption(values, "val", 0.1, (v) => v >= 0 && v < 1, "a fraction in [0, 1)");
    const kind = choice(values, "optimizer", ["sgd", "adam"] as const);
    const lr = numberOption(values, "lr", kind === "sgd" ? 0.01 : 0.001, (v) => v > 0 && Number.isFinite(v), "a number > 0");
    const warmup = numberOption(values, "warmup", 0, (v) => v >= 0, "a number of epochs ≥ 0");
    const sched = choice(values, "schedule", ["constant", "cosine", "step"] as const);
    const schedule: ScheduleConfig = sched === "step" ? { kind: "step", every: Math.max(1, Math.ceil(epochs / 3)), warmup } : { kind: sched, warmup };
    const weightDecay = numberOption(values, "weight-decay", 0, (v) => v >= 0 && Number.isFinite(v), "a number ≥ 0");
    const momentum = numberOption(values, "momentum", 0.9, (v) => v >= 0 && v < 1, "a number in [0, 1)");
    const optimizer: OptimizerConfig = kind === "sgd" ? { kind, lr, momentum, weightDecay } : { kind, lr, weightDecay };

    const graph = ZOO[arch](seed);
    const { train: all, test } = loadData(data, values.limit === undefined ? undefined : intOption(values, "limit", 1));
    const per = numel(graph.tensors.get(graph.inputs[0])!.shape);
    if (numel(all.sample) !== per)
      throw new InputError(`--arch ${arch} takes ${per} values per sample; ${all.source} has ${numel(all.sample)} ([${all.sample.join(",")}])`);
    const classes = numel(graph.tensors.get(graph.outputs[0])!.shape);
    const maxLabel = all.labels.reduce((a, b) => Math.max(a, b), 0);
    if (maxLabel >= classes) throw new InputError(`${all.source}: label ${maxLabel} is outside the ${classes} classes of ${arch}`);

    const trainer = await Trainer.create(graph, { batch, optimizer });
    if (!values.json) console.log(`slimnet train: ${arch} on ${all.source}, ${epochs} epoch(s), batch ${batch}, ${kind} lr ${lr}${weightDecay ? ` weight decay ${weightDecay}` : ""}, ${sched} schedule, seed ${seed}`);
    const jitter = numberOption(values, "jitter", 0, (v) => Number.isInteger(v) && v >= 0, "a whole number of pixels ≥ 0");
    const history = fit(trainer, all, { epochs, seed, valSplit: val, schedule, augment: jitter ? imageJitter(graph, jitter) : undefined });

    const deployed = trainer.toGraph();
    fold(deployed);
    const file = /\.onnx$/i.test(out) ? exportOnnx(deployed) : writeSlim(deployed);
    writeBytes(out, file);
    let testResult: { n: number; correct: number; accuracy: number } | undefined;
    if (test) {
      const model = await Model.load(writeSlim(deployed));
      const r = evaluateModel(model, { images: test.x, labels: Uint8Array.from(test.labels), n: test.n, sample: test.sample, source: test.source }, test.n, 64);
      testResult = { n: r.n, correct: r.correct, accuracy: r.accuracy };
    }
    if (values.json) {
      printJson({ arch, data: all.source, epochs: history, test: testResult, output: out, outputBytes: file.length });
      return;
    }
    console.log(table(["epoch", "loss", "train acc", "val acc", "samples/s", "seconds"], history.map((e) => [
      e.epoch, e.loss.toFixed(4), pct(e.trainAccuracy), pct(e.valAccuracy), e.samplesPerSecond, e.seconds.toFixed(1),
    ])));
    if (testResult) console.log(`test accuracy (deployed model in the runtime, ${testResult.n.toLocaleString("en-US")} images): ${pct(testResult.accuracy)}`);
    console.log(`saved ${out} (${bytes(file.length)}, folded for deployment)`);
  },
};

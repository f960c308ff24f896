// slimnet eval FILE --data mnist: top-1 accuracy on the test split and latency in the runtime.
import { checkSampleFits, loadImageSet, type ImageSet } from "../../data/mnist.js";
import { InputError, ShapeError } from "../../runtime/errors.js";
import type { Model } from "../../runtime/model.js";
import { intOption, onePositional, printJson, type Command } from "../command.js";
import { loadModel } from "../models.js";
import { progress } from "../progress.js";
import { int, table } from "../table.js";

export interface EvalResult {
  n: number;
  correct: number;
  /** 0..1 */
  accuracy: number;
  batch: number;
  /** Wall time of model.run per sample (input copy, inference, output copy). */
  msPerSample: number;
  /** Median wall time of one model.run call at this batch. */
  medianMsPerRun: number;
  backend: string;
}

/** Runs the first `limit` samples of `set` through `model` in batches; counts argmax hits. */
export function evaluateModel(model: Model, set: ImageSet, limit: number, batch: number): EvalResult {
  if (model.inputs.length !== 1) {
    throw new InputError(`eval needs a model with one image input, this one has ${model.inputs.length}: ${model.inputs.map((t) => t.name).join(", ")}`);
  }
  const input = model.inputs[0];
  const output = model.outputs[0];
  checkSampleFits(set, input.shape, input.name);
  if (!model.batchDynamic && batch !== 1) {
    throw new InputError(`--batch ${batch}: this model has a fixed batch (input "${input.name}" ${JSON.stringify(input.shape)}); use --batch 1`);
  }
  if (!model.batchDynamic && input.shape[0] !== 1) {
    throw new ShapeError(`input "${input.name}" has a fixed batch of ${input.shape[0]}; eval needs batch 1 or a batch-dynamic model`);
  }
  const n = Math.min(limit, set.n);
  const per = set.images.length / set.n;
  const bar = progress("eval", n);
  const times: number[] = [];
  let correct = 0;
  let total = 0;
  for (let start = 0; start < n; start += batch) {
    const b = Math.min(batch, n - start);
    const data = set.images.subarray(start * per, (start + b) * per);
    const t0 = performance.now();
    const out = model.run({ [input.name]: data })[output.name];
    const dt = performance.now() - t0;
    times.push(dt);
    total += dt;
    const classes = out.data.length / b;
    if (!Number.isInteger(classes)) throw new ShapeError(`output "${output.name}" ${JSON.stringify(out.shape)} does not split into ${b} samples`);
    for (let s = 0; s < b; s++) {
      let best = 0;
      for (let c = 1; c < classes; c++) if (out.data[s * classes + c] > out.data[s * classes + best]) best = c;
      if (best === set.labels[start + s]) correct++;
    }
    bar.update(start + b);
  }
  bar.stop();
  times.sort((a, b) => a - b);
  return {
    n,
    correct,
    accuracy: n === 0 ? 0 : correct / n,
    batch,
    msPerSample: n === 0 ? 0 : total / n,
    medianMsPerRun: times.length === 0 ? 0 : times[times.length >> 1],
    backend: model.backend,
  };
}

export function evalTable(r: EvalResult): string {
  return table(["samples", "correct", "accuracy", "batch", "ms/sample", "median ms/run", "runtime"], [[
    r.n, r.correct, `${(100 * r.accuracy).toFixed(2)}%`, r.batch, r.msPerSample.toFixed(4), r.medianMsPerRun.toFixed(4), r.backend,
  ]]);
}

export const evaluate: Command = {
  name: "eval",
  summary: "accuracy on the MNIST-like test set and latency in the wasm runtime",
  usage: "FILE --data mnist|DIR [--limit N] [--batch B] [--json]",
  options: {
    data: { type: "string" },
    limit: { type: "string" },
    batch: { type: "string" },
    json: { type: "boolean" },
  },
  async run(values, positionals) {
    const file = onePositional(this, positionals);
    const data = values.data;
    if (typeof data !== "string") throw new InputError(`eval needs --data mnist (or a folder of IDX files); usage: slimnet eval ${this.usage}`);
    const model = await loadModel(file);
    const set = loadImageSet(data, "test");
    const result = evaluateModel(model, set, intOption(values, "limit", set.n), intOption(values, "batch", 1));
    if (values.json) printJson({ model: file, data: set.source, ...result });
    else console.log(`${file} on ${int(result.n)} test images of ${set.source}\n${evalTable(result)}`);
  },
};

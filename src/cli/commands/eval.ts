// slimnet eval FILE --data mnist: top-1 accuracy on the test split and latency in the runtime;
// for a model with early exits also the exit histogram, accuracy per exit, average MACs and
// the accuracy/MACs curve over thresholds (table + SVG).
import { writeFileSync } from "node:fs";
import { checkSampleFits, loadImageSet, type ImageSet } from "../../data/mnist.js";
import { InputError, ShapeError } from "../../runtime/errors.js";
import type { Model, RunResult } from "../../runtime/model.js";
import { intOption, onePositional, printJson, type Command } from "../command.js";
import { argmax } from "../../ir/exit-rule.js";
import { curveSvg, curveTable, exitCurve, exitTable, type CurvePoint, type ExitStat } from "../exit-stats.js";
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
  /** MACs per sample actually executed (early exits included), and of the full network. */
  avgMacs: number;
  fullMacs: number;
  /** Models with early exits: each exit then "final", with the share of samples and their accuracy. */
  exits?: ExitStat[];
  /** `eval --curve`: accuracy and MACs over a sweep of thresholds. */
  curve?: CurvePoint[];
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
  let macs = 0;
  const E = model.exits.length, taken = new Array<number>(E + 1).fill(0), right = new Array<number>(E + 1).fill(0);
  for (let start = 0; start < n; start += batch) {
    const b = Math.min(batch, n - start);
    const data = set.images.subarray(start * per, (start + b) * per);
    const t0 = performance.now();
    const result = model.run({ [input.name]: data }) as RunResult;
    const dt = performance.now() - t0;
    const out = result[output.name];
    macs += result.macs;
    times.push(dt);
    total += dt;
    const classes = out.data.length / b;
    if (!Number.isInteger(classes)) throw new ShapeError(`output "${output.name}" ${JSON.stringify(out.shape)} does not split into ${b} samples`);
    for (let s = 0; s < b; s++) {
      const ok = argmax(out.data, s, classes) === set.labels[start + s] ? 1 : 0;
      correct += ok;
      taken[result.exit[s]]++;
      right[result.exit[s]] += ok;
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
    avgMacs: n === 0 ? 0 : macs / n,
    fullMacs: model.macs,
    ...(E ? {
      exits: [...model.exits.map((e) => ({ name: e.name, macs: e.macs })), { name: "final", macs: model.finalMacs }]
        .map((e, k) => ({ ...e, fraction: n ? taken[k] / n : 0, accuracy: taken[k] ? right[k] / taken[k] : 0 })),
    } : {}),
  };
}

export function evalTable(r: EvalResult): string {
  const main = table(["samples", "correct", "accuracy", "batch", "ms/sample", "median ms/run", "avg MACs", "runtime"], [[
    r.n, r.correct, `${(100 * r.accuracy).toFixed(2)}%`, r.batch, r.msPerSample.toFixed(4), r.medianMsPerRun.toFixed(4),
    r.avgMacs === r.fullMacs ? int(Math.round(r.avgMacs)) : `${int(Math.round(r.avgMacs))} (${(r.fullMacs / r.avgMacs).toFixed(2)}× fewer)`, r.backend,
  ]]);
  const parts = [main];
  if (r.exits) parts.push(`exits (full network ${int(r.fullMacs)} MACs)`, exitTable(r.exits, r.fullMacs));
  if (r.curve) parts.push("accuracy vs MACs over thresholds", curveTable(r.curve, r.fullMacs));
  return parts.join("\n");
}

export const evaluate: Command = {
  name: "eval",
  summary: "accuracy on the MNIST-like test set and latency in the wasm runtime",
  usage: "FILE --data mnist|DIR [--limit N] [--batch B] [--no-curve] [--svg FILE] [--json]",
  options: {
    "no-curve": { type: "boolean" },
    svg: { type: "string" },
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
    if (model.exits.length && !values["no-curve"]) {
      result.curve = exitCurve(model, set, result.n, model.batchDynamic ? 100 : 1);
      const svg = typeof values.svg === "string" ? values.svg : file.replace(/(\.slim)?$/, ".exits.svg");
      writeFileSync(svg, curveSvg(result.curve, result.fullMacs, `${file}: accuracy vs MACs over exit thresholds`));
      if (!values.json) console.error(`curve: ${svg}`);
    }
    if (values.json) printJson({ model: file, data: set.source, ...result });
    else console.log(`${file} on ${int(result.n)} test images of ${set.source}\n${evalTable(result)}`);
  },
};

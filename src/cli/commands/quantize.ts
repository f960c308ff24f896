// slimnet quantize IN -o OUT [--data mnist] [--calib 1000] [--method minmax|percentile] [--dynamic]
// [--exclude a,b] [--qat-epochs E] [--f16]: int8 weights with calibrated u8 input quantization
// (post-training, optional quantization-aware training), or f16 constants
// (src/passes/quantize.ts). Prints per layer the weights, encoding, stored bits per weight, bytes
// before → after, the input's calibrated range, scale and zero point, totals, and MNIST test
// accuracy of the f32 model → the written file, both run in the runtime.
import { writeSlim } from "../../format/writer.js";
import { quantizableLayers, quantize as quantizePass, CALIBRATION_METHODS, type QuantizeResult } from "../../passes/quantize.js";
import { checkLayerNames } from "../../passes/prune.js";
import { InputError } from "../../runtime/errors.js";
import { Model } from "../../runtime/model.js";
import { intOption, onePositional, printJson, type Command } from "../command.js";
import { bytes, table } from "../table.js";
import { compression } from "./cluster.js";
import { evaluateModel } from "./eval.js";
import { accuracyLine, arrow, checkOut, intOptionOrZero, loadTrainTest, readGraph, testAccuracy, TRAINING_FLAGS, trainingOptions, writeGraph } from "./prune.js";
import { choice, numberOption } from "./train.js";

const ratio = (a: number, b: number): string => `${(a / b).toFixed(1)}×`;

/** Per-layer rows of a quantize result: its stats with the stored bytes before → after. */
export function quantizeRows(r: QuantizeResult, c: ReturnType<typeof compression>) {
  const stored = new Map(c.layers.map((l) => [l.name, l]));
  return r.layers.map((l) => ({ ...l, bytesBefore: stored.get(l.name)!.bytesBefore, bytesAfter: stored.get(l.name)!.bytes }));
}

export function quantizeTable(rows: ReturnType<typeof quantizeRows>, c: ReturnType<typeof compression>): string {
  const params = rows.reduce((s, l) => s + l.params, 0);
  return table(["layer", "op", "weights", "encoding", "bits/weight", "bytes", "ratio", "input range", "input scale", "zero point"], rows.map((l) => [
    l.name, l.op, l.params, l.encoding, l.bitsPerWeight.toFixed(2), arrow(bytes(l.bytesBefore), bytes(l.bytesAfter)), ratio(l.bytesBefore, l.bytesAfter),
    l.range ? `[${l.range.lo.toPrecision(4)}, ${l.range.hi.toPrecision(4)}]` : "—",
    l.inputQuant ? l.inputQuant.scale.toPrecision(4) : l.encoding === "int8" ? "dynamic" : "—", l.inputQuant ? String(l.inputQuant.zeroPoint) : "—",
  ]), ["total", "", params, "", ((8 * c.bytesAfter) / params).toFixed(2), arrow(bytes(c.bytesBefore), bytes(c.bytesAfter)), ratio(c.bytesBefore, c.bytesAfter), "", "", ""]);
}

export const quantize: Command = {
  name: "quantize",
  summary: "int8 weights with calibrated u8 inputs (post-training, --qat-epochs for quantization-aware training), or --f16",
  usage: "IN -o OUT.slim [--data mnist|DIR] [--calib 1000] [--method minmax|percentile] [--percentile 99.99] [--dynamic] " +
    "[--exclude NAME,…] [--qat-epochs 0] [--f16] [--limit N] [--batch 64] [--lr 0.001] [--seed S] [--json]",
  options: {
    ...Object.fromEntries(Object.entries(TRAINING_FLAGS).filter(([k]) => k !== "finetune-epochs")), calib: { type: "string" }, method: { type: "string" },
    percentile: { type: "string" }, dynamic: { type: "boolean" }, exclude: { type: "string" }, "qat-epochs": { type: "string" }, f16: { type: "boolean" },
  },
  async run(values, positionals) {
    const file = onePositional(this, positionals), out = checkOut(this, values.out);
    const f16 = values.f16 === true, dynamic = values.dynamic === true;
    const method = values.method === undefined ? "minmax" : choice(values, "method", CALIBRATION_METHODS);
    const percentile = numberOption(values, "percentile", 99.99, (v) => v > 50 && v <= 100, "a percentage in (50, 100]");
    if (values.percentile !== undefined && method !== "percentile") throw new InputError(`--percentile needs --method percentile`);
    if (f16) {
      const bad = ["dynamic", "exclude", "qat-epochs", "calib", "method"].find((k) => values[k] !== undefined);
      if (bad) throw new InputError(`--${bad} does not apply to --f16 (every constant becomes a half float)`);
    }
    if (values.data === undefined) {
      const needs = ["qat-epochs", "calib", "limit", "lr", "batch"].find((k) => values[k] !== undefined);
      if (needs) throw new InputError(`--${needs} needs --data (training samples)`);
      if (!f16 && !dynamic) throw new InputError(`quantize needs --data for calibration (e.g. --data mnist), or --dynamic (per-sample input quantization) or --f16`);
    }
    const graph = readGraph(file), names = quantizableLayers(graph).map((l) => l.name);
    const exclude = values.exclude === undefined ? [] : String(values.exclude).split(",").map((s) => s.trim()).filter(Boolean);
    checkLayerNames(exclude, names, "--exclude");
    const data = loadTrainTest(values), training = trainingOptions({ lr: "0.001", ...values });
    const r = await quantizePass(graph, {
      mode: f16 ? "f16" : "int8", exclude, data: data?.train, calibration: intOption(values, "calib", 1000), method, percentile, dynamic,
      qatEpochs: data ? intOptionOrZero(values, "qat-epochs", 0) : 0, ...training,
    });
    const written = writeGraph(out, r.graph), c = compression(graph, r.graph), rows = quantizeRows(r, c);
    const isSlim = /\.slim$/i.test(out), slim = isSlim ? written : writeSlim(r.graph);
    if (!isSlim) process.stderr.write(`${out}: ONNX holds the quantized weights as f32 values (q·scale) and no input quantization; the table and test accuracy are those of the .slim form\n`);
    const test = data
      ? { n: data.test.n, before: await testAccuracy(graph, data.test), after: evaluateModel(await Model.load(slim), data.test, data.test.n, 64).accuracy }
      : undefined;
    if (values.json) {
      printJson({
        model: file, output: out, outputBytes: written.length, mode: r.mode, method: r.method, dynamic: r.dynamic, calibrationSamples: r.calibrationSamples,
        layers: rows, bytesBefore: c.bytesBefore, bytesAfter: c.bytesAfter, ratio: c.ratio, history: r.history, test,
      });
      return;
    }
    console.log(quantizeTable(rows, c));
    if (r.mode === "int8") {
      const how = r.dynamic ? "inputs quantized per sample at run time (dynamic)" : `inputs calibrated on ${r.calibrationSamples} training samples (${r.method})`;
      console.log(`${how}${r.history.length ? `; ${r.history.length} epoch(s) of quantization-aware training` : ""}`);
    }
    if (test) console.log(accuracyLine(test.before, test.after, test.n));
    console.log(`saved ${out} (${bytes(written.length)})`);
  },
};

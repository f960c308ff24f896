// slimnet separable IN -o OUT --data mnist [--layers conv2,…] [--distill]: replaces k×k convs by
// depthwise k×k + pointwise 1×1 (src/passes/separable.ts), initialised by the rank-1-per-channel
// least-squares fit, then fine-tuned or distilled from the original. Prints per layer the
// theoretical cost ratio 1/C_out + 1/k² next to the measured MAC ratio, then the whole model
// before → after (params, MACs, bytes, test error, batch-1 latency).
import { separable as pass } from "../../passes/separable.js";
import { InputError } from "../../runtime/errors.js";
import { intOption, onePositional, printJson, type Command } from "../command.js";
import { bytes, int, shape, table } from "../table.js";
import { arrow, checkOut, intOptionOrZero, loadTrainTest, readGraph, writeGraph } from "./prune.js";
import { comparisonTable, finetuneOptions, modelComparison, REDESIGN_FLAGS } from "./lowrank.js";
import { numberOption } from "./train.js";

export const separable: Command = {
  name: "separable",
  summary: "depthwise-separable redesign of k×k convs (rank-1 least-squares init), fine-tuned or distilled when --data is given",
  usage: "IN -o OUT.onnx|OUT.slim [--data mnist|DIR] [--layers NAME,…] [--epochs 0] [--distill [--teacher T.onnx]] [--temperature 4] [--alpha 0.9] " +
    "[--schedule cosine|constant] [--jitter PX] [--limit N] [--batch 64] [--lr 0.01] [--seed S] [--latency-runs 2000] [--json]",
  options: { ...REDESIGN_FLAGS, layers: { type: "string" }, distill: { type: "boolean" }, teacher: { type: "string" }, temperature: { type: "string" }, alpha: { type: "string" } },
  async run(values, positionals) {
    const file = onePositional(this, positionals), out = checkOut(this, values.out);
    if (values.data === undefined) {
      const needs = ["epochs", "distill", "jitter", "limit", "lr", "batch"].filter((k) => values[k] !== undefined);
      if (needs.length) throw new InputError(`--${needs[0]} needs --data (fine-tuning data)`);
    }
    if (values.teacher !== undefined && !values.distill) throw new InputError(`--teacher needs --distill`);
    if (values.distill && intOptionOrZero(values, "epochs", 0) === 0) throw new InputError(`--distill needs --epochs E ≥ 1`);
    const graph = readGraph(file);
    const layers = values.layers === undefined ? undefined : String(values.layers).split(",").map((s) => s.trim());
    const data = loadTrainTest(values);
    const distill = values.distill ? {
      T: numberOption(values, "temperature", 4, (v) => v > 0, "a number > 0"), alpha: numberOption(values, "alpha", 0.9, (v) => v >= 0 && v <= 1, "a fraction in [0, 1]"),
    } : undefined;
    const result = await pass(graph, {
      layers, data: data?.train, teacher: values.teacher === undefined ? undefined : readGraph(String(values.teacher)), finetuneEpochs: data ? intOptionOrZero(values, "epochs", 0) : 0, distill,
      ...finetuneOptions(values, graph),
    });
    const written = writeGraph(out, result.graph);
    const figures = await modelComparison(graph, result.graph, data?.test, intOption(values, "latency-runs", 2000));
    if (values.json) {
      printJson({ model: file, output: out, teacher: values.teacher, outputBytes: written.length, layers: result.layers, skipped: result.skipped, distill, before: figures[0], after: figures[1] });
      return;
    }
    const L = result.layers, sum = (k: "paramsBefore" | "paramsAfter" | "macsBefore" | "macsAfter") => L.reduce((s, l) => s + l[k], 0);
    console.log(table(["layer", "shape", "params", "MACs", "1/C_out + 1/k²", "MAC ratio", "init energy kept"], L.map((l) => [
      l.name, shape(l.shape), arrow(int(l.paramsBefore), int(l.paramsAfter)), arrow(int(l.macsBefore), int(l.macsAfter)),
      l.costRatio.toFixed(4), l.macRatio.toFixed(4), `${(100 * l.energyKept).toFixed(1)}%`,
    ]), ["total", "", arrow(int(sum("paramsBefore")), int(sum("paramsAfter"))), arrow(int(sum("macsBefore")), int(sum("macsAfter"))), "",
      L.length ? (sum("macsAfter") / sum("macsBefore")).toFixed(4) : "—", ""]));
    for (const s of result.skipped) console.log(`left as is: ${s.name} (${s.reason})`);
    console.log(comparisonTable(figures));
    console.log(`saved ${out} (${bytes(written.length)})`);
  },
};

// slimnet prune-neurons IN -o OUT --keep K [--criterion l1|l2|apoz] [--data mnist]: removes whole
// neurons and conv filters (src/passes/prune-neurons.ts) and fine-tunes when --data is given.
// Prints per layer neurons, params and stored bytes before → after, totals, test accuracy.
import { neuronLayers, pruneNeurons as pass } from "../../passes/prune-neurons.js";
import { InputError } from "../../runtime/errors.js";
import { onePositional, printJson, type Command } from "../command.js";
import { bytes, table } from "../table.js";
import {
  TRAINING_FLAGS, accuracyLine, arrow, checkOut, intOptionOrZero, layerBytes, loadTrainTest, perLayerOption, readGraph,
  testAccuracy, trainingOptions, writeGraph,
} from "./prune.js";
import { choice, numberOption } from "./train.js";

export const pruneNeurons: Command = {
  name: "prune-neurons",
  summary: "remove whole neurons / conv filters (smaller dense model); fine-tunes when --data is given",
  usage: "IN -o OUT.onnx|OUT.slim --keep K [--per-layer NAME=K,…] [--criterion l1|l2|apoz] [--data mnist|DIR] " +
    "[--finetune-epochs 1] [--limit N] [--batch 64] [--lr 0.01] [--seed S] [--json]",
  options: { ...TRAINING_FLAGS, keep: { type: "string" }, "per-layer": { type: "string" }, criterion: { type: "string" } },
  async run(values, positionals) {
    const file = onePositional(this, positionals), out = checkOut(this, values.out);
    if (values.keep === undefined) throw new InputError(`prune-neurons needs --keep K (fraction of neurons kept per layer, in (0, 1])`);
    const fraction = (v: number) => v > 0 && v <= 1;
    const keep = numberOption(values, "keep", 1, fraction, "a fraction in (0, 1]");
    const criterion = choice(values, "criterion", ["l1", "l2", "apoz"] as const);
    if (values.data === undefined && (criterion === "apoz" || values["finetune-epochs"] !== undefined))
      throw new InputError(`${criterion === "apoz" ? "--criterion apoz" : "--finetune-epochs"} needs --data`);
    const graph = readGraph(file);
    const perLayer = perLayerOption(values, neuronLayers(graph), fraction, "KEEP");
    const data = loadTrainTest(values);
    const result = await pass(graph, {
      keep, perLayer, criterion, data: data?.train, finetuneEpochs: data ? intOptionOrZero(values, "finetune-epochs", 1) : 0,
      ...trainingOptions(values),
    });
    const written = writeGraph(out, result.graph);
    const [b0, b1] = [layerBytes(graph), layerBytes(result.graph)];
    const test = data ? { n: data.test.n, before: await testAccuracy(graph, data.test), after: await testAccuracy(result.graph, data.test) } : undefined;
    const layers = result.layers.map((l) => ({ ...l, bytesBefore: b0.get(l.name)!, bytesAfter: b1.get(l.name)! }));
    if (values.json) {
      printJson({ model: file, output: out, outputBytes: written.length, criterion, layers, removed: result.removed, test });
      return;
    }
    const sum = (k: "neuronsBefore" | "neuronsAfter" | "paramsBefore" | "paramsAfter" | "bytesBefore" | "bytesAfter") => layers.reduce((s, l) => s + l[k], 0);
    const n = (v: number) => v.toLocaleString("en-US");
    console.log(table(["layer", "op", "neurons", "params", "bytes"], layers.map((l) => [
      l.name, l.op, arrow(n(l.neuronsBefore), n(l.neuronsAfter)), arrow(n(l.paramsBefore), n(l.paramsAfter)), arrow(bytes(l.bytesBefore), bytes(l.bytesAfter)),
    ]), ["total", "", arrow(n(sum("neuronsBefore")), n(sum("neuronsAfter"))), arrow(n(sum("paramsBefore")), n(sum("paramsAfter"))),
      arrow(bytes(sum("bytesBefore")), bytes(sum("bytesAfter")))]));
    if (test) console.log(accuracyLine(test.before, test.after, test.n));
    console.log(`saved ${out} (${bytes(written.length)})`);
  },
};

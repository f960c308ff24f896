// slimnet binarize IN -o OUT.slim|OUT.onnx --mode binaryconnect|xnor|bnn [--data mnist --epochs N] [--all-layers]:
// binary weights (src/passes/binarize.ts), trained binarized when --data is given. The first and
// last layer stay real-valued unless --all-layers. Prints per layer the weights, binary or real,
// mean scale α, stored bits per weight (1 + 32/K: the signs and one f32 scale per row) and bytes
// before → after, totals, and MNIST test accuracy before → after.
// .slim stores the binary layers as 1-bit signs + an f32 α per row (docs/FORMAT.md §3.8) and the
// runtime runs them on the x1 kernels; .onnx holds the same ±α weights dense.
import { fromImageSet } from "../../data/batches.js";
import { binarize as binarizePass, BINARIZE_MODES } from "../../passes/binarize.js";
import { accuracy } from "../../passes/prune.js";
import { InputError } from "../../runtime/errors.js";
import { intOption, onePositional, printJson, type Command } from "../command.js";
import { bytes, table } from "../table.js";
import { accuracyLine, arrow, checkOut, loadTrainTest, readGraph, testAccuracy, TRAINING_FLAGS, writeGraph } from "./prune.js";
import { choice, numberOption } from "./train.js";

const ratio = (a: number, b: number): string => `${(a / b).toFixed(1)}×`;

export const binarize: Command = {
  name: "binarize",
  summary: "binary weights (BinaryConnect, XNOR-Net scales, BNN activations), trained binarized when --data is given",
  usage: "IN -o OUT.slim|OUT.onnx [--mode binaryconnect|xnor|bnn] [--all-layers] [--data mnist|DIR] [--epochs 10] [--limit N] " +
    "[--batch 100] [--lr 0.003] [--seed S] [--json]",
  options: { ...TRAINING_FLAGS, mode: { type: "string" }, epochs: { type: "string" }, "all-layers": { type: "boolean" } },
  async run(values, positionals) {
    const file = onePositional(this, positionals), out = checkOut(this, values.out);
    const mode = values.mode === undefined ? "binaryconnect" : choice(values, "mode", BINARIZE_MODES);
    if (values.data === undefined) {
      const needs = ["epochs", "limit", "lr", "batch"].filter((k) => values[k] !== undefined);
      if (needs.length) throw new InputError(`--${needs[0]} needs --data (training data); without it binarize only takes the signs`);
    }
    const graph = readGraph(file), data = loadTrainTest(values);
    if (!data) process.stderr.write("no --data: binarizing without training (signs of the given weights)\n");
    const lr = numberOption(values, "lr", 0.003, (v) => v > 0 && Number.isFinite(v), "a number > 0");
    const r = await binarizePass(graph, {
      mode, keepFirstLast: values["all-layers"] !== true, data: data?.train, epochs: intOption(values, "epochs", 10),
      batch: intOption(values, "batch", 100), optimizer: { kind: "adam", lr }, seed: numberOption(values, "seed", 1, Number.isInteger, "an integer"),
    });
    const written = writeGraph(out, r.graph);
    const rows = r.layers.map((l) => ({ ...l, before: 4 * l.params, after: Math.ceil((l.bitsPerWeight * l.params) / 8) }));
    const before = rows.reduce((s, l) => s + l.before, 0), after = rows.reduce((s, l) => s + l.after, 0);
    const test = data ? { n: data.test.n, before: await testAccuracy(graph, data.test), after: await accuracy(r.graph, fromImageSet(data.test)) } : undefined;
    if (values.json) {
      printJson({ model: file, output: out, outputBytes: written.length, mode, layers: rows, bytesBefore: before, bytesAfter: after, history: r.history, valAccuracy: r.valAccuracy, test });
      return;
    }
    console.log(table(["layer", "op", "weights", "weights as", "mean α", "bits/weight", "bytes", "ratio"], rows.map((l) => [
      l.name, l.op, l.params, l.binary ? "binary" : "real", l.alpha === undefined ? "—" : l.alpha.toPrecision(3), l.bitsPerWeight.toFixed(2),
      arrow(bytes(l.before), bytes(l.after)), ratio(l.before, l.after),
    ]), ["total", "", rows.reduce((s, l) => s + l.params, 0), mode, "", ((8 * after) / rows.reduce((s, l) => s + l.params, 0)).toFixed(2), arrow(bytes(before), bytes(after)), ratio(before, after)]));
    if (test) console.log(accuracyLine(test.before, test.after, test.n));
    console.log(`saved ${out} (${bytes(written.length)}${/\.onnx$/i.test(out) ? "; dense ±α weights: -o OUT.slim stores them as bits" : ""})`);
  },
};

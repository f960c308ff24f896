// slimnet compress IN -o OUT --data mnist --recipe deep-compression: a recipe of
// src/passes/recipes.ts (passes with fine-tuning) end to end. Prints the stages with their
// validation accuracy, the per-layer table of `slimnet cluster`, the compression ratio against
// the f32 model, and MNIST test accuracy before → after in the runtime.
import { RECIPES, recipe } from "../../passes/recipes.js";
import { prunableLayers } from "../../passes/prune.js";
import { InputError } from "../../runtime/errors.js";
import { intOption, onePositional, printJson, type Command } from "../command.js";
import { bytes, table } from "../table.js";
import { compression, compressionTable } from "./cluster.js";
import { accuracyLine, checkOut, loadTrainTest, perLayerOption, readGraph, testAccuracy, TRAINING_FLAGS, trainingOptions, writeGraph } from "./prune.js";
import { numberOption } from "./train.js";

export const compress: Command = {
  name: "compress",
  summary: `compress with a recipe (${RECIPES.map((r) => r.name).join(", ")}), fine-tuning on --data`,
  usage: "IN -o OUT.slim --data mnist|DIR [--recipe deep-compression] [--epochs 3] [--steps 3] [--sparsity NAME=S,…] [--bits NAME=B,…] [--jitter PX] " +
    "[--limit N] [--batch 64] [--lr 0.01] [--seed S] [--json]",
  options: {
    // --epochs replaces --finetune-epochs: it applies to every stage of the recipe
    ...Object.fromEntries(Object.entries(TRAINING_FLAGS).filter(([k]) => k !== "finetune-epochs")), recipe: { type: "string" }, epochs: { type: "string" }, steps: { type: "string" },
    sparsity: { type: "string" }, bits: { type: "string" }, jitter: { type: "string" },
  },
  async run(values, positionals) {
    const file = onePositional(this, positionals), out = checkOut(this, values.out);
    const r = recipe(String(values.recipe ?? "deep-compression"));
    const data = loadTrainTest(values);
    if (!data) throw new InputError(`compress needs --data (the recipes fine-tune); e.g. --data mnist`);
    const graph = readGraph(file), names = prunableLayers(graph).map((l) => l.name);
    const sparsity = perLayerOption(values, names, (v) => v >= 0 && v < 1, "SPARSITY", "sparsity");
    const bits = perLayerOption(values, names, (v) => Number.isInteger(v) && v >= 1 && v <= 8, "BITS", "bits");
    const { batch, seed } = trainingOptions(values);
    const lr = numberOption(values, "lr", 0.01, (v) => v > 0 && Number.isFinite(v), "a number > 0");
    const result = await r.run(graph, { data: data.train, epochs: intOption(values, "epochs", 3), steps: intOption(values, "steps", 3), sparsity, bits, batch, lr, seed,
      jitter: numberOption(values, "jitter", 0, (v) => Number.isInteger(v) && v >= 0, "a whole number of pixels ≥ 0"),
    });
    const written = writeGraph(out, result.graph), c = compression(graph, result.graph);
    const test = { n: data.test.n, before: await testAccuracy(graph, data.test), after: await testAccuracy(result.graph, data.test) };
    if (values.json) {
      printJson({ model: file, recipe: r.name, output: out, outputBytes: written.length, ...c, stages: result.stages, sparsity: result.sparsity, bits: result.bits, test });
      return;
    }
    console.log(table(["stage", "sparsity", "val acc"], result.stages.map((s) => [s.stage, `${(100 * s.sparsity).toFixed(1)}%`, `${(100 * s.valAccuracy).toFixed(2)}%`])));
    console.log(compressionTable(c));
    console.log(accuracyLine(test.before, test.after, test.n));
    console.log(`saved ${out} (${bytes(written.length)}; weights ${(c.ratio).toFixed(1)}× smaller)`);
  },
};

// slimnet demo (= npm start): a zoo model (default lenet5) → .slim → per-layer table → the
// 10,000 MNIST test images through the wasm runtime → accuracy and latency.
import { writeFileSync } from "node:fs";
import { loadImageSet } from "../../data/mnist.js";
import { inspect as inspectSlim } from "../../format/inspect.js";
import { writeSlim } from "../../format/writer.js";
import { InputError } from "../../runtime/errors.js";
import { Model } from "../../runtime/model.js";
import { ZOO } from "../../zoo/index.js";
import { intOption, printJson, type Command } from "../command.js";
import { bytes, int } from "../table.js";
import { evalTable, evaluateModel } from "./eval.js";
import { layerTable } from "./inspect.js";

export const demo: Command = {
  name: "demo",
  summary: "build a zoo model (default lenet5), convert it, and evaluate it on MNIST in the wasm runtime",
  usage: "[--model lenet5|lenet300] [--limit N] [--batch B] [-o OUT.slim] [--json]",
  options: {
    model: { type: "string" },
    limit: { type: "string" },
    batch: { type: "string" },
    out: { type: "string", short: "o" },
    json: { type: "boolean" },
  },
  async run(values) {
    const name = typeof values.model === "string" ? values.model : "lenet5";
    const build = ZOO[name];
    if (!build) throw new InputError(`--model ${name}: the zoo has ${Object.keys(ZOO).join(", ")}`);
    const graph = build();
    const slim = writeSlim(graph);
    if (typeof values.out === "string") writeFileSync(values.out, slim);
    const ins = inspectSlim(slim);
    const set = loadImageSet("mnist", "test");
    const t0 = performance.now();
    const model = await Model.load(slim);
    const loadMs = performance.now() - t0;
    const result = evaluateModel(model, set, intOption(values, "limit", set.n), intOption(values, "batch", 1));
    const trained = false; // the zoo builds random weights until the trainer (next issue) lands
    if (values.json) {
      printJson({ model: name, trained, bytes: slim.length, params: ins.params, macs: ins.macs, loadMs, ...result });
      return;
    }
    console.log([
      `slimnet demo: zoo model ${name} → .slim ${bytes(slim.length)}${typeof values.out === "string" ? ` (written to ${values.out})` : ""}`,
      "",
      layerTable(ins),
      "",
      `MNIST test set: ${int(result.n)} images, ${model.backend} runtime, loaded in ${loadMs.toFixed(1)} ms`,
      evalTable(result),
      "",
      "Note: the weights are untrained (random) until the trainer lands, so accuracy is near chance (~10%).",
    ].join("\n"));
  },
};

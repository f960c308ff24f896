// slimnet demo (= npm start): the committed trained baseline (data/models/lenet5.onnx, made by
// the command in data/models/README.md) → .slim → per-layer table → the 10,000 MNIST test
// images through the wasm runtime → accuracy and latency.
import { fileURLToPath } from "node:url";
import { loadImageSet } from "../../data/mnist.js";
import { inspect as inspectSlim } from "../../format/inspect.js";
import { Model } from "../../runtime/model.js";
import { intOption, printJson, type Command } from "../command.js";
import { readModelFile, writeBytes } from "../models.js";
import { bytes, int } from "../table.js";
import { evalTable, evaluateModel } from "./eval.js";
import { layerTable } from "./inspect.js";

/** data/models/ of the package, from src/cli/commands (tsx) or dist/ (bundled CLI). */
const modelsDir = (): string => {
  const here = import.meta.url;
  return fileURLToPath(new URL(here.includes("/src/cli/") ? "../../../data/models/" : "../data/models/", here));
};

export const demo: Command = {
  name: "demo",
  summary: "convert the trained LeNet-5 baseline (or FILE) and evaluate it on MNIST in the wasm runtime",
  usage: "[--model lenet5|lenet300|FILE.onnx|FILE.slim] [--limit N] [--batch B] [-o OUT.slim] [--json]",
  options: {
    model: { type: "string" },
    limit: { type: "string" },
    batch: { type: "string" },
    out: { type: "string", short: "o" },
    json: { type: "boolean" },
  },
  async run(values) {
    const name = typeof values.model === "string" ? values.model : "lenet5";
    const path = /\.(onnx|slim)$/i.test(name) ? name : `${modelsDir()}${name}.onnx`;
    const file = readModelFile(path);
    if (typeof values.out === "string") writeBytes(values.out, file.slim);
    const ins = inspectSlim(file.slim);
    const set = loadImageSet("mnist", "test");
    const t0 = performance.now();
    const model = await Model.load(file.slim);
    const loadMs = performance.now() - t0;
    const result = evaluateModel(model, set, intOption(values, "limit", set.n), intOption(values, "batch", 1));
    if (values.json) {
      printJson({ model: path, bytes: file.slim.length, params: ins.params, macs: ins.macs, loadMs, ...result });
      return;
    }
    console.log([
      `slimnet demo: ${path} (${file.kind}, ${bytes(file.fileBytes)}) → .slim ${bytes(file.slim.length)}` +
        (typeof values.out === "string" ? ` (written to ${values.out})` : ""),
      "",
      layerTable(ins),
      "",
      `MNIST test set: ${int(result.n)} images, ${model.backend} runtime, loaded in ${loadMs.toFixed(1)} ms`,
      evalTable(result),
    ].join("\n"));
  },
};

// slimnet report FILE [--data mnist] -o report.html: one self-contained HTML page with the model
// summary, the per-layer table and bar charts, and (with --data) accuracy and the exit histogram.
import { inspect as inspectSlim } from "../../format/inspect.js";
import { loadImageSet } from "../../data/mnist.js";
import { InputError } from "../../runtime/errors.js";
import { intOption, onePositional, type Command } from "../command.js";
import { loadModel, readModelFile, writeBytes } from "../models.js";
import { reportHtml, type ReportAccuracy } from "../report-html.js";
import { evaluateModel, type EvalResult } from "./eval.js";

/** Samples per exit from a run result; models without early exits have only "final". */
/** Samples per exit (all at "final" for a model without exits). */
function exitHistogram(result: EvalResult): Record<string, number> {
  return result.exits ? Object.fromEntries(result.exits.map((e) => [e.name, Math.round(e.fraction * result.n)])) : { final: result.n };
}

export const report: Command = {
  name: "report",
  summary: "self-contained HTML report: summary, per-layer table and charts, accuracy with --data",
  usage: "FILE -o report.html [--data mnist|DIR] [--limit N]",
  options: {
    out: { type: "string", short: "o" },
    data: { type: "string" },
    limit: { type: "string" },
  },
  async run(values, positionals) {
    const path = onePositional(this, positionals);
    const out = values.out;
    if (typeof out !== "string") throw new InputError(`report needs -o FILE.html; usage: slimnet report ${this.usage}`);
    if (values.limit !== undefined && values.data === undefined) throw new InputError("--limit needs --data");
    const file = readModelFile(path);
    const inspection = inspectSlim(file.slim);
    let accuracy: ReportAccuracy | undefined;
    if (typeof values.data === "string") {
      const set = loadImageSet(values.data, "test");
      const model = await loadModel(path);
      const r = evaluateModel(model, set, intOption(values, "limit", set.n), 1);
      accuracy = { source: set.source, n: r.n, correct: r.correct, accuracy: r.accuracy, msPerSample: r.msPerSample, backend: r.backend, exits: exitHistogram(r) };
    }
    const html = reportHtml({ path, kind: file.kind, fileBytes: file.fileBytes, inspection, accuracy });
    writeBytes(out, new TextEncoder().encode(html));
    console.log(`${out}: ${(html.length / 1024).toFixed(1)} KB${accuracy ? `, accuracy ${(100 * accuracy.accuracy).toFixed(2)}% on ${accuracy.n} images` : ""}`);
  },
};

// slimnet prune IN -o OUT --sparsity S [--data mnist …]: magnitude weight pruning
// (src/passes/prune.ts). With --data it follows the schedule and fine-tunes between steps on the
// training split; without, it prunes in one shot and says so. Prints per layer params, sparsity
// and stored bytes before → after, totals, and MNIST test accuracy before → after.
// The helpers here (reading the model as a graph, training data, writing, test accuracy,
// stored bytes per layer, --per-layer) serve prune-neurons too.
import { fromImageSet, head, type Labeled } from "../../data/batches.js";
import { loadImageSet } from "../../data/mnist.js";
import { exportOnnx } from "../../export/onnx.js";
import { inspect } from "../../format/inspect.js";
import { readSlim } from "../../format/reader.js";
import { writeSlim } from "../../format/writer.js";
import type { Graph } from "../../ir/graph.js";
import { checkLayerNames, prunableLayers, prune as prunePass, type PruneSchedule } from "../../passes/prune.js";
import { InputError } from "../../runtime/errors.js";
import { Model } from "../../runtime/model.js";
import type { OptimizerConfig } from "../../train/optim.js";
import { intOption, onePositional, printJson, type Command, type Values } from "../command.js";
import { readModelFile, writeBytes } from "../models.js";
import { bytes, int, table } from "../table.js";
import { evaluateModel } from "./eval.js";
import { choice, numberOption } from "./train.js";

/** The model file as an IR graph (.onnx converted on the fly, .slim read back). */
export const readGraph = (path: string): Graph => readSlim(readModelFile(path).slim);

/** Writes OUT.onnx or OUT.slim; returns the bytes written. */
export function writeGraph(out: string, g: Graph): Uint8Array {
  const file = /\.onnx$/i.test(out) ? exportOnnx(g) : writeSlim(g);
  writeBytes(out, file);
  return file;
}

export function checkOut(cmd: Command, out: unknown): string {
  if (typeof out !== "string" || !/\.(onnx|slim)$/i.test(out)) throw new InputError(`${cmd.name} needs -o OUT.onnx or -o OUT.slim; usage: slimnet ${cmd.name} ${cmd.usage}`);
  return out;
}

/** Stored bytes of each layer's constants (as `slimnet inspect` counts them). */
export const layerBytes = (g: Graph): Map<string, number> => new Map(inspect(writeSlim(g)).layers.map((l) => [l.name, l.bytes]));

/** `--per-layer a=0.3,b=0.9` (or another `flag`) → { a: 0.3, b: 0.9 }; names checked against `valid`. */
export function perLayerOption(values: Values, valid: readonly string[], ok: (v: number) => boolean, what: string, flag = "per-layer"): Record<string, number> {
  const raw = values[flag];
  if (raw === undefined) return {};
  const out: Record<string, number> = {};
  for (const item of String(raw).split(",")) {
    const m = /^([^=]+)=(.+)$/.exec(item.trim()), v = Number(m?.[2]);
    if (!m || !ok(v)) throw new InputError(`--${flag} takes NAME=${what},… (e.g. ${valid[0] ?? "fc1"}=0.5), got "${item}"`);
    out[m[1]] = v;
  }
  checkLayerNames(Object.keys(out), valid, `--${flag}`);
  return out;
}

/** Training split of --data (first --limit samples) and its test split as the runtime reads it. */
export function loadTrainTest(values: Values): { train: Labeled; test: ReturnType<typeof loadImageSet> } | undefined {
  if (values.data === undefined) return undefined;
  const train = fromImageSet(loadImageSet(String(values.data), "train"));
  return { train: values.limit === undefined ? train : head(train, intOption(values, "limit", 1)), test: loadImageSet(String(values.data), "test") };
}

/** Top-1 accuracy of `g` in the runtime on a test set. */
export async function testAccuracy(g: Graph, set: ReturnType<typeof loadImageSet>): Promise<number> {
  return evaluateModel(await Model.load(writeSlim(g)), set, set.n, 64).accuracy;
}

export function trainingOptions(values: Values): { batch: number; optimizer: OptimizerConfig; seed: number } {
  const lr = numberOption(values, "lr", 0.01, (v) => v > 0 && Number.isFinite(v), "a number > 0");
  return { batch: intOption(values, "batch", 64), optimizer: { kind: "sgd", lr, momentum: 0.9 }, seed: numberOption(values, "seed", 1, Number.isInteger, "an integer") };
}

export const TRAINING_FLAGS = {
  data: { type: "string" }, limit: { type: "string" }, "finetune-epochs": { type: "string" },
  batch: { type: "string" }, lr: { type: "string" }, seed: { type: "string" },
  out: { type: "string", short: "o" }, json: { type: "boolean" },
} as const;

const pct = (v: number | undefined): string => (v === undefined ? "—" : `${(100 * v).toFixed(2)}%`);
export const arrow = (a: string, b: string): string => `${a} → ${b}`;
export const accuracyLine = (before: number, after: number, n: number): string =>
  `test accuracy (${int(n)} images, in the runtime): ${arrow(pct(before), pct(after))}`;

export const prune: Command = {
  name: "prune",
  summary: "magnitude weight pruning, iterative with fine-tuning when --data is given",
  usage: "IN -o OUT.onnx|OUT.slim --sparsity S [--per-layer NAME=S,…] [--scope layer|global] [--importance l1|l2] " +
    "[--data mnist|DIR] [--schedule oneshot|constant|polynomial] [--steps 5] [--power 3] [--finetune-epochs 1] [--floor ACC] " +
    "[--limit N] [--batch 64] [--lr 0.01] [--seed S] [--json]",
  options: {
    ...TRAINING_FLAGS,
    sparsity: { type: "string" }, "per-layer": { type: "string" }, scope: { type: "string" }, importance: { type: "string" },
    schedule: { type: "string" }, steps: { type: "string" }, power: { type: "string" }, floor: { type: "string" },
  },
  async run(values, positionals) {
    const file = onePositional(this, positionals), out = checkOut(this, values.out);
    if (values.sparsity === undefined) throw new InputError(`prune needs --sparsity S (a fraction in [0, 1])`);
    const fraction = (v: number) => v >= 0 && v <= 1;
    const sparsity = numberOption(values, "sparsity", 0, fraction, "a fraction in [0, 1]");
    const scope = choice(values, "scope", ["layer", "global"] as const), importance = choice(values, "importance", ["l1", "l2"] as const);
    const kind = choice(values, "schedule", ["oneshot", "constant", "polynomial"] as const);
    if (values.data === undefined) {
      const needs = ["schedule", "steps", "power", "finetune-epochs", "floor", "limit"].filter((k) => values[k] !== undefined);
      if (needs.length) throw new InputError(`--${needs[0]} needs --data (fine-tuning data); without it prune is one-shot`);
    }
    const steps = intOption(values, "steps", 5), power = numberOption(values, "power", 3, (v) => v > 0, "a number > 0");
    const schedule: PruneSchedule = kind === "oneshot" ? { kind } : kind === "constant" ? { kind, steps } : { kind, steps, power };
    const floor = values.floor === undefined ? undefined : numberOption(values, "floor", 0, fraction, "an accuracy in [0, 1]");

    const graph = readGraph(file);
    const valid = prunableLayers(graph).map((l) => l.name);
    const perLayer = perLayerOption(values, valid, fraction, "SPARSITY");
    const data = loadTrainTest(values);
    if (!data) process.stderr.write("no --data: one-shot magnitude pruning without fine-tuning\n");
    const result = await prunePass(graph, {
      sparsity, perLayer, scope, importance, schedule, data: data?.train, accuracyFloor: floor,
      finetuneEpochs: intOptionOrZero(values, "finetune-epochs", 1), ...trainingOptions(values),
    });
    const written = writeGraph(out, result.graph);
    const [b0, b1] = [layerBytes(graph), layerBytes(result.graph)];
    const test = data ? { n: data.test.n, before: await testAccuracy(graph, data.test), after: await testAccuracy(result.graph, data.test) } : undefined;
    const layers = result.layers.map((l) => ({ ...l, bytesBefore: b0.get(l.name)!, bytesAfter: b1.get(l.name)! }));
    if (values.json) {
      printJson({ model: file, output: out, outputBytes: written.length, sparsity: result.sparsity, stopped: result.stopped, layers, history: result.history, test });
      return;
    }
    const sum = (k: "params" | "bytesBefore" | "bytesAfter") => layers.reduce((s, l) => s + l[k], 0);
    const zerosBefore = layers.reduce((s, l) => s + l.sparsityBefore * l.params, 0) / sum("params");
    console.log(table(["layer", "op", "params", "sparsity", "bytes"], layers.map((l) => [
      l.name, l.op, l.params, arrow(pct(l.sparsityBefore), pct(l.sparsity)), arrow(bytes(l.bytesBefore), bytes(l.bytesAfter)),
    ]), ["total", "", sum("params"), arrow(pct(zerosBefore), pct(result.sparsity)), arrow(bytes(sum("bytesBefore")), bytes(sum("bytesAfter")))]));
    if (result.history.length > 2 || result.history.some((h) => h.valAccuracy !== undefined))
      console.log(table(["step", "sparsity", "val acc", "kept"], result.history.map((h) => [h.step, pct(h.sparsity), pct(h.valAccuracy), h.kept ? "yes" : "no (below floor)"])));
    if (result.stopped) console.log(`stopped at ${result.stopped}`);
    if (test) console.log(accuracyLine(test.before, test.after, test.n));
    console.log(`saved ${out} (${bytes(written.length)})`);
  },
};

/** A non-negative integer option (0 allowed), or `fallback`. */
export function intOptionOrZero(values: Values, name: string, fallback: number): number {
  return numberOption(values, name, fallback, (v) => Number.isInteger(v) && v >= 0, "an integer ≥ 0");
}

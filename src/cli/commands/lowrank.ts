// slimnet lowrank IN -o OUT [--energy 0.9 | --params 0.2 | --rank fc1=32,…] [--data mnist]: truncated-SVD
// factorisation of Gemm / MatMul / Conv weights into two layers (src/passes/lowrank.ts), fine-tuned
// when --data is given. Prints per layer the shape, rank, params and MACs before → after and the
// energy kept; then the whole model before → after (params, MACs, .slim bytes, test error, batch-1
// latency in the runtime). `modelComparison` serves `slimnet separable` too.
import { writeSlim } from "../../format/writer.js";
import { imageJitter } from "../../data/augment.js";
import type { Graph } from "../../ir/graph.js";
import { countMacs, countParams } from "../../ir/analysis.js";
import { lowRank, lowRankLayers } from "../../passes/lowrank.js";
import { InputError } from "../../runtime/errors.js";
import { Model } from "../../runtime/model.js";
import { intOption, onePositional, printJson, type Command, type Values } from "../command.js";
import { bytes, int, shape, table } from "../table.js";
import {
  arrow, checkOut, intOptionOrZero, loadTrainTest, perLayerOption, readGraph, testAccuracy, TRAINING_FLAGS, trainingOptions, writeGraph,
} from "./prune.js";
import { choice, numberOption } from "./train.js";

/**
 * Median batch-1 wall time (ms) of `model.run` for each graph, the graphs run in turn within
 * every round so that load on a shared machine hits them alike.
 */
export async function batch1Latency(graphs: Graph[], runs = 2000): Promise<number[]> {
  const models = await Promise.all(graphs.map((g) => Model.load(writeSlim(g))));
  const feeds = models.map((m) => {
    const t = m.inputs[0], size = t.shape.reduce((a, b) => a * Math.abs(b), 1);
    return { [t.name]: Float32Array.from({ length: size }, (_, i) => ((i * 7919) % 255) / 255) };
  });
  const times = graphs.map(() => [] as number[]);
  for (let r = -200; r < runs; r++)
    models.forEach((m, k) => {
      const t0 = performance.now();
      m.run(feeds[k]);
      if (r >= 0) times[k].push(performance.now() - t0);
    });
  return times.map((t) => t.sort((a, b) => a - b)[t.length >> 1]);
}

export interface ModelFigures {
  params: number;
  macs: number;
  /** Size of the .slim file (f32 weights). */
  slimBytes: number;
  testError?: number;
  latencyMs: number;
}

/** Params, MACs, .slim bytes, test error and batch-1 latency of the original and the result. */
export async function modelComparison(before: Graph, after: Graph, test: Parameters<typeof testAccuracy>[1] | undefined, runs: number): Promise<[ModelFigures, ModelFigures]> {
  const lat = await batch1Latency([before, after], runs);
  return Promise.all([before, after].map(async (g, k) => ({
    params: countParams(g), macs: countMacs(g).total, slimBytes: writeSlim(g).length,
    testError: test ? 1 - (await testAccuracy(g, test)) : undefined, latencyMs: lat[k],
  }))) as Promise<[ModelFigures, ModelFigures]>;
}

const times = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
const pct = (v?: number): string => (v === undefined ? "—" : `${(100 * v).toFixed(2)}%`);

export function comparisonTable([a, b]: [ModelFigures, ModelFigures]): string {
  return table(["model", "params", "MACs", ".slim bytes", "test error", "batch-1 latency"], [
    ["before", a.params, a.macs, bytes(a.slimBytes), pct(a.testError), `${(1000 * a.latencyMs).toFixed(1)} µs`],
    ["after", b.params, b.macs, bytes(b.slimBytes), pct(b.testError), `${(1000 * b.latencyMs).toFixed(1)} µs`],
    ["ratio", times(a.params, b.params), times(a.macs, b.macs), times(a.slimBytes, b.slimBytes),
      a.testError === undefined ? "—" : `${(100 * (b.testError! - a.testError)) >= 0 ? "+" : ""}${(100 * (b.testError! - a.testError)).toFixed(2)} pts`,
      times(a.latencyMs, b.latencyMs)],
  ]);
}

/** `--jitter N` as fit's augment for `g`'s input (0 or absent: none). */
export function jitterOption(values: Values, g: Graph): ReturnType<typeof imageJitter> | undefined {
  const px = intOptionOrZero(values, "jitter", 0);
  return px ? imageJitter(g, px) : undefined;
}

export const REDESIGN_FLAGS = {
  ...TRAINING_FLAGS, epochs: { type: "string" }, jitter: { type: "string" }, schedule: { type: "string" }, "latency-runs": { type: "string" },
} as const;

/** Fine-tuning options of the redesign commands: --lr, --batch, --seed, --schedule cosine|constant, --jitter. */
export function finetuneOptions(values: Values, g: Graph) {
  return { ...trainingOptions(values), schedule: { kind: choice(values, "schedule", ["cosine", "constant"] as const) }, augment: jitterOption(values, g) };
}

export const lowrank: Command = {
  name: "lowrank",
  summary: "low-rank factorisation (truncated SVD) of Gemm/MatMul/Conv weights into two layers; fine-tunes when --data is given",
  usage: "IN -o OUT.onnx|OUT.slim [--energy 0.9 | --params 0.2 | --rank NAME=R,…] [--layers NAME,…] [--data mnist|DIR] " +
    "[--epochs 0] [--schedule cosine|constant] [--jitter PX] [--limit N] [--batch 64] [--lr 0.01] [--seed S] [--latency-runs 2000] [--json]",
  options: { ...REDESIGN_FLAGS, energy: { type: "string" }, params: { type: "string" }, rank: { type: "string" }, layers: { type: "string" } },
  async run(values, positionals) {
    const file = onePositional(this, positionals), out = checkOut(this, values.out);
    if ([values.energy, values.params].filter((v) => v !== undefined).length > 1) throw new InputError(`lowrank takes --energy or --params, not both`);
    if (values.energy === undefined && values.params === undefined && values.rank === undefined)
      throw new InputError(`lowrank needs --energy E (fraction of Σσ² kept), --params P (fraction of each layer's parameters) or --rank NAME=R,…`);
    if (values.data === undefined) {
      const needs = ["epochs", "jitter", "limit", "lr", "batch"].filter((k) => values[k] !== undefined);
      if (needs.length) throw new InputError(`--${needs[0]} needs --data (fine-tuning data)`);
    }
    const energy = values.energy === undefined ? undefined : numberOption(values, "energy", 1, (v) => v > 0 && v <= 1, "a fraction in (0, 1]");
    const params = values.params === undefined ? undefined : numberOption(values, "params", 1, (v) => v > 0 && v < 1, "a fraction in (0, 1)");
    const graph = readGraph(file), valid = lowRankLayers(graph);
    const rank = values.rank === undefined ? undefined : perLayerOption(values, valid, (v) => Number.isInteger(v) && v >= 1, "RANK", "rank");
    const layers = values.layers === undefined ? undefined : String(values.layers).split(",").map((s) => s.trim());
    const data = loadTrainTest(values);
    const result = await lowRank(graph, {
      energy, params, rank, layers, data: data?.train, finetuneEpochs: data ? intOptionOrZero(values, "epochs", 0) : 0,
      ...finetuneOptions(values, graph),
    });
    const written = writeGraph(out, result.graph);
    const figures = await modelComparison(graph, result.graph, data?.test, intOption(values, "latency-runs", 2000));
    if (values.json) {
      printJson({ model: file, output: out, outputBytes: written.length, layers: result.layers, before: figures[0], after: figures[1] });
      return;
    }
    const L = result.layers, sum = (k: "paramsBefore" | "paramsAfter" | "macsBefore" | "macsAfter") => L.reduce((s, l) => s + l[k], 0);
    console.log(table(["layer", "op", "shape", "rank", "params", "MACs", "energy kept"], L.map((l) => [
      l.name, l.op, shape(l.shape), l.rank === undefined ? `— (${l.skipped})` : `${l.rank} / ${l.fullRank}`,
      arrow(int(l.paramsBefore), int(l.paramsAfter)), arrow(int(l.macsBefore), int(l.macsAfter)), `${(100 * l.energyKept).toFixed(1)}%`,
    ]), ["total", "", "", "", `${arrow(int(sum("paramsBefore")), int(sum("paramsAfter")))} (${times(sum("paramsBefore"), sum("paramsAfter"))})`,
      `${arrow(int(sum("macsBefore")), int(sum("macsAfter")))} (${times(sum("macsBefore"), sum("macsAfter"))})`, ""]));
    console.log(comparisonTable(figures));
    console.log(`saved ${out} (${bytes(written.length)})`);
  },
};

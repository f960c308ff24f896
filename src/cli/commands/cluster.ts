// slimnet cluster IN -o OUT [--bits 5 | --per-layer fc1=6,…]: Deep Compression weight sharing
// (src/passes/cluster.ts), with trained quantization when --data is given. Prints per layer the
// weights kept, index bits, stored bits per kept weight and bytes before → after like Deep
// Compression's Tables 1–3, totals with the compression ratio, and MNIST test accuracy.
// `compressionTable` serves `slimnet compress` too.
import type { Graph } from "../../ir/graph.js";
import { CENTROID_INITS, cluster as clusterPass } from "../../passes/cluster.js";
import { storageReport, type StorageRow } from "../../passes/huffman.js";
import { prunableLayers } from "../../passes/prune.js";
import { InputError } from "../../runtime/errors.js";
import { onePositional, printJson, type Command } from "../command.js";
import { bytes, table } from "../table.js";
import {
  accuracyLine, arrow, checkOut, intOptionOrZero, loadTrainTest, perLayerOption, readGraph, testAccuracy, TRAINING_FLAGS, trainingOptions, writeGraph,
} from "./prune.js";
import { choice, numberOption } from "./train.js";

export interface CompressionRow extends StorageRow {
  bytesBefore: number;
}

/** Per-layer storage of `after` next to that of `before` (same layers), and the totals. */
export function compression(before: Graph, after: Graph): { layers: CompressionRow[]; bytesBefore: number; bytesAfter: number; ratio: number } {
  const b0 = new Map(storageReport(before).map((r) => [r.name, r.bytes]));
  const layers = storageReport(after).map((r) => ({ ...r, bytesBefore: b0.get(r.name)! }));
  const bytesBefore = layers.reduce((s, l) => s + l.bytesBefore, 0), bytesAfter = layers.reduce((s, l) => s + l.bytes, 0);
  return { layers, bytesBefore, bytesAfter, ratio: bytesBefore / bytesAfter };
}

const pct = (v: number): string => `${(100 * v).toFixed(1)}%`;
const ratio = (a: number, b: number): string => `${(a / b).toFixed(1)}×`;

/** Deep Compression's per-layer table (its Tables 1–3): weights, kept %, index bits, mean stored bits per index and
 *  per gap (Table 2's Huffman figures), bits per kept weight, bytes, ratio. */
export function compressionTable(c: ReturnType<typeof compression>): string {
  const sum = (k: "params" | "nonzero") => c.layers.reduce((s, l) => s + l[k], 0);
  const bits = (8 * c.bytesAfter) / sum("nonzero");
  const mean = (v?: number) => (v === undefined ? "—" : v.toFixed(2));
  return table(["layer", "op", "weights", "kept", "index bits", "encoding", "bits/index", "bits/gap", "bits/weight", "bytes", "ratio"], c.layers.map((l) => [
    l.name, l.op, l.params, pct(l.nonzero / l.params), l.indexBits ?? "—", l.encoding, mean(l.bitsPerIndex), mean(l.bitsPerGap),
    l.bitsPerWeight.toFixed(2), arrow(bytes(l.bytesBefore), bytes(l.bytes)), ratio(l.bytesBefore, l.bytes),
  ]), ["total", "", sum("params"), pct(sum("nonzero") / sum("params")), "", "", "", "", bits.toFixed(2), arrow(bytes(c.bytesBefore), bytes(c.bytesAfter)), ratio(c.bytesBefore, c.bytesAfter)]);
}

export const cluster: Command = {
  name: "cluster",
  summary: "weight sharing: k-means codebooks of 2^b centroids per layer, trained quantization when --data is given",
  usage: "IN -o OUT.slim [--bits 5] [--per-layer NAME=BITS,…] [--init linear|density|random] [--per-channel] " +
    "[--data mnist|DIR] [--finetune-epochs 1] [--limit N] [--batch 64] [--lr 0.001] [--seed S] [--json]",
  options: { ...TRAINING_FLAGS, bits: { type: "string" }, "per-layer": { type: "string" }, init: { type: "string" }, "per-channel": { type: "boolean" } },
  async run(values, positionals) {
    const file = onePositional(this, positionals), out = checkOut(this, values.out);
    const isBits = (v: number) => Number.isInteger(v) && v >= 1 && v <= 8;
    const bits = numberOption(values, "bits", 5, isBits, "an integer in 1..8"), init = choice(values, "init", CENTROID_INITS);
    if (values.data === undefined) {
      const needs = ["finetune-epochs", "limit", "lr", "batch"].filter((k) => values[k] !== undefined);
      if (needs.length) throw new InputError(`--${needs[0]} needs --data (fine-tuning data); without it cluster does not fine-tune`);
    }
    const graph = readGraph(file);
    const perLayer = perLayerOption(values, prunableLayers(graph).map((l) => l.name), isBits, "BITS");
    const data = loadTrainTest(values);
    if (!data) process.stderr.write("no --data: clustering without trained quantization\n");
    const training = trainingOptions({ lr: "0.001", ...values });
    const result = await clusterPass(graph, {
      bits, perLayer, init, perChannel: values["per-channel"] === true, data: data?.train,
      finetuneEpochs: data ? intOptionOrZero(values, "finetune-epochs", 1) : 0, ...training,
    });
    const written = writeGraph(out, result.graph), c = compression(graph, result.graph);
    const test = data ? { n: data.test.n, before: await testAccuracy(graph, data.test), after: await testAccuracy(result.graph, data.test) } : undefined;
    if (values.json) {
      printJson({ model: file, output: out, outputBytes: written.length, ...c, clusters: result.layers, valAccuracyBefore: result.valAccuracyBefore, valAccuracyClustered: result.valAccuracyClustered, valAccuracy: result.valAccuracy, test });
      return;
    }
    console.log(compressionTable(c));
    if (test) console.log(accuracyLine(test.before, test.after, test.n));
    console.log(`saved ${out} (${bytes(written.length)})`);
  },
};

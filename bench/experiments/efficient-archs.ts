// Issue 7.5/7.6 for the efficient-architecture zoo models: params, MACs, file sizes and batch-1
// latency of slimnet (plain plan, and Concat slices with { aliasConcat }) next to
// onnxruntime-web (wasm, 1 thread) on the same exported ONNX. Trained models: pass ONNX files
// (from `slimnet train --arch shufflenet|squeezenet -o X.onnx`) as arguments; else seeded init.
// Usage: node --import tsx bench/experiments/efficient-archs.ts [shufflenet.onnx squeezenet.onnx]
import { readFileSync } from "node:fs";
import * as ort from "onnxruntime-web";
import { exportOnnx } from "../../src/export/onnx.js";
import { importOnnx } from "../../src/import/onnx.js";
import { writeSlim } from "../../src/format/writer.js";
import { countMacs, countParams } from "../../src/ir/analysis.js";
import type { Graph } from "../../src/ir/graph.js";
import { fold } from "../../src/passes/fold.js";
import { Model } from "../../src/runtime/model.js";
import { shufflenet, squeezenet } from "../../src/zoo/index.js";

ort.env.wasm.numThreads = 1;
const files = process.argv.slice(2);
const graphs: Graph[] = files.length ? files.map((f) => importOnnx(readFileSync(f))) : [shufflenet(), squeezenet()].map((g) => { fold(g); return g; });

/** Median ms of `runs` calls after `warm` warm-up calls. */
async function median(f: () => unknown, runs = 400, warm = 50): Promise<number> {
  for (let i = 0; i < warm; i++) await f();
  const t: number[] = [];
  for (let i = 0; i < runs; i++) { const a = performance.now(); await f(); t.push(performance.now() - a); }
  return t.sort((a, b) => a - b)[runs >> 1];
}

for (const g of graphs) {
  const x = g.inputs[0], shape = [1, ...g.tensors.get(x)!.shape.slice(1)];
  const data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => ((i * 7919) % 256) / 255);
  const onnx = exportOnnx(g), plain = writeSlim(g), aliased = writeSlim(g, { aliasConcat: true });
  const s = await ort.InferenceSession.create(onnx), feedsOrt = { [x]: new ort.Tensor("float32", data, shape) };
  const row: Record<string, string | number> = {
    model: g.name, params: countParams(g), macs: countMacs(g).total, onnxBytes: onnx.length, slimBytes: plain.length,
  };
  // The machine is shared: the runners take turns, 15 rounds of 200 runs; the best round's median counts.
  const runners: [string, () => unknown][] = [["ort ms", () => s.run(feedsOrt)]];
  for (const [k, bytes] of [["slimnet ms", plain], ["slimnet+slices ms", aliased]] as const) {
    try {
      const m = await Model.load(bytes), feeds = { [x]: { data, shape } };
      runners.push([k, () => m.run(feeds)]);
    } catch (e) { row[k] = `load failed: ${(e as Error).message.slice(0, 60)}`; }
  }
  const best = new Map<string, number>();
  for (let round = 0; round < 15; round++) {
    for (const [k, f] of runners) best.set(k, Math.min(best.get(k) ?? Infinity, await median(f, 200, round ? 10 : 50)));
  }
  for (const [k, v] of best) row[k] = +v.toFixed(4);
  console.log(JSON.stringify(row));
}

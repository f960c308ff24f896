// npm run exp:redesign -- NAME=ORIGINAL.onnx:REDESIGNED.onnx … [--budget-ms 3000] [--json]
// Issue 7 part 6 for the redesign passes (lowrank, separable): for each original / redesigned
// pair, params, MACs, file sizes (.onnx and .slim), MNIST test error (all 10,000 images, in the
// runtime) and batch-1 latency in slimnet and in onnxruntime-web running the same ONNX files
// (median after warm-up, bench/stats.ts timeRuns; the two runtimes on the same files, one thread).
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { loadImageSet } from "../../src/data/mnist.js";
import { countMacs, countParams } from "../../src/ir/analysis.js";
import { writeSlim } from "../../src/format/writer.js";
import { readGraph, testAccuracy } from "../../src/cli/commands/prune.js";
import { bytes, table } from "../../src/cli/table.js";
import { exportOnnx } from "../../src/export/onnx.js";
import { Model } from "../../src/runtime/model.js";
import { loadPeer, type BenchModel, type Peer } from "../peers/peer.js";
import { timeRuns } from "../stats.js";

const { values: opts, positionals } = parseArgs({
  options: { "budget-ms": { type: "string", default: "3000" }, json: { type: "boolean", default: false } },
  allowPositionals: true,
});
if (!positionals.length) {
  process.stderr.write("usage: npm run exp:redesign -- NAME=ORIGINAL.onnx:REDESIGNED.onnx … [--budget-ms 3000] [--json]\n");
  process.exit(1);
}
const budget = Number(opts["budget-ms"]), test = loadImageSet("mnist", "test");
const ort = await loadPeer("ort");
// slimnet through the Model API of this checkout (dist/runtime.simd.wasm), as an application uses it.
const slimnet = {
  async open(model: BenchModel) {
    const m = await Model.load(model.slim);
    return { run: (data: Float32Array) => m.run({ [model.input]: data })[model.output].data, close() {} };
  },
} as Pick<Peer, "open">;

interface Row { model: string; file: string; params: number; macs: number; onnxBytes: number; slimBytes: number; testError: number; slimnetMs: number; ortMs: number }
const rows: Row[] = [];
for (const pair of positionals) {
  const m = /^([^=]+)=([^:]+):(.+)$/.exec(pair);
  if (!m) throw new Error(`expected NAME=ORIGINAL.onnx:REDESIGNED.onnx, got ${pair}`);
  for (const [k, file] of [[`${m[1]} original`, m[2]], [`${m[1]} redesigned`, m[3]]]) {
    const graph = readGraph(file), slim = writeSlim(graph), onnx = readFileSync(file);
    const shape = [1, ...graph.tensors.get(graph.inputs[0])!.shape.slice(1)];
    const model: BenchModel = { key: k, graph, onnx: exportOnnx(graph), slim, input: graph.inputs[0], output: graph.outputs[0], inputShape: shape };
    const x = test.images.subarray(0, shape.reduce((a, b) => a * b, 1));
    const time = async (peer: Pick<Peer, "open">) => {
      const s = await peer.open(model);
      const t = await timeRuns(s, x, shape, budget, 200, 1000);
      await s.close();
      return t.medianMs;
    };
    rows.push({
      model: k, file, params: countParams(graph), macs: countMacs(graph).total, onnxBytes: onnx.length, slimBytes: slim.length,
      testError: 1 - (await testAccuracy(graph, test)), slimnetMs: await time(slimnet), ortMs: await time(ort),
    });
  }
}
if (opts.json) console.log(JSON.stringify(rows, null, 2));
else {
  const us = (ms: number) => `${(1000 * ms).toFixed(1)} µs`;
  console.log(table(["model", "params", "MACs", ".onnx", ".slim", "test error", "slimnet batch-1", "onnxruntime-web batch-1"], rows.map((r) => [
    r.model, r.params, r.macs, bytes(r.onnxBytes), bytes(r.slimBytes), `${(100 * r.testError).toFixed(2)}%`, us(r.slimnetMs), us(r.ortMs),
  ])));
}

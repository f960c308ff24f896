// npm run bench:early-exit [-- --passes 3] [-- --json]: issue 8 part 6. Average batch-1 latency over
// the 10,000 MNIST test images of the early-exit LeNet-5 files of `npm run exp:b-lenet`
// (bench/out/b-lenet.slim, bench/out/b-lenet-deep-compressed.slim) next to the full network: the same
// file with exit "final", the dense f32 LeNet-5 .slim, and onnxruntime-web (wasm, 1 thread) on
// data/models/lenet5.onnx. One process; the runners take turns on chunks of the test set and each
// chunk's fastest pass counts (the machine is shared). Exit histogram, accuracy and MACs alongside.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import * as ort from "onnxruntime-web";
import { progress } from "../src/cli/progress.js";
import { bytes, table } from "../src/cli/table.js";
import { loadImageSet } from "../src/data/mnist.js";
import { writeSlim } from "../src/format/writer.js";
import { importOnnx } from "../src/import/onnx.js";
import { Model, type RunOptions, type RunResult } from "../src/runtime/model.js";
import { OUT, ROOT } from "./bundle.js";

const { values: opts } = parseArgs({ options: { passes: { type: "string", default: "3" }, json: { type: "boolean", default: false } } });
const passes = Number(opts.passes);
ort.env.wasm.numThreads = 1;
const set = loadImageSet("mnist", "test"), per = set.images.length / set.n;
const image = (s: number): Float32Array => set.images.subarray(s * per, (s + 1) * per);
const files = [["B-LeNet", `${OUT}b-lenet.slim`], ["deep-compressed B-LeNet", `${OUT}b-lenet-deep-compressed.slim`]].filter(([, f]) => existsSync(f));
if (!files.length) {
  process.stderr.write(`bench:early-exit: no ${OUT}b-lenet*.slim; run \`npm run exp:b-lenet\` first (about 30 minutes)\n`);
  process.exit(0);
}

interface Runner { name: string; file: number; macs: number; accuracy: number; exits?: { fraction: number; accuracy: number }[]; run: (s: number) => unknown }
const argmax = (z: Float32Array): number => z.indexOf(Math.max(...z));

/** A slimnet runner with its test accuracy, average MACs and exit histogram (one pass over the test set). */
function slimRunner(name: string, model: Model, fileBytes: number, options?: RunOptions): Runner {
  const input = model.inputs[0].name, output = model.outputs[0].name;
  const hist = new Array<number>(model.exits.length + 1).fill(0), right = [...hist];
  let correct = 0, macs = 0;
  for (let s = 0; s < set.n; s++) {
    const r = model.run({ [input]: image(s) }, options) as RunResult, ok = argmax(r[output].data) === set.labels[s];
    hist[r.exit[0]]++;
    macs += r.macs;
    if (ok) { correct++; right[r.exit[0]]++; }
  }
  return {
    name, file: fileBytes, macs: macs / set.n, accuracy: correct / set.n,
    exits: model.exits.length ? hist.map((h, k) => ({ fraction: h / set.n, accuracy: right[k] / Math.max(1, h) })) : undefined,
    run: (s) => model.run({ [input]: image(s) }, options),
  };
}

const lenet5 = importOnnx(readFileSync(`${ROOT}data/models/lenet5.onnx`)), denseBytes = writeSlim(lenet5);
const dense = await Model.load(denseBytes);
const runners: Runner[] = [slimRunner("LeNet-5 dense f32 (slimnet)", dense, denseBytes.length)];
const session = await ort.InferenceSession.create(readFileSync(`${ROOT}data/models/lenet5.onnx`));
const ortIn = session.inputNames[0], ortOut = session.outputNames[0];
let ortCorrect = 0;
for (let s = 0; s < set.n; s++) {
  const z = (await session.run({ [ortIn]: new ort.Tensor("float32", image(s), [1, 1, 28, 28]) }))[ortOut].data as Float32Array;
  if (argmax(z) === set.labels[s]) ortCorrect++;
}
const ortRunner: Runner = {
  name: "LeNet-5 dense f32 (onnxruntime-web)", file: readFileSync(`${ROOT}data/models/lenet5.onnx`).length, macs: dense.macs, accuracy: ortCorrect / set.n,
  run: (s) => session.run({ [ortIn]: new ort.Tensor("float32", image(s), [1, 1, 28, 28]) }),
};
runners.push(ortRunner);
for (const [name, file] of files) {
  const b = readFileSync(file), m = await Model.load(b);
  runners.push(slimRunner(`${name}, early exit`, m, b.length), slimRunner(`${name}, exit "final"`, m, b.length, { exit: "final" }));
}

// Runners take turns on chunks of CHUNK images, and each chunk keeps its fastest pass: the other
// core's load drifts over seconds, so a whole-pass minimum would compare runners timed in different
// weather. slimnet runs synchronously (no await), as an application calls it; onnxruntime-web is awaited.
const CHUNK = 500, chunks = Math.ceil(set.n / CHUNK);
const best = new Map(runners.map((r) => [r.name, new Array<number>(chunks).fill(Infinity)]));
const bar = progress("early-exit latency", passes * runners.length * set.n);
let done = 0;
for (let pass = 0; pass < passes; pass++) {
  for (let c = 0; c < chunks; c++) {
    const from = c * CHUNK, to = Math.min(set.n, from + CHUNK);
    for (const r of runners) {
      const t0 = performance.now();
      for (let s = from; s < to; s++) {
        const p = r.run(s);
        if (p instanceof Promise) await p;
      }
      const t = best.get(r.name)!;
      t[c] = Math.min(t[c], performance.now() - t0);
      bar.update((done += to - from));
    }
  }
}
bar.stop();

const msPerImage = new Map([...best].map(([name, t]) => [name, t.reduce((a, b) => a + b, 0) / set.n]));
const base = msPerImage.get(runners[0].name)!, pct = (v: number) => `${(100 * v).toFixed(2)}%`;
const rows = runners.map((r) => ({
  name: r.name, fileBytes: r.file, accuracy: r.accuracy, avgMacs: r.macs, ms: msPerImage.get(r.name)!, exits: r.exits,
  sizeRatio: denseBytes.length / r.file, macsRatio: dense.macs / r.macs, speedup: base / msPerImage.get(r.name)!,
}));
const md = [
  "# Early exit: average batch-1 latency over the MNIST test set",
  "",
  `\`npm run bench:early-exit -- --passes ${passes}\`; ${new Date().toISOString().slice(0, 10)}; load average ${loadavg()[0].toFixed(1)} at the end.`,
  `Each row: one sample at a time over all 10,000 test images; the runners take turns on chunks of ${CHUNK} images and each chunk counts its fastest of the passes. Ratios against the dense f32 LeNet-5 in slimnet.`,
  "",
  "```",
  table(["model", "file", "size ×", "accuracy", "avg MACs", "MACs ×", "ms / image", "speed-up", "exit histogram (accuracy per exit): exits / final"], rows.map((r) => [
    r.name, bytes(r.fileBytes), `${r.sizeRatio.toFixed(1)}×`, pct(r.accuracy), Math.round(r.avgMacs), `${r.macsRatio.toFixed(2)}×`, r.ms.toFixed(4),
    `${r.speedup.toFixed(2)}×`, r.exits ? r.exits.map((e) => e.fraction ? `${pct(e.fraction)} (${pct(e.accuracy)} right)` : "0%").join(" / ") : "—",
  ])),
  "```",
  "",
].join("\n");
if (opts.json) console.log(JSON.stringify(rows, null, 2));
else console.log(md);
writeFileSync(`${ROOT}bench/early-exit-results.md`, md);

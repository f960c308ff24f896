// node --import tsx bench/experiments/binaryconnect.ts [--mode binaryconnect|xnor|bnn] [--epochs N]
//   [--hidden 1024] [--lr 0.003] [--lr-end 0.1] [--lr-scale glorot|1] [--jitter PX] [--batch 100]
//   [--seed S] [--save FILE.slim] [--quick] [--json]
// BinaryConnect (Courbariaux et al. 2015) on MNIST: the zoo MLP 784-1024-1024-1024-10 with
// BatchNormalization, trained binarized from scratch (deterministic sign, shadows clipped to
// [−1, 1]; first and last layer real-valued), Adam with the learning rate decayed ×0.1 over the
// run, batch 100, 54,000 training / 6,000 validation images, no augmentation. The paper trains
// 1000 epochs to 1.29% test error; the epochs here are what a run of minutes affords.
// Test error on the 10,000 test images is measured through trainer.wasm's inference mode (the
// runtime's kernels): a "binary"-tagged graph cannot be written as .slim until the tag-6 writer lands.
// --lr-scale glorot: BinaryConnect's per-layer learning-rate scale of the binary weights
// (1 / sqrt(1.5 / (fanIn + fanOut))); --lr-end: final learning rate as a fraction of the start
// (exponential decay per epoch); --jitter PX: random ±PX pixel shifts of the training images;
// --save: writes the trained model as .slim (1-bit weights) and measures the test error by running
// that file in the inference runtime (src/runtime), as deployed.
// --quick: 256 hidden units, 6,000 training images, 2 epochs.
import { parseArgs } from "node:util";
import { writeFileSync } from "node:fs";
import { serialize } from "node:v8";
import { jitter } from "../../src/data/augment.js";
import { fromImageSet, head } from "../../src/data/batches.js";
import { loadImageSet } from "../../src/data/mnist.js";
import { binarize, BINARIZE_MODES, type BinarizeMode } from "../../src/passes/binarize.js";
import { accuracy } from "../../src/passes/prune.js";
import { binaryconnect } from "../../src/zoo/binaryconnect.js";
import { writeSlim } from "../../src/format/writer.js";
import { Model } from "../../src/runtime/index.js";
import type { Labeled } from "../../src/data/batches.js";

/** Test accuracy of a .slim file run by the inference runtime, 500 images per call. */
async function runtimeAccuracy(bytes: Uint8Array, set: Labeled): Promise<number> {
  const m = await Model.load(bytes), per = set.x.length / set.n, name = m.inputs[0].name;
  let hits = 0;
  for (let i = 0; i < set.n; i += 500) {
    const n = Math.min(500, set.n - i), out = Object.values(m.run({ [name]: set.x.subarray(i * per, (i + n) * per) }))[0].data as Float32Array;
    for (let k = 0; k < n; k++) {
      const z = out.subarray(k * 10, k * 10 + 10);
      if (z.indexOf(Math.max(...z)) === set.labels[i + k]) hits++;
    }
  }
  return hits / set.n;
}

const { values: opts } = parseArgs({
  options: {
    mode: { type: "string", default: "binaryconnect" },
    epochs: { type: "string" },
    hidden: { type: "string" },
    lr: { type: "string", default: "0.003" },
    "lr-end": { type: "string", default: "0.1" },
    "lr-scale": { type: "string", default: "1" },
    jitter: { type: "string", default: "0" },
    batch: { type: "string", default: "100" },
    seed: { type: "string", default: "1" },
    save: { type: "string" },
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const mode = opts.mode as BinarizeMode;
if (!BINARIZE_MODES.includes(mode)) throw new Error(`--mode must be one of ${BINARIZE_MODES.join(", ")}, got ${opts.mode}`);
const epochs = Number(opts.epochs ?? (opts.quick ? 2 : 20)), hidden = Number(opts.hidden ?? (opts.quick ? 256 : 1024)), lr = Number(opts.lr);
const all = fromImageSet(loadImageSet("mnist", "train")), test = fromImageSet(loadImageSet("mnist", "test"));
const data = opts.quick ? head(all, 6000) : all;
const log = (m: string): void => void process.stderr.write(m + "\n");

const t0 = performance.now();
const lrEnd = Number(opts["lr-end"]), px = Number(opts.jitter), seed = Number(opts.seed);
const lrScale = opts["lr-scale"] === "glorot" ? "glorot" : Number(opts["lr-scale"]);
const r = await binarize(binaryconnect(seed, hidden), {
  mode, data, epochs, optimizer: { kind: "adam", lr }, batch: Number(opts.batch), seed, lrScale,
  schedule: { kind: "step", every: 1, gamma: lrEnd ** (1 / epochs) },
  augment: px > 0 ? (x, n, s) => jitter(x, n, 28, 28, px, s) : undefined,
  onEpoch: (e) => log(`epoch ${e.epoch}/${epochs}: loss ${e.loss.toFixed(4)} train ${(100 * e.trainAccuracy).toFixed(2)}% ` +
    `val ${(100 * (e.valAccuracy ?? 0)).toFixed(2)}% lr ${e.lr.toExponential(2)} ${Math.round(e.samplesPerSecond)} samples/s`),
});
let errorPct = 100 * (1 - (await accuracy(r.graph, test))), measuredBy = "trainer.wasm inference mode";
if (opts.save) {
  writeFileSync(`${opts.save}.graph`, serialize(r.graph)); // the IR (v8 serialization), to re-measure or re-export
  const bytes = writeSlim(r.graph);
  writeFileSync(opts.save, bytes);
  errorPct = 100 * (1 - (await runtimeAccuracy(bytes, test)));
  measuredBy = `runtime on ${opts.save} (${bytes.length} bytes)`;
}
const result = {
  mode, hidden, epochs, lr, lrEnd, lrScale, jitter: px, batch: Number(opts.batch), seed, measuredBy, trainImages: Math.round(data.n * 0.9), testErrorPct: +errorPct.toFixed(2), paperErrorPct: 1.29,
  seconds: Math.round((performance.now() - t0) / 1000), layers: r.layers.map(({ name, binary, bitsPerWeight }) => ({ name, binary, bitsPerWeight: +bitsPerWeight.toFixed(3) })),
};
if (opts.json) console.log(JSON.stringify(result, null, 2));
else console.log(`BinaryConnect MLP ${mode}, ${hidden} hidden, ${epochs} epochs: test error ${errorPct.toFixed(2)}% (paper 1.29%, goal ≤ 1.5%; ${measuredBy}) in ${result.seconds} s`);

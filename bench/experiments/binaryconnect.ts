// node --import tsx bench/experiments/binaryconnect.ts [--mode binaryconnect|xnor|bnn] [--epochs N]
//   [--hidden 1024] [--lr 0.003] [--quick] [--json]
// BinaryConnect (Courbariaux et al. 2015) on MNIST: the zoo MLP 784-1024-1024-1024-10 with
// BatchNormalization, trained binarized from scratch (deterministic sign, shadows clipped to
// [−1, 1]; first and last layer real-valued), Adam with the learning rate decayed ×0.1 over the
// run, batch 100, 54,000 training / 6,000 validation images, no augmentation. The paper trains
// 1000 epochs to 1.29% test error; the epochs here are what a run of minutes affords.
// Test error on the 10,000 test images is measured through trainer.wasm's inference mode (the
// runtime's kernels): a "binary"-tagged graph cannot be written as .slim until the tag-6 writer lands.
// --quick: 256 hidden units, 6,000 training images, 2 epochs.
import { parseArgs } from "node:util";
import { fromImageSet, head } from "../../src/data/batches.js";
import { loadImageSet } from "../../src/data/mnist.js";
import { binarize, BINARIZE_MODES, type BinarizeMode } from "../../src/passes/binarize.js";
import { accuracy } from "../../src/passes/prune.js";
import { binaryconnect } from "../../src/zoo/binaryconnect.js";

const { values: opts } = parseArgs({
  options: {
    mode: { type: "string", default: "binaryconnect" },
    epochs: { type: "string" },
    hidden: { type: "string" },
    lr: { type: "string", default: "0.003" },
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
const r = await binarize(binaryconnect(1, hidden), {
  mode, data, epochs, optimizer: { kind: "adam", lr },
  onEpoch: (e) => log(`epoch ${e.epoch}/${epochs}: loss ${e.loss.toFixed(4)} train ${(100 * e.trainAccuracy).toFixed(2)}% ` +
    `val ${(100 * (e.valAccuracy ?? 0)).toFixed(2)}% lr ${e.lr.toExponential(2)} ${Math.round(e.samplesPerSecond)} samples/s`),
});
const errorPct = 100 * (1 - (await accuracy(r.graph, test)));
const result = {
  mode, hidden, epochs, lr, trainImages: Math.round(data.n * 0.9), testErrorPct: +errorPct.toFixed(2), paperErrorPct: 1.29,
  seconds: Math.round((performance.now() - t0) / 1000), layers: r.layers.map(({ name, binary, bitsPerWeight }) => ({ name, binary, bitsPerWeight: +bitsPerWeight.toFixed(3) })),
};
if (opts.json) console.log(JSON.stringify(result, null, 2));
else console.log(`BinaryConnect MLP ${mode}, ${hidden} hidden, ${epochs} epochs: test error ${errorPct.toFixed(2)}% (paper 1.29%, goal ≤ 1.5%) in ${result.seconds} s`);

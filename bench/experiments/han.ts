// npm run exp:han [-- --models lenet300,lenet5] [-- --scope layer|global] [-- --distill] [-- --jitter PX] [-- --quick] [-- --json]
// Han et al. 2015 ("Learning both Weights and Connections") on MNIST: the trained LeNets of
// data/models pruned to ~8% of their weights (12×) with the paper's per-layer rates, iteratively
// (polynomial schedule, fine-tuning after each step), then fine-tuned once more with a cosine
// learning rate. Options of that last fine-tune: --distill learns the dense model's soft targets
// at T = 4, α = 0.7 as well as the labels; --jitter shifts the images by up to PX pixels (default 1).
// --scope global replaces the paper's per-layer rates by one threshold on normalised magnitudes
// at the same overall rate. Errors are measured on the 10,000 test images by the SIMD runtime
// running the deployed .slim (CSR weights), not by the trainer. Writes bench/han-results.md (a
// full run) or bench/out/han-results.md (--quick / a subset), and the .slim files to bench/out/.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { evaluateModel } from "../../src/cli/commands/eval.js";
import { bytes, table } from "../../src/cli/table.js";
import { jitter } from "../../src/data/augment.js";
import { fromImageSet, head } from "../../src/data/batches.js";
import { loadImageSet } from "../../src/data/mnist.js";
import { writeSlim } from "../../src/format/writer.js";
import { importOnnx } from "../../src/import/onnx.js";
import type { Graph } from "../../src/ir/graph.js";
import { prune, prunableLayers, weightSparsity } from "../../src/passes/prune.js";
import { Model } from "../../src/runtime/model.js";
import { fit } from "../../src/train/loop.js";
import { Trainer } from "../../src/train/trainer.js";
import { OUT, ROOT } from "../bundle.js";

/** Fractions pruned per layer, from Han et al. 2015 Tables 1 and 2 (weights kept: 8/9/26% and 66/12/8/19%). */
const PAPER = {
  lenet300: { layers: { fc1: 0.92, fc2: 0.91, logits: 0.74 }, baseline: 1.64, pruned: 1.59, ratio: 12 },
  lenet5: { layers: { conv1: 0.34, conv2: 0.88, fc1: 0.92, logits: 0.81 }, baseline: 0.8, pruned: 0.77, ratio: 12 },
} as const;
type Key = keyof typeof PAPER;

/** Steps × fine-tuning epochs, then the final cosine fine-tune; LeNet-5 trains ~14× slower. */
const PLAN: Record<Key, { steps: number; epochs: number; final: number; lr: number }> = {
  lenet300: { steps: 10, epochs: 4, final: 30, lr: 0.02 },
  lenet5: { steps: 4, epochs: 1, final: 4, lr: 0.01 },
};

const { values: opts } = parseArgs({
  options: {
    models: { type: "string", default: "lenet300,lenet5" },
    scope: { type: "string", default: "layer" },
    distill: { type: "boolean", default: false },
    jitter: { type: "string", default: "1" },
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const keys = opts.models!.split(",") as Key[];
for (const k of keys) if (!(k in PAPER)) throw new Error(`--models: unknown model "${k}" (${Object.keys(PAPER).join(", ")})`);
const shift = Number(opts.jitter);
if (!(Number.isInteger(shift) && shift >= 0 && shift < 14)) throw new Error(`--jitter must be a pixel count 0..13, got ${opts.jitter}`);
if (opts.scope !== "layer" && opts.scope !== "global") throw new Error(`--scope must be layer or global, got ${opts.scope}`);
const full = !opts.quick && keys.length === Object.keys(PAPER).length;

const trainSet = loadImageSet("mnist", "train"), testSet = loadImageSet("mnist", "test");
const train = opts.quick ? head(fromImageSet(trainSet), 6000) : fromImageSet(trainSet);
const log = (m: string): void => void process.stderr.write(m + "\n");

async function testError(g: Graph): Promise<{ errors: number; bytes: number }> {
  const slim = writeSlim(g);
  const r = evaluateModel(await Model.load(slim), testSet, testSet.n, 100);
  return { errors: r.n - r.correct, bytes: slim.length };
}

const nonZero = (g: Graph): number => prunableLayers(g).reduce((s, l) => s + g.tensors.get(l.weight)!.data!.reduce((z, v) => z + (v !== 0 ? 1 : 0), 0), 0);

interface Row {
  model: Key;
  weights: number;
  kept: number;
  perLayer: { name: string; params: number; kept: number }[];
  dense: { errorPct: number; bytes: number };
  pruned: { errorPct: number; bytes: number };
  history: { step: number; sparsity: number; valAccuracy?: number }[];
  seconds: number;
}

const rows: Row[] = [];
mkdirSync(OUT, { recursive: true });
for (const key of keys) {
  const t0 = performance.now();
  const plan = PLAN[key], paper = PAPER[key];
  const dense = importOnnx(readFileSync(`${ROOT}data/models/${key}.onnx`));
  const before = await testError(dense);
  log(`${key}: dense test error ${(before.errors / 100).toFixed(2)}%; pruning to the paper's rates in ${plan.steps} steps`);
  const optimizer = { kind: "sgd", lr: plan.lr, momentum: 0.9, weightDecay: 1e-4 } as const;
  const weights = prunableLayers(dense).map((l) => dense.tensors.get(l.weight)!.data!.length);
  const overall = prunableLayers(dense).reduce((s, l, i) => s + paper.layers[l.name as keyof typeof paper.layers] * weights[i], 0) / weights.reduce((a, b) => a + b);
  const rates = opts.scope === "global" ? { sparsity: overall, scope: "global" as const } : { sparsity: 0, perLayer: { ...paper.layers } };
  const r = await prune(dense, {
    ...rates, schedule: { kind: "polynomial", steps: plan.steps },
    data: train, finetuneEpochs: opts.quick ? 1 : plan.epochs, optimizer, seed: 1,
    onStep: (s) => log(`  step ${s.step}: sparsity ${(100 * s.sparsity).toFixed(1)}%, validation ${((s.valAccuracy ?? 0) * 100).toFixed(2)}%`),
  });
  // Final fine-tune on all training data with a cosine-decayed rate; masks keep zeros zero.
  const teacher = opts.distill ? await Model.load(writeSlim(dense)) : undefined;
  const trainer = await Trainer.create(r.graph, { batch: 64, optimizer, loss: teacher ? { kind: "distill", T: 4, alpha: 0.7 } : { kind: "ce" } });
  fit(trainer, train, {
    epochs: opts.quick ? 1 : plan.final, seed: 100, schedule: { kind: "cosine" },
    augment: shift ? (x, n, seed) => jitter(x, n, 28, 28, shift, seed) : undefined,
    teacher: teacher && ((x) => teacher.run({ [dense.inputs[0]]: x })[dense.outputs[0]].data),
  });
  const pruned = trainer.toGraph();
  const after = await testError(pruned);
  writeFileSync(`${OUT}${key}-pruned.slim`, writeSlim(pruned));
  rows.push({
    model: key, weights: weights.reduce((a, b) => a + b), kept: nonZero(pruned),
    perLayer: prunableLayers(pruned).map((l) => {
      const d = pruned.tensors.get(l.weight)!.data!;
      return { name: l.name, params: d.length, kept: d.reduce((z, v) => z + (v !== 0 ? 1 : 0), 0) };
    }),
    dense: { errorPct: before.errors / 100, bytes: before.bytes },
    pruned: { errorPct: after.errors / 100, bytes: after.bytes },
    history: r.history.map(({ step, sparsity, valAccuracy }) => ({ step, sparsity, valAccuracy })),
    seconds: Math.round((performance.now() - t0) / 1000),
  });
  log(`${key}: ${(100 * (1 - weightSparsity(pruned))).toFixed(1)}% of weights kept, test error ${(after.errors / 100).toFixed(2)}%`);
}

const pct = (x: number): string => `${x.toFixed(2)}%`;
const md = [
  "# Pruning: Han et al. 2015 on MNIST",
  "",
  `\`npm run exp:han -- --scope ${opts.scope}${opts.distill ? " --distill" : ""}${shift ? ` --jitter ${shift}` : ""}\`${opts.quick ? " --quick (6,000 training images, 1 epoch per stage: not a result)" : ""}; ${new Date().toISOString().slice(0, 10)}.`,
  "Trained models from data/models, pruned by magnitude to the paper's per-layer rates over a polynomial schedule with",
  "fine-tuning (SGD, momentum 0.9) after every step, then a final cosine fine-tune. Test error of the deployed .slim",
  "(CSR weights) in the SIMD runtime on all 10,000 test images.",
  ...(shift ? ["The dense baselines were trained without augmentation: part of a pruned model's gain over its baseline comes",
    `from the ±${shift} px jitter of the final fine-tune, not from pruning (compare a run with --jitter 0).`] : []),
  "```",
  table(
    ["model", "weights", "kept", "compression", "error dense → pruned", "paper (dense → pruned, 12×)", ".slim dense → pruned", "time"],
    rows.map((r) => [
      r.model, r.weights, r.kept, `${(r.weights / r.kept).toFixed(1)}×`,
      `${pct(r.dense.errorPct)} → ${pct(r.pruned.errorPct)}`, `${pct(PAPER[r.model].baseline)} → ${pct(PAPER[r.model].pruned)}`,
      `${bytes(r.dense.bytes)} → ${bytes(r.pruned.bytes)} (${(r.dense.bytes / r.pruned.bytes).toFixed(1)}×)`, `${r.seconds} s`,
    ]),
  ),
  "```",
  "",
  ...rows.flatMap((r) => [
    `${r.model}, per layer:`,
    "```",
    table(["layer", "weights", "kept", "kept %"], r.perLayer.map((l) => [l.name, l.params, l.kept, `${((100 * l.kept) / l.params).toFixed(1)}%`])),
    "```",
    "",
  ]),
].join("\n");
if (opts.json) console.log(JSON.stringify(rows, null, 2));
else console.log(md);
writeFileSync(full ? `${ROOT}bench/han-results.md` : `${OUT}han-results.md`, md + "\n");

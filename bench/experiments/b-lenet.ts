// npm run exp:b-lenet [-- --head pool-mlp] [-- --hidden 32] [-- --pool 2] [-- --epochs 5] [-- --train frozen|joint]
//   [-- --tolerance 0.1] [-- --rule maxprob|entropy] [-- --jitter 1] [-- --compressed FILE | --no-compose]
//   [-- --head-sparsity 0.9] [-- --head-bits 5] [-- --compose-epochs N] [-- --compose-train frozen|joint] [-- --no-dense]
//   [-- --dense-head-sparsity S]   prune the dense B-LeNet's head too (f32 csr), retrain it, recalibrate
//   [-- --compose-joint-lr LR]     after the compose head training, backbone + head jointly at LR
//   [-- --quick] [-- --json]
// B-LeNet (BranchyNet, Teerapittayanon et al. 2016): the trained LeNet-5 of data/models with ONE
// early head after the first conv block (pool1), trained with the backbone frozen and its
// threshold calibrated on a held-out 10% of the training images (src/passes/early-exit.ts);
// then the same on the Deep Compression LeNet-5 (the deep-compression recipe's output: a file
// given by --compressed, by default bench/out/lenet5-deep-compressed.slim of
// `npm run exp:deep-compression`, else the recipe is run here, ~40 min), its head pruned and
// clustered and retrained (frozen backbone) before recalibration.
// Test figures on the 10,000 test images: exit histogram, accuracy per exit, accuracy, average
// MACs. They come from the runtime (Model.load + model.run with early exits) when the runtime
// reports exits (`model.exits`), else from the trainer's inference pass with the reference rule
// (evaluateExits); the report says which. With the runtime, batch-1 latency over the test set
// is measured too (early exit vs `exit: "final"`, and vs the dense f32 model).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { bytes, table } from "../../src/cli/table.js";
import { fromImageSet, head, type Labeled } from "../../src/data/batches.js";
import { imageJitter } from "../../src/data/augment.js";
import { loadImageSet } from "../../src/data/mnist.js";
import { readSlim } from "../../src/format/reader.js";
import { writeSlim } from "../../src/format/writer.js";
import { importOnnx } from "../../src/import/onnx.js";
import type { Graph } from "../../src/ir/graph.js";
import { countMacs } from "../../src/ir/analysis.js";
import { calibrate, earlyExit, evaluateExits, HEADS, type EarlyExitResult, type ExitEvaluation, type HeadKind } from "../../src/passes/early-exit.js";
import { confidence } from "../../src/ir/exit-rule.js";
import { split } from "../../src/data/batches.js";
import { Trainer } from "../../src/train/trainer.js";
import { kmeans1d } from "../../src/passes/cluster.js";
import { recipe } from "../../src/passes/recipes.js";
import { Model } from "../../src/runtime/model.js";
import { OUT, ROOT } from "../bundle.js";

const { values: opts } = parseArgs({
  options: {
    head: { type: "string", default: "pool-mlp" },
    hidden: { type: "string", default: "32" },
    pool: { type: "string", default: "2" },
    epochs: { type: "string", default: "5" },
    train: { type: "string", default: "frozen" },
    tolerance: { type: "string", default: "0.1" },
    rule: { type: "string", default: "maxprob" },
    jitter: { type: "string", default: "0" },
    lr: { type: "string", default: "0.01" },
    compressed: { type: "string" },
    "no-compose": { type: "boolean", default: false },
    "no-dense": { type: "boolean", default: false },
    "compose-epochs": { type: "string" },
    "compose-train": { type: "string", default: "frozen" },
    "head-sparsity": { type: "string", default: "0.9" },
    "dense-head-sparsity": { type: "string", default: "0" },
    "compose-joint-lr": { type: "string", default: "0" },
    "head-bits": { type: "string", default: "5" },
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const usage = "usage: npm run exp:b-lenet [-- --head pool-mlp] [-- --epochs 5] [-- --train frozen|joint] [-- --tolerance 0.1] [-- --compressed FILE | --no-compose] [-- --no-dense] [-- --compose-epochs N] [-- --quick]";
const fail = (m: string): never => {
  process.stderr.write(`b-lenet: ${m}\n${usage}\n`);
  process.exit(1);
};
if (!HEADS.includes(opts.head as HeadKind)) fail(`--head must be one of ${HEADS.join(", ")}, got ${opts.head}`);
if (opts.train !== "frozen" && opts.train !== "joint") fail(`--train must be frozen or joint, got ${opts.train}`);
if (opts["compose-train"] !== "frozen" && opts["compose-train"] !== "joint") fail(`--compose-train must be frozen or joint, got ${opts["compose-train"]}`);
if (opts.rule !== "maxprob" && opts.rule !== "entropy") fail(`--rule must be maxprob or entropy, got ${opts.rule}`);
const num = (k: keyof typeof opts): number => {
  const v = Number(opts[k]);
  if (!Number.isFinite(v)) fail(`--${k} must be a number, got ${opts[k]}`);
  return v;
};
const log = (m: string): void => void process.stderr.write(m + "\n");

const trainSet = loadImageSet("mnist", "train"), testSet = loadImageSet("mnist", "test");
const train = opts.quick ? head(fromImageSet(trainSet), 6000) : fromImageSet(trainSet);
const test: Labeled = fromImageSet(testSet);
const dense = importOnnx(readFileSync(`${ROOT}data/models/lenet5.onnx`));
const denseBytes = writeSlim(dense).length, fullMacs = countMacs(dense).total;
mkdirSync(OUT, { recursive: true });

const passOptions = (g: Graph) => ({
  data: train, at: ["pool1"], head: opts.head as HeadKind, headHidden: num("hidden"), headPool: num("pool"),
  epochs: opts.quick ? 1 : num("epochs"), train: opts.train as "frozen" | "joint", rule: opts.rule as "maxprob" | "entropy",
  tolerance: num("tolerance") / 100, seed: 1, progress: true, optimizer: { kind: "sgd" as const, lr: num("lr"), momentum: 0.9 },
  augment: num("jitter") ? imageJitter(g, num("jitter")) : undefined,
});

/** Trains the heads `g` already has again (`train` mode, `epochs`, SGD at `lr`) and recalibrates them. */
const retrain = (g: Graph, backbone: Graph, train: "frozen" | "joint", epochs: number, lr: number) =>
  earlyExit(g, { ...passOptions(backbone), at: undefined, train, epochs: opts.quick ? 1 : Math.max(1, Math.round(epochs)), optimizer: { kind: "sgd", lr, momentum: 0.9 } });

interface Measured extends ExitEvaluation {
  source: "runtime" | "trainer";
  fileBytes: number;
  /** Batch-1 mean latency (ms) over the test set: early exit, the same file with exit "final". */
  latencyMs?: { exits: number; final: number };
}

/** Test figures of a graph with exits (see the header for runtime vs trainer). */
async function measure(g: Graph, name: string): Promise<Measured> {
  const slim = writeSlim(g);
  writeFileSync(`${OUT}${name}.slim`, slim);
  // A runtime without early exits rejects version 2 files: then the trainer measures.
  const model = await Model.load(slim).catch(() => undefined) as (Model & { exits?: { macs: number }[] }) | undefined;
  if (model?.exits?.length === g.exits!.length) {
    // The runtime with early exits (ee-runtime): batched for the histogram, batch 1 for latency.
    const K = g.exits!.length, counts = new Array<number>(K + 1).fill(0), correct = new Array<number>(K + 1).fill(0);
    const input = model.inputs[0].name, output = model.outputs[0].name, per = test.x.length / test.n, c = 10;
    let finalHits = 0;
    // model.run(feeds, options) and result.exit as docs/API.md specifies them (typed loosely until the runtime lands).
    const run = model.run.bind(model) as unknown as (f: object, o?: object) => Record<string, { data: Float32Array }> & { exit: Int32Array };
    for (let s = 0; s < test.n; s += 100) {
      const b = Math.min(100, test.n - s), x = test.x.subarray(s * per, (s + b) * per);
      const r = run({ [input]: { data: x, shape: [b, 1, 28, 28] } });
      const f = run({ [input]: { data: x, shape: [b, 1, 28, 28] } }, { exit: "final" });
      for (let i = 0; i < b; i++) {
        const k = r.exit[i], z = r[output].data.subarray(i * c, (i + 1) * c), zf = f[output].data.subarray(i * c, (i + 1) * c);
        counts[k]++;
        if (z.indexOf(Math.max(...z)) === test.labels[s + i]) correct[k]++;
        if (zf.indexOf(Math.max(...zf)) === test.labels[s + i]) finalHits++;
      }
    }
    const macs = [...model.exits.map((e) => e.macs), countMacs(g).total];
    const time = (o?: object) => {
      const t0 = performance.now();
      for (let s = 0; s < test.n; s++) run({ [input]: test.x.subarray(s * per, (s + 1) * per) }, o);
      return (performance.now() - t0) / test.n;
    };
    time(); // warm-up
    const latencyMs = { exits: time(), final: time({ exit: "final" }) };
    return {
      source: "runtime", n: test.n, counts, correct, accuracy: correct.reduce((a, b) => a + b, 0) / test.n, finalAccuracy: finalHits / test.n,
      avgMacs: counts.reduce((s, k, i) => s + k * macs[i], 0) / test.n, macs, fileBytes: slim.length, latencyMs,
    };
  }
  const e = await evaluateExits(g, test);
  return { source: "trainer", ...e, fileBytes: slim.length };
}

/** Prunes (magnitude, `sparsity`) and clusters (`bits`; 0: kept f32, stored csr) the weights of the heads' Gemms in place. */
function compressHeads(g: Graph, sparsity: number, bits: number): void {
  const heads = new Set(g.exits!.flatMap((e) => e.nodes));
  for (const n of g.nodes) {
    if (!heads.has(n.name) || n.op !== "Gemm") continue;
    const t = g.tensors.get(n.inputs[1])!, d = t.data!;
    const order = Uint32Array.from(d, (_, i) => i).sort((a, b) => Math.abs(d[a]) - Math.abs(d[b]) || a - b);
    const cut = Math.round(sparsity * d.length);
    for (let i = 0; i < cut; i++) d[order[i]] = 0;
    if (!bits) {
      t.encoding = "csr";
      continue;
    }
    const alive = d.filter((v) => v !== 0), km = kmeans1d(alive, 2 ** bits, "linear", 1);
    let at = 0;
    for (let i = 0; i < d.length; i++) if (d[i] !== 0) d[i] = km.centroids[km.index[at++]];
    Object.assign(t, { indexBits: bits, encoding: "huffman" });
  }
}

const pct = (v: number): string => `${(100 * v).toFixed(2)}%`;
const x = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;
interface SweepRow { tolerance: number; threshold: number; valFraction: number; testFraction: number; testAccuracy: number; macsRatio: number }
interface Row { model: string; pass: EarlyExitResult; test: Measured; refAccuracy: number; refBytes: number; sweep: SweepRow[] }

/** The accuracy/MACs curve: thresholds recalibrated at several tolerances on the pass's validation split, applied to the test set (trainer, reference rule). */
async function sweep(g: Graph): Promise<SweepRow[]> {
  const val = split(train, 0.1, 1).val, e = g.exits![0];
  const t = await Trainer.create({ ...g, outputs: [e.output, g.outputs[0]], exits: undefined }, { batch: 250 });
  const am = (z: Float32Array, s: number) => { let b = 0; for (let j = 1; j < 10; j++) if (z[s * 10 + j] > z[s * 10 + b]) b = j; return b; };
  const z0 = t.predict(val.x, 0), z1 = t.predict(val.x, 1);
  const v = {
    conf: [Float64Array.from({ length: val.n }, (_, s) => confidence(e.rule, z0.subarray(s * 10, s * 10 + 10)))],
    correct: [Array.from({ length: val.n }, (_, s) => am(z0, s) === val.labels[s])], finalCorrect: Array.from({ length: val.n }, (_, s) => am(z1, s) === val.labels[s]),
  };
  const out: SweepRow[] = [];
  for (const tol of [0.05, 0.1, 0.15, 0.2, 0.3, 0.5]) {
    const c = calibrate({ ...v, rule: e.rule, tolerance: tol / 100 }), r = await evaluateExits(g, test, { thresholds: c.thresholds });
    out.push({ tolerance: tol, threshold: c.thresholds[0], valFraction: c.taken.filter((k) => k === 0).length / val.n, testFraction: r.counts[0] / r.n, testAccuracy: r.accuracy, macsRatio: fullMacs / r.avgMacs });
  }
  return out;
}
const rows: Row[] = [];

// 1. B-LeNet on the dense LeNet-5.
const t0 = performance.now();
if (!opts["no-dense"]) {
  let b = await earlyExit(dense, passOptions(dense));
  if (num("dense-head-sparsity")) {
    // A sparse head runs f32-spmv: fewer weights to stream on every early-exit sample.
    compressHeads(b.graph, num("dense-head-sparsity"), 0);
    b = await retrain(b.graph, dense, "frozen", num("epochs") / 2, num("lr") / 10);
  }
  log(`B-LeNet: validation ${pct(b.valAccuracyWithExits)} with exits vs ${pct(b.valAccuracyFinal)}, exit 1 takes ${pct(b.exits[0].valFraction)}, threshold ${b.exits[0].threshold}`);
  const bt = await measure(b.graph, "b-lenet");
  rows.push({ model: "B-LeNet (dense LeNet-5 + head)", pass: b, test: bt, refAccuracy: bt.finalAccuracy, refBytes: denseBytes, sweep: await sweep(b.graph) });
}

// 2. Composition with Deep Compression.
if (!opts["no-compose"]) {
  const file = opts.compressed ?? `${OUT}lenet5-deep-compressed.slim`;
  let dc: Graph;
  if (existsSync(file)) {
    log(`deep-compressed LeNet-5: ${file}`);
    dc = readSlim(readFileSync(file));
  } else {
    log(`no ${file}: running the deep-compression recipe (epochs 3, steps 3, jitter 1)`);
    dc = (await recipe("deep-compression").run(dense, { data: train, epochs: opts.quick ? 1 : 3, steps: 3, jitter: 1, seed: 1, progress: true })).graph;
  }
  const ce = opts["compose-epochs"] === undefined ? num("epochs") : num("compose-epochs");
  // joint: the trainer's storage hooks keep the backbone's pruned zeros and codebooks while it trains.
  let attached = await earlyExit(dc, { ...passOptions(dc), train: opts["compose-train"] === "joint" ? "joint" : "frozen", epochs: opts.quick ? 1 : ce });
  if (num("compose-joint-lr")) {
    // Then backbone and head together at a small rate: a clustered weight's step is the sum of its
    // cluster's gradients (Deep Compression), so the rate that trains a head moves the codebooks far.
    attached = await retrain(attached.graph, dc, "joint", ce / 2, num("compose-joint-lr"));
  }
  const g = attached.graph;
  compressHeads(g, num("head-sparsity"), num("head-bits"));
  const c = await retrain(g, dc, "frozen", ce / 2, num("lr") / 10);
  log(`deep-compressed B-LeNet: validation ${pct(c.valAccuracyWithExits)} with exits vs ${pct(c.valAccuracyFinal)}, exit 1 takes ${pct(c.exits[0].valFraction)}`);
  const ct = await measure(c.graph, "b-lenet-deep-compressed");
  const ref = await evaluateExits({ ...dense, exits: [] }, test);
  rows.push({ model: "deep-compressed LeNet-5 + compressed head", pass: c, test: ct, refAccuracy: ref.finalAccuracy, refBytes: denseBytes, sweep: await sweep(c.graph) });
}
const seconds = Math.round((performance.now() - t0) / 1000);

const denseAcc = (await evaluateExits({ ...dense, exits: [] }, test)).finalAccuracy;
const command = `npm run exp:b-lenet -- --head ${opts.head} --hidden ${opts.hidden} --pool ${opts.pool} --epochs ${opts.epochs} --train ${opts.train} ` +
  `--tolerance ${opts.tolerance} --rule ${opts.rule} --jitter ${opts.jitter} --lr ${opts.lr}` +
  `${opts["no-dense"] ? " --no-dense" : ""}${num("dense-head-sparsity") ? ` --dense-head-sparsity ${opts["dense-head-sparsity"]}` : ""}${opts["no-compose"] ? " --no-compose" : ` --head-sparsity ${opts["head-sparsity"]} --head-bits ${opts["head-bits"]}${opts["compose-epochs"] ? ` --compose-epochs ${opts["compose-epochs"]}` : ""} --compose-train ${opts["compose-train"]}${num("compose-joint-lr") ? ` --compose-joint-lr ${opts["compose-joint-lr"]}` : ""}`}`;
const md = [
  "# B-LeNet: LeNet-5 with an early exit after the first conv block (BranchyNet)",
  "",
  `\`${command}\`${opts.quick ? " --quick (6,000 training images, 1 epoch: not a result)" : ""}; ${new Date().toISOString().slice(0, 10)}; ${seconds} s.`,
  `The trained LeNet-5 of data/models (dense f32 .slim ${bytes(denseBytes)}, ${fullMacs.toLocaleString("en")} MACs, test accuracy ${pct(denseAcc)}).`,
  `One "${opts.head}" head after pool1, ${opts.train === "joint" ? "trained jointly with the backbone (loss weights 1, 1; the compressed backbone stays frozen)" : "backbone frozen"}, threshold (${opts.rule}) calibrated on 10% of the training images with`,
  `tolerance ${opts.tolerance} points (src/passes/early-exit.ts). Test figures on all 10,000 test images, measured by ` +
    `${rows.every((r) => r.test.source === "runtime") ? "the runtime running the .slim (model.run with early exits)" : "the trainer's inference pass with the reference rule (src/ir/exit-rule.ts) — the runtime with early exits is not on this branch yet"}.`,
  "",
  "```",
  table(["model", "exit", "after", "params", "MACs to reach", "threshold", "test fraction", "test accuracy"], rows.flatMap((r) => [
    ...r.pass.exits.map((e, k) => [k ? "" : r.model, e.name, e.after, e.params, e.macs, e.threshold.toPrecision(6), pct(r.test.counts[k] / test.n), pct(r.test.correct[k] / Math.max(1, r.test.counts[k]))]),
    ["", "final", "", "", r.test.macs[r.test.macs.length - 1], "", pct(r.test.counts[r.test.counts.length - 1] / test.n), pct(r.test.correct[r.test.correct.length - 1] / Math.max(1, r.test.counts[r.test.counts.length - 1]))],
  ])),
  "```",
  "",
  "```",
  table(["model", ".slim", "size ×", "avg MACs", "MACs ×", "test acc (exits)", "test acc (final only)", "Δ vs dense LeNet-5", "latency ×"], [
    ["dense LeNet-5", bytes(denseBytes), "1.00×", fullMacs, "1.00×", pct(denseAcc), pct(denseAcc), "", "1.00×"],
    ...rows.map((r) => [
      r.model, bytes(r.test.fileBytes), x(denseBytes, r.test.fileBytes), Math.round(r.test.avgMacs), x(fullMacs, r.test.avgMacs), pct(r.test.accuracy), pct(r.test.finalAccuracy),
      `${(100 * (r.test.accuracy - denseAcc)) >= 0 ? "+" : ""}${(100 * (r.test.accuracy - denseAcc)).toFixed(2)} pts`,
      r.test.latencyMs ? `${x(r.test.latencyMs.final, r.test.latencyMs.exits)} (vs its own final)` : "— (needs the runtime)",
    ]),
  ]),
  "```",
  "",
  "Accuracy/MACs over the calibration tolerance (threshold recalibrated on the same validation split; test policy by the trainer):",
  "```",
  table(["model", "tolerance (pts)", "threshold", "val at exit 1", "test at exit 1", "test accuracy", "MACs ×"], rows.flatMap((r) => r.sweep.map((w, i) => [
    i ? "" : r.model, String(w.tolerance), w.threshold.toPrecision(6), pct(w.valFraction), pct(w.testFraction), pct(w.testAccuracy), `${w.macsRatio.toFixed(2)}×`,
  ]))),
  "```",
  "",
  "Goals (issue 8): B-LeNet ≥ 5× lower average MACs at accuracy within 0.1 points; deep-compressed early-exit LeNet-5 ≥ 39×",
  "smaller than the dense f32 file and ≥ 4× faster on average, within 0.2 points. BranchyNet reports 94% of samples at the",
  "early exit, 5.4× faster on CPU, 99.25% vs 99.20%.",
].join("\n");
if (opts.json) console.log(JSON.stringify({ rows: rows.map((r) => ({ model: r.model, exits: r.pass.exits, val: { final: r.pass.valAccuracyFinal, withExits: r.pass.valAccuracyWithExits }, test: r.test, sweep: r.sweep })), denseAcc, denseBytes, fullMacs }, null, 2));
else console.log(md);
writeFileSync(opts.quick ? `${OUT}b-lenet-results.md` : `${ROOT}bench/b-lenet-results.md`, md + "\n");

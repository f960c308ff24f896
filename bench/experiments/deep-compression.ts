// npm run exp:deep-compression [-- --models lenet300,lenet5] [-- --epochs 3] [-- --steps 3] [-- --jitter 1]
//   [-- --bits NAME=B,…] [-- --sparsity NAME=S,…] [-- --quick] [-- --json]
// Deep Compression (Han et al. 2016, Tables 1–3) on MNIST: the trained LeNets of data/models through
// `slimnet compress --recipe deep-compression` (prune → cluster with trained quantization → Huffman),
// with the per-stage split the paper reports: pruned (csr, f32 values), + quantization (codebook
// indices), + Huffman. Each stage's .slim is written and its test error measured on the 10,000 test
// images by the SIMD runtime running that file. Ratios are against the f32 .slim of the dense model
// (whole files, headers included) and, as in the paper, against the weights alone.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { evaluateModel } from "../../src/cli/commands/eval.js";
import { bytes, table } from "../../src/cli/table.js";
import { fromImageSet, head } from "../../src/data/batches.js";
import { loadImageSet } from "../../src/data/mnist.js";
import { writeSlim } from "../../src/format/writer.js";
import { importOnnx } from "../../src/import/onnx.js";
import type { Graph } from "../../src/ir/graph.js";
import { storageReport } from "../../src/passes/huffman.js";
import { weightSparsity } from "../../src/passes/prune.js";
import { recipe } from "../../src/passes/recipes.js";
import { Model } from "../../src/runtime/model.js";
import { OUT, ROOT } from "../bundle.js";

/** Deep Compression's MNIST rows: stage ratios of the weights (Tables 1–3) and test errors. */
const PAPER = {
  lenet300: { dense: 1.64, compressed: 1.58, ratios: { prune: 12, quantize: 32, huffman: 40 }, kb: [1070, 27] },
  lenet5: { dense: 0.8, compressed: 0.74, ratios: { prune: 12, quantize: 33, huffman: 39 }, kb: [1720, 44] },
} as const;
type Key = keyof typeof PAPER;

const { values: opts } = parseArgs({
  options: {
    models: { type: "string", default: "lenet300,lenet5" },
    epochs: { type: "string", default: "3" },
    steps: { type: "string", default: "3" },
    jitter: { type: "string", default: "1" },
    bits: { type: "string" },
    sparsity: { type: "string" },
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const keys = opts.models!.split(",") as Key[];
for (const k of keys) if (!(k in PAPER)) throw new Error(`--models: unknown model "${k}" (${Object.keys(PAPER).join(", ")})`);
/** NAME=V,… into a record (a layer missing from a model is reported by the recipe). */
const perLayer = (s?: string): Record<string, number> | undefined =>
  s ? Object.fromEntries(s.split(",").map((kv) => { const [k, v] = kv.split("="); return [k, Number(v)]; })) : undefined;
const full = !opts.quick && keys.length === Object.keys(PAPER).length;

const trainSet = loadImageSet("mnist", "train"), testSet = loadImageSet("mnist", "test");
const train = opts.quick ? head(fromImageSet(trainSet), 6000) : fromImageSet(trainSet);
const log = (m: string): void => void process.stderr.write(m + "\n");

interface StageRow { stage: string; kept: number; fileBytes: number; weightBytes: number; errorPct: number }
interface Row { model: Key; dense: StageRow; stages: StageRow[]; bits: Record<string, number>; sparsity: Record<string, number>; seconds: number }

async function measure(stage: string, g: Graph, key: Key): Promise<StageRow> {
  const slim = writeSlim(g);
  writeFileSync(`${OUT}${key}-${FILES[stage]}.slim`, slim);
  const r = evaluateModel(await Model.load(slim), testSet, testSet.n, 100);
  const weightBytes = storageReport(g).reduce((s, l) => s + l.bytes, 0);
  return { stage, kept: 1 - weightSparsity(g), fileBytes: slim.length, weightBytes, errorPct: (100 * (r.n - r.correct)) / r.n };
}

const rows: Row[] = [];
mkdirSync(OUT, { recursive: true });
/** Recipe stage → row name; row name → .slim file suffix in bench/out. */
const STAGES: Record<string, string> = { prune: "pruned", "trained quantization": "+ quantization", huffman: "+ Huffman" };
const FILES: Record<string, string> = { dense: "dense", pruned: "pruned", "+ quantization": "quantized", "+ Huffman": "deep-compressed" };
for (const key of keys) {
  const t0 = performance.now();
  const dense = importOnnx(readFileSync(`${ROOT}data/models/${key}.onnx`));
  const before = await measure("dense", dense, key);
  log(`${key}: dense test error ${before.errorPct.toFixed(2)}%, ${bytes(before.fileBytes)}`);
  const snapshots: [string, Graph][] = [];
  const r = await recipe("deep-compression").run(dense, {
    data: train, epochs: opts.quick ? 1 : Number(opts.epochs), steps: Number(opts.steps), jitter: Number(opts.jitter),
    bits: perLayer(opts.bits), sparsity: perLayer(opts.sparsity), seed: 1, progress: true,
    onStage: (s, g) => {
      log(`  ${s.stage}: sparsity ${(100 * s.sparsity).toFixed(1)}%, validation ${(100 * s.valAccuracy).toFixed(2)}%`);
      if (STAGES[s.stage]) snapshots.push([STAGES[s.stage], g]);
    },
  });
  const stages: StageRow[] = [];
  for (const [name, g] of snapshots) stages.push(await measure(name, g, key));
  rows.push({ model: key, dense: before, stages, bits: r.bits, sparsity: r.sparsity, seconds: Math.round((performance.now() - t0) / 1000) });
  const last = stages[stages.length - 1];
  log(`${key}: ${bytes(last.fileBytes)} (${(before.fileBytes / last.fileBytes).toFixed(1)}×), test error ${last.errorPct.toFixed(2)}%`);
}

const pct = (x: number): string => `${x.toFixed(2)}%`;
const x = (a: number, b: number): string => `${(a / b).toFixed(1)}×`;
const paperRatio = (k: Key, stage: string): string => {
  const p = PAPER[k].ratios;
  return stage === "pruned" ? `${p.prune}×` : stage === "+ quantization" ? `${p.quantize}×` : `${p.huffman}× (${PAPER[k].kb[0]} → ${PAPER[k].kb[1]} KB)`;
};
const command = `npm run exp:deep-compression -- --epochs ${opts.epochs} --steps ${opts.steps} --jitter ${opts.jitter}` +
  `${opts.bits ? ` --bits ${opts.bits}` : ""}${opts.sparsity ? ` --sparsity ${opts.sparsity}` : ""}`;
const md = [
  "# Deep Compression on MNIST (Han et al. 2016, Tables 1–3)",
  "",
  `\`${command}\`${opts.quick ? " --quick (6,000 training images, 1 epoch per stage: not a result)" : ""}; ${new Date().toISOString().slice(0, 10)}.`,
  "The trained models of data/models through the deep-compression recipe (src/passes/recipes.ts): iterative pruning with",
  "fine-tuning, k-means weight sharing with trained centroids, Huffman coding of indices and CSR gaps; fine-tunes shift the",
  `training images by up to ±${opts.jitter} px. Test error of each stage's .slim, run as stored by the SIMD runtime, on all 10,000 test`,
  "images. \"file\" compares whole .slim files with the dense f32 .slim; \"weights\" compares the stored weight tensors (the paper's",
  "measure).",
  "```",
  table(
    ["model", "stage", "weights kept", "file", "file ×", "weights ×", "test error", "paper weights ×", "paper error"],
    rows.flatMap((r) => [
      [r.model, "dense f32", "100%", bytes(r.dense.fileBytes), "1.0×", "1.0×", pct(r.dense.errorPct), "1×", pct(PAPER[r.model].dense)],
      ...r.stages.map((s) => [
        "", s.stage, `${(100 * s.kept).toFixed(1)}%`, bytes(s.fileBytes), x(r.dense.fileBytes, s.fileBytes), x(r.dense.weightBytes, s.weightBytes),
        pct(s.errorPct), paperRatio(r.model, s.stage), s.stage === "+ Huffman" ? pct(PAPER[r.model].compressed) : "",
      ]),
    ]),
  ),
  "```",
  "",
  ...rows.flatMap((r) => [
    `${r.model} (${r.seconds} s): pruned per layer ${Object.entries(r.sparsity).map(([k, v]) => `${k} ${(100 * v).toFixed(0)}%`).join(", ")};` +
      ` index bits ${Object.entries(r.bits).map(([k, v]) => `${k} ${v}`).join(", ")}. Per-layer table: \`slimnet inspect bench/out/${r.model}-deep-compressed.slim\`.`,
    "",
  ]),
].join("\n");
if (opts.json) console.log(JSON.stringify(rows, null, 2));
else console.log(md);
writeFileSync(full ? `${ROOT}bench/deep-compression-results.md` : `${OUT}deep-compression-results.md`, md + "\n");

// Recipes: named chains of passes with fine-tuning, one row each in RECIPES (`slimnet compress
// --recipe NAME`). A recipe works on any model: its per-layer settings come from the layer's
// kind and place, and every one can be overridden by layer name.
//
// deep-compression (Han et al. 2016): prune (iterative, polynomial schedule, fine-tuning after
// each step) → cluster with trained quantization → Huffman coding. Default rates start from the
// paper's LeNets (Han et al. 2015 Tables 1–2: fc .92/.91, output .74/.81, conv1 .34, conv2
// .88): the first conv keeps most (it has few weights and sees raw pixels), later convs prune
// .85, the output layer .75; hidden fully connected layers prune .95 and index bits are 5 for
// conv, 4 for hidden fc, 5 for the output — past the paper's .92 and 8/5 bits, because that is
// where our measurements put the knee (bench/deep-compression-results.md: LeNet-5 52× at 0.69%,
// against 36× at 0.75% with the paper's settings).
import { imageJitter } from "../data/augment.js";
import { split, type Labeled } from "../data/batches.js";
import type { Graph } from "../ir/graph.js";
import { InputError } from "../runtime/errors.js";
import { binarize } from "./binarize.js";
import { cluster } from "./cluster.js";
import { huffman } from "./huffman.js";
import { quantize } from "./quantize.js";
import { accuracy, checkLayerNames, prunableLayers, prune, weightSparsity } from "./prune.js";

export interface RecipeOptions {
  /** Training samples for fine-tuning. */
  data: Labeled;
  /** Validation set (default: a seeded 10% split of `data`). */
  val?: Labeled;
  /** Fine-tuning epochs after each pruning step and for trained quantization; default 3 (LeNet-300-100: 1.55% test error, 1 gives 1.74%). */
  epochs?: number;
  /** Pruning steps; default 3. */
  steps?: number;
  /** Fractions pruned by layer name, over the defaults. */
  sparsity?: Record<string, number>;
  /** Index bits by layer name, over the defaults. */
  bits?: Record<string, number>;
  batch?: number;
  /** SGD learning rate of the pruning fine-tunes (default 0.01); trained quantization uses a tenth. */
  lr?: number;
  seed?: number;
  /** Shift training images by up to this many pixels during every fine-tune (default 0). */
  jitter?: number;
  progress?: boolean;
  /** Called after each stage with the stage's graph (a snapshot the recipe no longer changes). */
  onStage?: (s: RecipeStage, g: Graph) => void;
}

export interface RecipeStage {
  /** "input", "prune", "cluster" (k-means only), "trained quantization", "huffman" (changes no value, only storage). */
  stage: string;
  /** Fraction of zeros over the prunable weights. */
  sparsity: number;
  valAccuracy: number;
}

export interface RecipeResult {
  graph: Graph;
  stages: RecipeStage[];
  /** What the recipe used per layer. */
  sparsity: Record<string, number>;
  bits: Record<string, number>;
}

export interface Recipe {
  name: string;
  summary: string;
  run(g: Graph, o: RecipeOptions): Promise<RecipeResult>;
}

/** Deep Compression's pruning rate for each prunable layer, by kind and place. */
export function defaultSparsity(g: Graph): Record<string, number> {
  const layers = prunableLayers(g);
  return Object.fromEntries(layers.map((l, i) => {
    const node = g.nodes.find((n) => n.name === l.name)!;
    const rate = i === layers.length - 1 ? 0.75 : l.op !== "Conv" ? 0.95 : g.inputs.includes(node.inputs[0]) ? 0.35 : 0.85;
    return [l.name, rate];
  }));
}

/** Index bits: 5 for conv layers and the output layer, 4 for hidden fully connected layers. */
export function defaultBits(g: Graph): Record<string, number> {
  const layers = prunableLayers(g);
  return Object.fromEntries(layers.map((l, i) => [l.name, l.op !== "Conv" && i < layers.length - 1 ? 4 : 5]));
}

async function deepCompression(input: Graph, o: RecipeOptions): Promise<RecipeResult> {
  const names = prunableLayers(input).map((l) => l.name), seed = o.seed ?? 1, epochs = o.epochs ?? 3, lr = o.lr ?? 0.01;
  checkLayerNames(Object.keys(o.sparsity ?? {}), names, "sparsity");
  checkLayerNames(Object.keys(o.bits ?? {}), names, "bits");
  if (!Number.isInteger(epochs) || epochs < 1) throw new InputError(`epochs must be a positive integer, got ${epochs}`);
  const sparsity = { ...defaultSparsity(input), ...o.sparsity }, bits = { ...defaultBits(input), ...o.bits };
  const { train, val } = o.val ? { train: o.data, val: o.val } : split(o.data, 0.1, seed);
  const stages: RecipeStage[] = [];
  const record = async (stage: string, g: Graph, valAccuracy?: number) => {
    const s = { stage, sparsity: weightSparsity(g), valAccuracy: valAccuracy ?? (await accuracy(g, val)) };
    stages.push(s);
    o.onStage?.(s, structuredClone(g));
  };
  const augment = o.jitter ? imageJitter(input, o.jitter) : undefined;
  const common = { data: train, val, batch: o.batch, seed, progress: o.progress, finetuneEpochs: epochs, augment };
  await record("input", input);
  const pruned = await prune(input, {
    ...common, sparsity: 0, perLayer: sparsity, schedule: { kind: "polynomial", steps: o.steps ?? 3 }, optimizer: { kind: "sgd", lr, momentum: 0.9 },
  });
  await record("prune", pruned.graph, pruned.history[pruned.history.length - 1].valAccuracy);
  const clustered = await cluster(pruned.graph, { ...common, perLayer: bits, optimizer: { kind: "sgd", lr: lr / 10, momentum: 0.9 } });
  await record("cluster", clustered.clustered, clustered.valAccuracyClustered);
  await record("trained quantization", clustered.graph, clustered.valAccuracy);
  huffman(clustered.graph);
  await record("huffman", clustered.graph, clustered.valAccuracy);
  return { graph: clustered.graph, stages, sparsity, bits };
}

/** XNOR-Net weights (per-row α) for every Gemm/Conv but the first and last, trained binarized
 *  (src/passes/binarize.ts defaults: Adam 0.003 decayed ×0.1, batch 100); `epochs` default 10. */
async function binaryRecipe(input: Graph, o: RecipeOptions): Promise<RecipeResult> {
  const seed = o.seed ?? 1, { train, val } = o.val ? { train: o.data, val: o.val } : split(o.data, 0.1, seed);
  const input0 = { stage: "input", sparsity: weightSparsity(input), valAccuracy: await accuracy(input, val) };
  o.onStage?.(input0, input);
  const r = await binarize(input, { mode: "xnor", data: train, val, epochs: o.epochs ?? 10, batch: o.batch, seed, progress: o.progress });
  const done = { stage: "binarize", sparsity: weightSparsity(r.graph), valAccuracy: r.valAccuracy! };
  o.onStage?.(done, r.graph);
  return { graph: r.graph, stages: [input0, done], sparsity: {}, bits: Object.fromEntries(r.layers.map((l) => [l.name, l.binary ? 1 : 32])) };
}

/** int8 weights (per row) and u8 inputs calibrated (minmax) on 1000 training samples, then
 *  `epochs` of quantization-aware training (src/passes/quantize.ts; SGD lr/10, cosine). */
async function int8Recipe(input: Graph, o: RecipeOptions): Promise<RecipeResult> {
  const seed = o.seed ?? 1, { train, val } = o.val ? { train: o.data, val: o.val } : split(o.data, 0.1, seed), epochs = o.epochs ?? 1;
  const stage = (s: RecipeStage, g: Graph) => (o.onStage?.(s, g), s);
  const stages = [stage({ stage: "input", sparsity: weightSparsity(input), valAccuracy: await accuracy(input, val) }, input)];
  const common = { data: train, val, batch: o.batch, seed, progress: o.progress };
  const ptq = await quantize(input, common);
  stages.push(stage({ stage: "calibrate", sparsity: weightSparsity(ptq.graph), valAccuracy: ptq.valAccuracy! }, ptq.graph));
  let r = ptq;
  if (epochs > 0) {
    r = await quantize(input, { ...common, qatEpochs: epochs, optimizer: { kind: "sgd", lr: (o.lr ?? 0.01) / 10, momentum: 0.9 } });
    stages.push(stage({ stage: "quantization-aware training", sparsity: weightSparsity(r.graph), valAccuracy: r.valAccuracy! }, r.graph));
  }
  return { graph: r.graph, stages, sparsity: {}, bits: Object.fromEntries(r.layers.map((l) => [l.name, l.encoding === "int8" ? 8 : 32])) };
}

export const RECIPES: readonly Recipe[] = [
  { name: "deep-compression", summary: "prune → cluster (trained quantization) → Huffman, fine-tuning after each step (Han et al. 2016)", run: deepCompression },
  { name: "int8", summary: "per-channel int8 weights, u8 inputs calibrated on training samples, then quantization-aware training", run: int8Recipe },
  { name: "binary", summary: "1-bit weights with per-channel scale (XNOR-Net), first and last layer real, trained binarized", run: binaryRecipe },
];

export function recipe(name: string): Recipe {
  const r = RECIPES.find((r) => r.name === name);
  if (!r) throw new InputError(`unknown recipe "${name}"; recipes: ${RECIPES.map((r) => r.name).join(", ")}`);
  return r;
}

// Neuron / filter pruning: whole output neurons of a Gemm or filters of a Conv are removed
// physically, so the result is a smaller dense model any runtime (and ONNX export) runs.
// A layer's channels are followed through the ops that act per channel (ChannelAffine,
// BatchNormalization, activations, Dropout, pools) and an optional flatten (Reshape [N,C,H,W] →
// [N,C·H·W]) to the one layer reading them (Gemm, or Conv with group 1): removing channel c
// drops the layer's row c (and bias entry), the per-channel parameters c, and the reader's
// input columns of c (a whole H·W block after a flatten). A channel read anywhere else (a
// residual Add, a Concat, a second reader, a graph output) ties it to other tensors: the pass
// refuses, naming the nodes. The layer feeding a graph output is never pruned.
//
// Importance: l1 / l2 norm of the neuron's fan-in weights, or APoZ (Hu et al. 2016: the
// average percentage of zeros of its output after the activation, measured on data; without an
// activation in the chain the layer's raw output is counted). The lowest are removed; ties
// keep the lower index. A layer of n neurons at keep k keeps max(1, round(k·n)).
import type { Labeled } from "../data/batches.js";
import type { Graph, Node, Tensor } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import { inferShapes } from "../ir/analysis.js";
import { writeSlim } from "../format/writer.js";
import { InputError, UnsupportedError } from "../runtime/errors.js";
import { Model } from "../runtime/model.js";
import type { OptimizerConfig } from "../train/optim.js";
import { accuracy, checkLayerNames, retrain } from "./prune.js";

export type NeuronCriterion = "l1" | "l2" | "apoz";

/** Ops that map channel c of their input 0 to channel c of their output. */
const PER_CHANNEL = new Set([
  "ChannelAffine", "BatchNormalization", "Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish",
  "Dropout", "MaxPool", "AveragePool", "GlobalAveragePool", "GlobalMaxPool",
]);
const ACTIVATIONS = new Set(["Relu", "LeakyRelu", "Clip", "Sigmoid", "Tanh", "HardSigmoid", "HardSwish"]);

/** Where the channels of one layer go. */
interface Chain {
  layer: Node;
  /** Per-channel nodes between the layer and its reader (a flatten Reshape included). */
  through: Node[];
  /** The layer reading the channels, or undefined when they reach a graph output. */
  reader?: Node;
  /** Input columns of the reader per channel (H·W after a flatten, else 1). */
  block: number;
  /** The tensor APoZ is measured on. */
  measured: string;
}

const isLayer = (g: Graph, n: Node): boolean =>
  (n.op === "Gemm" || (n.op === "Conv" && n.attrs.group === 1)) && !!g.tensors.get(n.inputs[1])?.data;

/** Follows the channels of `layer`; throws UnsupportedError naming the node that ties them. */
function chainOf(g: Graph, layer: Node, shapes: Map<string, number[]>): Chain {
  const through: Node[] = [];
  let t = layer.outputs[0], block = 1, measured = layer.attrs.act ? t : "";
  const refuse = (why: string): never => {
    throw new UnsupportedError(`cannot prune the neurons of "${layer.name}": ${why}; leave it at keep 1`);
  };
  for (;;) {
    if (g.outputs.includes(t)) return { layer, through, block, measured: measured || layer.outputs[0] };
    const readers = g.nodes.filter((n) => n.inputs.includes(t));
    if (readers.length !== 1) refuse(`its channels ("${t}") are read by ${readers.map((n) => `${n.op} "${n.name}"`).join(" and ")}, which ties them together`);
    const n = readers[0];
    if (n.inputs.indexOf(t) !== 0 || n.inputs.slice(1).some((i) => !g.tensors.get(i)?.data))
      refuse(`${n.op} "${n.name}" combines its channels with another tensor (${n.inputs.filter((i) => i !== t).join(", ")})`);
    if (isLayer(g, n)) return { layer, through, reader: n, block, measured: measured || layer.outputs[0] };
    const inShape = shapes.get(t)!, outShape = shapes.get(n.outputs[0])!;
    if (n.op === "Reshape" && block === 1 && inShape.length > 2 && outShape.length === 2 && outShape[1] === numel(inShape.slice(1)))
      block = numel(inShape.slice(2));
    else if (!PER_CHANNEL.has(n.op) || block !== 1) refuse(`${n.op} "${n.name}" does not keep channels apart (only per-channel ops and a flatten may sit between two layers)`);
    if (ACTIVATIONS.has(n.op) && !measured) measured = n.outputs[0];
    through.push(n);
    t = n.outputs[0];
  }
}

/** Layers whose channels lead to another layer (the output layer is not among them). */
export function neuronLayers(g: Graph): string[] {
  const shapes = inferShapes(g, 1);
  return g.nodes.filter((n) => isLayer(g, n)).filter((n) => {
    try {
      return chainOf(g, n, shapes).reader !== undefined;
    } catch (e) {
      if (e instanceof UnsupportedError) return true; // listed: pruning it says why it cannot be done
      throw e;
    }
  }).map((n) => n.name);
}

/**
 * APoZ per neuron of each layer on the first `samples` samples of `data`: the measured tensors
 * become extra outputs of a copy of the graph, run in the runtime.
 */
export async function apoz(g: Graph, layers: readonly string[], data: Labeled, samples = 1000): Promise<Map<string, Float64Array>> {
  const shapes = inferShapes(g, 1);
  const chains = layers.map((name) => chainOf(g, g.nodes.find((n) => n.name === name)!, shapes));
  const probe = { ...g, outputs: [...new Set([...g.outputs, ...chains.map((c) => c.measured)])] };
  const model = await Model.load(writeSlim(probe)), input = g.inputs[0], per = numel(data.sample);
  const n = Math.min(samples, data.n), batch = g.batchDynamic ? 100 : 1;
  const counts = chains.map((c) => new Float64Array(shapes.get(c.measured)![1]));
  for (let s = 0; s < n; s += batch) {
    const b = Math.min(batch, n - s), out = model.run({ [input]: data.x.subarray(s * per, (s + b) * per) });
    chains.forEach((c, k) => {
      const y = out[c.measured].data, C = counts[k].length, inner = y.length / b / C;
      for (let i = 0; i < y.length; i++) if (y[i] === 0) counts[k][Math.floor(i / inner) % C]++;
    });
  }
  return new Map(chains.map((c, k) => {
    const inner = numel(shapes.get(c.measured)!.slice(2));
    return [c.layer.name, counts[k].map((v) => v / (n * inner))];
  }));
}

/** L1 or L2 norm of each output neuron's fan-in weights. */
function norms(w: Tensor, p: "l1" | "l2"): Float64Array {
  const F = w.shape[0], fan = w.data!.length / F, out = new Float64Array(F);
  for (let f = 0; f < F; f++) {
    let s = 0;
    for (let i = f * fan; i < (f + 1) * fan; i++) s += p === "l1" ? Math.abs(w.data![i]) : w.data![i] ** 2;
    out[f] = p === "l1" ? s : Math.sqrt(s);
  }
  return out;
}

/** Sorted indices of the `count` highest scores (ties: the lower index). */
function topIndices(score: Float64Array, count: number): number[] {
  return Array.from(score, (_, i) => i).sort((a, b) => score[b] - score[a] || a - b).slice(0, count).sort((a, b) => a - b);
}

/** Keeps entries `keep` (each a block of `block`) along `axis` of a constant tensor, in place. */
function take(t: Tensor, axis: number, keep: number[], block: number): void {
  const outer = numel(t.shape.slice(0, axis)), inner = numel(t.shape.slice(axis + 1)) * block, dim = t.shape[axis] / block;
  const src = t.data!, dst = new Float32Array(outer * keep.length * inner);
  let at = 0;
  for (let o = 0; o < outer; o++)
    for (const c of keep) {
      const from = (o * dim + c) * inner;
      dst.set(src.subarray(from, from + inner), at);
      at += inner;
    }
  t.data = dst;
  t.shape = t.shape.map((d, i) => (i === axis ? keep.length * block : d));
}

export interface NeuronPruneOptions {
  /** Fraction of neurons kept in each prunable layer not in `perLayer`. */
  keep: number;
  perLayer?: Record<string, number>;
  criterion?: NeuronCriterion;
  /** Samples for APoZ and for fine-tuning afterwards. */
  data?: Labeled;
  /** Samples APoZ is measured on (the first of `data`); default 1000. */
  apozSamples?: number;
  /** Epochs of fine-tuning after the removal (needs `data`); default 0. */
  finetuneEpochs?: number;
  /** Validation set: accuracy before and after. */
  val?: Labeled;
  batch?: number;
  optimizer?: OptimizerConfig;
  seed?: number;
  progress?: boolean;
}

export interface NeuronLayerStats {
  name: string;
  op: string;
  neuronsBefore: number;
  neuronsAfter: number;
  /** Parameters of the layer's weight and bias. */
  paramsBefore: number;
  paramsAfter: number;
}

export interface NeuronPruneResult {
  graph: Graph;
  layers: NeuronLayerStats[];
  /** Removed neuron indices by layer. */
  removed: Record<string, number[]>;
  valAccuracyBefore?: number;
  valAccuracy?: number;
}

/** Removes the least important neurons of a copy of `input`; fine-tunes when asked. */
export async function pruneNeurons(input: Graph, o: NeuronPruneOptions): Promise<NeuronPruneResult> {
  const criterion = o.criterion ?? "l1", per = o.perLayer ?? {};
  if (criterion !== "l1" && criterion !== "l2" && criterion !== "apoz") throw new InputError(`criterion must be l1, l2 or apoz, got ${JSON.stringify(criterion)}`);
  for (const [what, v] of [["keep", o.keep], ...Object.entries(per).map(([k, v]) => [`keep of layer "${k}"`, v])] as [string, number][])
    if (!(v > 0 && v <= 1)) throw new InputError(`${what} must be a fraction in (0, 1], got ${v}`);
  const all = input.nodes.filter((n) => isLayer(input, n)).map((n) => n.name), valid = neuronLayers(input);
  checkLayerNames(Object.keys(per), all, "perLayer");
  for (const name of Object.keys(per))
    if (!valid.includes(name)) throw new InputError(`perLayer: "${name}" feeds the graph output; the output layer is never pruned (layers: ${valid.join(", ")})`);
  if (criterion === "apoz" && !o.data) throw new InputError(`criterion apoz needs data to measure activations on`);
  const epochs = o.finetuneEpochs ?? 0;
  if (!Number.isInteger(epochs) || epochs < 0) throw new InputError(`finetuneEpochs must be an integer ≥ 0, got ${epochs}`);
  if (epochs > 0 && !o.data) throw new InputError(`finetuneEpochs ${epochs} needs data`);

  const g = structuredClone(input), shapes = inferShapes(g, 1);
  const targets = valid.filter((name) => (per[name] ?? o.keep) < 1);
  const chains = targets.map((name) => chainOf(g, g.nodes.find((n) => n.name === name)!, shapes));
  const constants = chains.flatMap((c) => [c.layer, ...c.through, c.reader!].flatMap((n) => n.inputs.slice(1)));
  for (const name of new Set(constants)) {
    const readers = g.nodes.filter((n) => n.inputs.includes(name));
    if (readers.length > 1) throw new UnsupportedError(`cannot prune neurons: constant "${name}" is shared by ${readers.map((n) => `"${n.name}"`).join(" and ")}`);
  }
  // Scores come from the unpruned graph, before any layer loses rows or columns.
  const apozScores = criterion === "apoz" ? await apoz(g, targets, o.data!, o.apozSamples) : undefined;
  const layerParams = (n: Node) => numel(g.tensors.get(n.inputs[1])!.shape) + numel(g.tensors.get(n.inputs[2])!.shape);
  const stats = new Map<string, NeuronLayerStats>(g.nodes.filter((n) => isLayer(g, n)).map((n) => [n.name, {
    name: n.name, op: n.op, neuronsBefore: g.tensors.get(n.inputs[1])!.shape[0], neuronsAfter: 0, paramsBefore: layerParams(n), paramsAfter: 0,
  }]));
  const keepOf = new Map(chains.map((c) => {
    const w = g.tensors.get(c.layer.inputs[1])!, F = w.shape[0];
    const score = apozScores ? apozScores.get(c.layer.name)!.map((z) => 1 - z) : norms(w, criterion as "l1" | "l2");
    return [c, topIndices(score, Math.max(1, Math.round((per[c.layer.name] ?? o.keep) * F)))];
  }));
  const removed: Record<string, number[]> = {};
  for (const [c, keep] of keepOf) {
    const F = g.tensors.get(c.layer.inputs[1])!.shape[0];
    removed[c.layer.name] = Array.from({ length: F }, (_, i) => i).filter((i) => !keep.includes(i));
    take(g.tensors.get(c.layer.inputs[1])!, 0, keep, 1);
    take(g.tensors.get(c.layer.inputs[2])!, 0, keep, 1);
    for (const n of c.through) {
      for (const i of n.inputs.slice(1)) take(g.tensors.get(i)!, 0, keep, 1);
      if (n.op === "Reshape") n.attrs.shape = [(n.attrs.shape as number[])[0], keep.length * c.block];
    }
    take(g.tensors.get(c.reader!.inputs[1])!, 1, keep, c.block);
  }
  for (const [name, s] of inferShapes(g, 1)) if (!g.tensors.get(name)!.data) g.tensors.get(name)!.shape = s;

  const before = o.val ? await accuracy(input, o.val) : undefined;
  let graph = g;
  if (epochs > 0) graph = (await retrain(g, o.data!, { epochs, batch: o.batch, optimizer: o.optimizer, seed: o.seed, progress: o.progress })).graph;
  for (const n of graph.nodes) {
    const s = stats.get(n.name);
    if (s) Object.assign(s, { neuronsAfter: graph.tensors.get(n.inputs[1])!.shape[0], paramsAfter: layerParams(n) });
  }
  return { graph, layers: [...stats.values()], removed, valAccuracyBefore: before, valAccuracy: o.val ? await accuracy(graph, o.val) : undefined };
}

// Depthwise-separable redesign (Sifre 2014; Howard et al., MobileNets 2017): a k×k Conv
// C_in → C_out (group 1) becomes a depthwise k×k Conv (group C_in, one filter per input channel,
// same strides, pads, dilations) followed by a pointwise 1×1 Conv C_in → C_out carrying the bias
// and fused activation. Cost ratio of the pair to the original: 1/C_out + 1/k² (per output pixel:
// C_in·k² + C_in·C_out MACs against C_in·C_out·k²).
//
// Initialisation: the pair computes W'[f,c,:,:] = p[f,c]·d[c,:], i.e. for each input channel c
// the [C_out, k·k] slice W[:,c,:,:] is replaced by a rank-1 matrix p[:,c]·d[c,:]. The squared
// Frobenius error Σ_c ‖W[:,c,:] − p[:,c]·d[c,:]‖² splits into independent terms per c, and by
// Eckart–Young each term is least when p[:,c]·d[c,:] = σ₁·u₁·v₁ᵀ, the leading singular triplet of
// W[:,c,:]: so that is the least-squares optimum over all depthwise + pointwise pairs, with error
// Σ_c Σ_{i>1} σ_{c,i}². σ₁ is split evenly (p = √σ₁·u₁, d = √σ₁·v₁) so both factors train at the
// same scale. The result is then fine-tuned on data, or distilled from the original model
// (trainer loss "distill": α·T²·KL at temperature T + (1 − α)·CE on the labels).
//
// A layer with C_in = 1 (LeNet-5's conv1) is not separated by default: its depthwise part would be
// a single k×k filter and the pointwise part C_out scalings of it — a rank-1 factorisation of the
// whole filter bank; the low-rank pass (lowrank.ts, rank r filters + 1×1) is the useful version
// of that. Naming it in `layers` does it anyway.
import type { Graph, Node } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import { checkGraph, countMacs, inferShapes } from "../ir/analysis.js";
import { ACT_CODE } from "../ir/ops.js";
import { InputError } from "../runtime/errors.js";
import { finetune, freshName, svd, type RedesignTraining } from "./lowrank.js";
import { accuracy, checkLayerNames } from "./prune.js";

export interface SeparableOptions extends RedesignTraining {
  /** Layers to separate (default: every group-1 Conv with a constant k×k weight, k > 1, and C_in > 1). */
  layers?: string[];
  /** Distil from the original model instead of training on the labels alone. */
  distill?: boolean | { T?: number; alpha?: number };
  /** The model distilled from (default: `input`, the model before separation). */
  teacher?: Graph;
}

export interface SeparableLayerStats {
  name: string;
  /** Original W [C_out, C_in, kh, kw]. */
  shape: number[];
  paramsBefore: number;
  paramsAfter: number;
  macsBefore: number;
  macsAfter: number;
  /** 1/C_out + 1/(kh·kw). */
  costRatio: number;
  /** macsAfter / macsBefore from the op table's cost. */
  macRatio: number;
  /** Fraction of ‖W‖² the rank-1-per-channel initialisation keeps (1 − relative squared error). */
  energyKept: number;
}

export interface SeparableResult {
  graph: Graph;
  layers: SeparableLayerStats[];
  /** Convs left as they are, with the reason. */
  skipped: { name: string; reason: string }[];
  valAccuracyBefore?: number;
  valAccuracyInit?: number;
  valAccuracy?: number;
}

const isConv = (g: Graph, n: Node): boolean => n.op === "Conv" && n.attrs.group === 1 && !!g.tensors.get(n.inputs[1])?.data;

/** Why `n` is not separated by default, or undefined when it is. */
function defaultSkip(g: Graph, n: Node): string | undefined {
  const [, c, kh, kw] = g.tensors.get(n.inputs[1])!.shape;
  if (kh * kw === 1) return "1×1 kernel: already pointwise";
  if (c === 1) return "C_in = 1: the depthwise part would be one filter (rank-1 filter bank); use lowrank instead, or name the layer to force it";
  return undefined;
}

/** Default layers and the skipped convs. */
export function separableLayers(g: Graph): { layers: string[]; skipped: { name: string; reason: string }[] } {
  const convs = g.nodes.filter((n) => isConv(g, n));
  return {
    layers: convs.filter((n) => !defaultSkip(g, n)).map((n) => n.name),
    skipped: convs.filter((n) => defaultSkip(g, n)).map((n) => ({ name: n.name, reason: defaultSkip(g, n)! })),
  };
}

/** Rank-1 per input channel: p [F, C] and d [C, kk] (least-squares optimum), energy kept. */
export function separableInit(w: Float32Array, F: number, C: number, kk: number): { p: Float32Array; d: Float32Array; energyKept: number } {
  const p = new Float32Array(F * C), d = new Float32Array(C * kk);
  let total = 0, kept = 0;
  const m = new Float64Array(F * kk);
  for (let c = 0; c < C; c++) {
    for (let f = 0; f < F; f++) for (let j = 0; j < kk; j++) m[f * kk + j] = w[(f * C + c) * kk + j];
    const s = svd(m, F, kk), root = Math.sqrt(s.s[0]);
    total += s.s.reduce((a, v) => a + v * v, 0);
    kept += s.s[0] ** 2;
    for (let f = 0; f < F; f++) p[f * C + c] = s.u[f * s.m] * root;
    for (let j = 0; j < kk; j++) d[c * kk + j] = s.v[j * s.m] * root;
  }
  return { p, d, energyKept: total > 0 ? kept / total : 1 };
}

/** Separates the chosen convs of a copy of `input`; fine-tunes or distils when `data` is given. */
export async function separable(input: Graph, o: SeparableOptions = {}): Promise<SeparableResult> {
  const all = input.nodes.filter((n) => isConv(input, n)).map((n) => n.name), def = separableLayers(input);
  checkLayerNames(o.layers ?? [], all, "layers");
  const chosen = o.layers ?? def.layers;
  const skipped = o.layers ? all.filter((n) => !chosen.includes(n)).map((name) => ({ name, reason: "not in layers" })) : def.skipped;
  for (const name of chosen) {
    const k = input.tensors.get(input.nodes.find((n) => n.name === name)!.inputs[1])!.shape;
    if (k[2] * k[3] === 1) throw new InputError(`layers: "${name}" is a 1×1 conv, already pointwise`);
  }
  const epochs = o.finetuneEpochs ?? 0;
  if (!Number.isInteger(epochs) || epochs < 0) throw new InputError(`finetuneEpochs must be an integer ≥ 0, got ${epochs}`);
  if (epochs > 0 && !o.data) throw new InputError(`finetuneEpochs ${epochs} needs data`);
  if (o.distill && !epochs) throw new InputError(`distill needs data and finetuneEpochs ≥ 1`);

  const g = structuredClone(input), macs0 = countMacs(input).perNode, layers: SeparableLayerStats[] = [];
  const fresh = (base: string) => freshName(g, base);
  for (const name of chosen) {
    const node = g.nodes.find((n) => n.name === name)!, w = g.tensors.get(node.inputs[1])!;
    const [F, C, kh, kw] = w.shape, kk = kh * kw;
    const init = separableInit(w.data!, F, C, kk);
    const dw = fresh(`${name}_dw`), dwW = fresh(`${dw}.weight`), dwB = fresh(`${dw}.bias`);
    g.tensors.set(dwW, { name: dwW, shape: [C, 1, kh, kw], data: init.d, encoding: "f32" });
    g.tensors.set(dwB, { name: dwB, shape: [C], data: new Float32Array(C), encoding: "f32" });
    g.tensors.set(dw, { name: dw, shape: [] });
    const depthwise: Node = { op: "Conv", name: dw, inputs: [node.inputs[0], dwW, dwB], outputs: [dw], attrs: { ...node.attrs, group: C, act: ACT_CODE.none, actA: 0, actB: 0 } };
    w.shape = [F, C, 1, 1];
    w.data = init.p;
    w.encoding = "f32";
    node.inputs[0] = dw;
    Object.assign(node.attrs, { kh: 1, kw: 1, sh: 1, sw: 1, dh: 1, dw: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 });
    g.nodes.splice(g.nodes.indexOf(node), 0, depthwise);
    g.tensors.get(dw)!.shape = inferShapes(g, 1).get(dw)!;
    const m1 = countMacs(g).perNode, macsBefore = macs0.get(name)!, macsAfter = m1.get(dw)! + m1.get(name)!;
    layers.push({
      name, shape: [F, C, kh, kw], paramsBefore: numel([F, C, kh, kw]) + F, paramsAfter: C * kk + C + F * C + F,
      macsBefore, macsAfter, costRatio: 1 / F + 1 / kk, macRatio: macsAfter / macsBefore, energyKept: init.energyKept,
    });
  }
  checkGraph(g);

  const before = o.val ? await accuracy(input, o.val) : undefined;
  const initAcc = o.val ? await accuracy(g, o.val) : undefined;
  let graph = g;
  if (epochs > 0) {
    const dist = typeof o.distill === "object" ? o.distill : {};
    graph = await finetune(g, o.data!, {
      epochs, batch: o.batch, optimizer: o.optimizer, schedule: o.schedule, augment: o.augment, seed: o.seed, progress: o.progress,
      teacher: o.distill ? o.teacher ?? input : undefined, T: dist.T, alpha: dist.alpha,
    });
  }
  return { graph, layers, skipped, valAccuracyBefore: before, valAccuracyInit: initAcc, valAccuracy: o.val ? (epochs > 0 ? await accuracy(graph, o.val) : initAcc) : undefined };
}

// int8 and f16 quantization (docs/FORMAT.md §3.6, §3.7).
//
// int8: the weight W of every Gemm/Conv (but the excluded layers) becomes per-row symmetric int8:
// scale[r] = f32(max|row r| / 127) (1 for an all-zero row), q = roundHalfEven(w / scale[r]) in
// −127..127, and the tensor's data becomes f32(q · scale[r]) exactly, so the graph computes what
// the file stores. The layer's input X is quantized to u8 at run time with `inputQuant`
// {scale, zeroPoint}, calibrated post-training: the f32 model runs in the runtime on N training
// samples with the inputs of the quantized layers as extra graph outputs, and each input's range
// [lo, hi] (lo ≤ 0 ≤ hi) gives scale = (hi − lo)/255 and zeroPoint = clamp(roundHalfEven(−lo /
// scale), 0, 255) — ONNX's u8 QuantizeLinear parameters. Ranges: "minmax" (the observed extremes)
// or "percentile" (the p-th and (100 − p)-th percentiles of all observed values, read from a
// histogram of the minmax range, conservative by at most one bin). `dynamic` leaves inputQuant
// unset: the runtime then picks scale and zero point per sample (§3.7).
//
// Quantization-aware training (Jacob et al. 2018): the weights train through the Trainer's
// 8-bit `quant` hook (per-row fake quantization with straight-through gradients) and every
// quantized layer reads its input through a QuantizeLinear → DequantizeLinear pair with the
// calibrated (fixed) parameters; afterwards the pairs are removed, the weights are put back on
// the int8 grid the trainer used, and inputQuant keeps the trained-with parameters.
//
// f16: every constant is tagged "f16" and its data rounded to the nearest half (ties to even,
// beyond ±65504 to ±Infinity): a size-only encoding, expanded to f32 at load.
import { batches, head, type Labeled } from "../data/batches.js";
import { writeSlim } from "../format/writer.js";
import type { Graph, Node, Tensor } from "../ir/graph.js";
import { InputError } from "../runtime/errors.js";
import { Model } from "../runtime/model.js";
import type { Hook } from "../train/hooks.js";
import { fit, type EpochStats } from "../train/loop.js";
import type { OptimizerConfig } from "../train/optim.js";
import type { ScheduleConfig } from "../train/schedule.js";
import { Trainer } from "../train/trainer.js";
import { binarizableLayers } from "./binarize.js";
import { accuracy, checkLayerNames, type PrunableLayer } from "./prune.js";

export const CALIBRATION_METHODS = ["minmax", "percentile"] as const;
export type CalibrationMethod = (typeof CALIBRATION_METHODS)[number];

/** Round half to even (the rounding of §3.7, ONNX QuantizeLinear and wasm's `nearest`). */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** The nearest IEEE half of `x` as a number (ties to even; beyond ±65504 rounds to ±Infinity past 65520). */
export function f16round(x: number): number {
  if (!Number.isFinite(x) || x === 0) return x;
  const a = Math.abs(x), s = Math.sign(x);
  if (a >= 65520) return s * Infinity;
  let e = Math.max(-14, Math.floor(Math.log2(a)));
  if (e > -14 && 2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  const quantum = 2 ** (e - 10);
  return s * roundHalfEven(a / quantum) * quantum;
}

/** Gemm and Conv layers (the ones §3.7 quantizes), in execution order. */
export const quantizableLayers = (g: Graph): PrunableLayer[] => binarizableLayers(g);

export interface Int8Weights {
  /** Per row of dims[0]. */
  scales: Float32Array;
  q: Int8Array;
  /** f32(q · scale) per element. */
  data: Float32Array;
}

/** Per-row symmetric int8 of `d` ([rows, …]): scale = f32(max|row|/127) (1 for a zero row), q = roundHalfEven(w/scale). */
export function int8Weights(d: Float32Array, rows: number): Int8Weights {
  const cols = d.length / rows, scales = new Float32Array(rows), q = new Int8Array(d.length), data = new Float32Array(d.length);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let c = 0; c < cols; c++) m = Math.max(m, Math.abs(d[r * cols + c]));
    const s = (scales[r] = m > 0 ? Math.fround(m / 127) || 2 ** -149 : 1);
    for (let c = 0, i = r * cols; c < cols; c++, i++) {
      q[i] = Math.max(-127, Math.min(127, roundHalfEven(d[i] / s)));
      data[i] = Math.fround(q[i] * s);
    }
  }
  return { scales, q, data };
}

/**
 * The int8 grid `d` already lies on (data trained through the 8-bit quant hook: each row is
 * q · s for one f32 s): scale f32(max|row|/127) or one of its f32 neighbours, whichever
 * reproduces every element exactly; failing that, `int8Weights` of `d`.
 */
export function recoverInt8(d: Float32Array, rows: number): Int8Weights {
  const out = int8Weights(d, rows), cols = d.length / rows, f = new Float32Array(1), u = new Uint32Array(f.buffer);
  for (let r = 0; r < rows; r++) {
    const row = d.subarray(r * cols, (r + 1) * cols);
    const exact = (s: number) => row.every((v) => Math.fround(Math.max(-127, Math.min(127, roundHalfEven(v / s))) * s) === v);
    f[0] = out.scales[r];
    if (exact(f[0])) continue;
    for (const delta of [1, -1, 2, -2, 3, -3]) {
      f[0] = out.scales[r];
      u[0] += delta;
      if (!(f[0] > 0) || !exact(f[0])) continue;
      out.scales[r] = f[0];
      for (let c = 0, i = r * cols; c < cols; c++, i++) {
        out.q[i] = Math.max(-127, Math.min(127, roundHalfEven(d[i] / f[0])));
        out.data[i] = Math.fround(out.q[i] * f[0]);
      }
      break;
    }
  }
  return out;
}

export interface InputQuant {
  scale: number;
  zeroPoint: number;
}

/** u8 parameters of the range [lo, hi] widened to hold 0 (scale 1 when it is empty). */
export function u8Params(lo: number, hi: number): InputQuant {
  lo = Math.min(0, lo);
  hi = Math.max(0, hi);
  const scale = hi > lo ? Math.fround((hi - lo) / 255) : 1;
  if (!(scale > 0) || !Number.isFinite(scale)) throw new InputError(`activation range [${lo}, ${hi}] has no finite u8 scale`);
  return { scale, zeroPoint: Math.max(0, Math.min(255, roundHalfEven(-lo / scale))) };
}

/** Value range of one tensor over the calibration samples. */
export interface Range {
  tensor: string;
  min: number;
  max: number;
  /** Values observed. */
  count: number;
  /** The range used: [min, max], or the percentiles. */
  lo: number;
  hi: number;
}

/** Bins of the percentile histogram over [min, max]. */
export const HISTOGRAM_BINS = 4096;

/**
 * [lo, hi] of a histogram of `count` values over [min, max]: hi is the upper edge of the bin
 * holding the k-th smallest value, k = ceil(p/100 · count), lo the lower edge of the bin holding
 * the k-th largest (clamped to [min, max]). So the exact percentile v(k) of the sorted values
 * lies within one bin below hi (and above lo).
 */
export function histogramRange(hist: Float64Array, min: number, max: number, count: number, percentile: number): [number, number] {
  const bins = hist.length, width = (max - min) / bins, k = Math.max(1, Math.ceil((percentile / 100) * count));
  if (!(width > 0)) return [min, max];
  let acc = 0, hiBin = bins - 1, loBin = 0;
  for (let b = 0; b < bins; b++) if ((acc += hist[b]) >= k) { hiBin = b; break; }
  acc = 0;
  for (let b = bins - 1; b >= 0; b--) if ((acc += hist[b]) >= k) { loBin = b; break; }
  return [Math.max(min, min + loBin * width), Math.min(max, min + (hiBin + 1) * width)];
}

/** Bin of `v` in a histogram of `bins` over [min, max]. */
const binOf = (v: number, min: number, width: number, bins: number): number => Math.min(bins - 1, Math.max(0, Math.floor((v - min) / width)));

export interface CalibrationOptions {
  method?: CalibrationMethod;
  /** Percentile method: the share of values inside [lo, hi] at each end, in percent; default 99.99. */
  percentile?: number;
  /** Samples per runtime call; default 100. */
  batch?: number;
}

/**
 * Ranges of `tensors` (activations of `g`) over the samples `x`, from the f32 model run in the
 * slimnet runtime with those tensors as extra outputs (graph inputs are read from `x` itself).
 */
export async function calibrate(g: Graph, tensors: readonly string[], x: Float32Array, o: CalibrationOptions = {}): Promise<Range[]> {
  const method = o.method ?? "minmax", p = o.percentile ?? 99.99, B = o.batch ?? 100;
  if (!CALIBRATION_METHODS.includes(method)) throw new InputError(`calibration method must be ${CALIBRATION_METHODS.join(" or ")}, got ${JSON.stringify(method)}`);
  if (!(p > 50 && p <= 100)) throw new InputError(`percentile must be in (50, 100], got ${p}`);
  if (g.inputs.length !== 1) throw new InputError(`calibration takes graphs with one input, ${g.name} has ${g.inputs.length}`);
  const names = [...new Set(tensors)], per = g.tensors.get(g.inputs[0])!.shape.reduce((a, b) => a * b, 1);
  for (const n of names) if (!g.tensors.has(n) || g.tensors.get(n)!.data) throw new InputError(`calibration: "${n}" is not an activation of ${g.name}`);
  if (!x.length || x.length % per) throw new InputError(`calibration: ${x.length} values are not samples of ${per} (input "${g.inputs[0]}")`);
  const n = x.length / per, step = g.batchDynamic ? B : 1;
  const probe: Graph = { ...g, outputs: [...g.outputs, ...names.filter((t) => !g.outputs.includes(t) && !g.inputs.includes(t))], tensors: new Map(g.tensors) };
  const model = await Model.load(writeSlim(probe));
  // Each pass visits every calibration value of every tensor.
  const visit = (f: (k: number, v: Float32Array) => void): void => {
    for (let s = 0; s < n; s += step) {
      const xs = x.subarray(s * per, Math.min(n, s + step) * per), out = model.run({ [g.inputs[0]]: xs });
      names.forEach((t, k) => f(k, g.inputs.includes(t) ? xs : out[t].data));
    }
  };
  const min = names.map(() => Infinity), max = names.map(() => -Infinity), count = names.map(() => 0);
  visit((k, v) => {
    for (let i = 0; i < v.length; i++) {
      if (v[i] < min[k]) min[k] = v[i];
      if (v[i] > max[k]) max[k] = v[i];
    }
    count[k] += v.length;
  });
  names.forEach((t, k) => {
    if (!Number.isFinite(min[k]) || !Number.isFinite(max[k])) throw new InputError(`calibration: "${t}" took a non-finite value (range [${min[k]}, ${max[k]}])`);
  });
  let ranges = names.map((t, k) => ({ tensor: t, min: min[k], max: max[k], count: count[k], lo: min[k], hi: max[k] }));
  if (method === "percentile" && p < 100) {
    const hist = names.map(() => new Float64Array(HISTOGRAM_BINS)), width = names.map((_, k) => (max[k] - min[k]) / HISTOGRAM_BINS);
    visit((k, v) => {
      if (!(width[k] > 0)) return;
      for (let i = 0; i < v.length; i++) hist[k][binOf(v[i], min[k], width[k], HISTOGRAM_BINS)]++;
    });
    ranges = ranges.map((r, k) => {
      const [lo, hi] = histogramRange(hist[k], r.min, r.max, r.count, p);
      return { ...r, lo, hi };
    });
  }
  return ranges;
}

export interface QuantizeOptions {
  /** "int8" (default) or "f16" (every constant to half floats, no data needed). */
  mode?: "int8" | "f16";
  /** Layer (node) names kept f32. Default none: the first and the last layer are quantized too. */
  exclude?: string[];
  /** Training samples: calibration (the first `calibration` of them) and QAT. */
  data?: Labeled;
  /** Calibration samples; default 1000. */
  calibration?: number;
  method?: CalibrationMethod;
  /** Percentile method, in percent; default 99.99. */
  percentile?: number;
  /** Leave inputQuant unset: per-sample input quantization at run time. */
  dynamic?: boolean;
  /** Quantization-aware training epochs on `data`; default 0 (post-training only). */
  qatEpochs?: number;
  /** Validation set: accuracy before and after (and per QAT epoch). */
  val?: Labeled;
  /** QAT: default 64. */
  batch?: number;
  /** QAT: default SGD lr 0.001, momentum 0.9. */
  optimizer?: OptimizerConfig;
  /** QAT: default cosine to 0 over the run. */
  schedule?: ScheduleConfig;
  seed?: number;
  progress?: boolean;
  onEpoch?: (e: EpochStats) => void;
}

export interface QuantizeLayerStats extends PrunableLayer {
  params: number;
  /** int8 or f32 (excluded) or f16. */
  encoding: "int8" | "f32" | "f16";
  /** Stored bits per weight of W: 8 + 32/cols for int8 (the per-row scales), 16, or 32. */
  bitsPerWeight: number;
  /** Mean squared change of the weights. */
  mse: number;
  inputQuant?: InputQuant;
  /** The calibrated range of the layer's input. */
  range?: Range;
}

export interface QuantizeResult {
  graph: Graph;
  mode: "int8" | "f16";
  layers: QuantizeLayerStats[];
  calibrationSamples: number;
  method?: CalibrationMethod;
  dynamic: boolean;
  history: EpochStats[];
  valAccuracyBefore?: number;
  valAccuracy?: number;
}

const mse = (a: Float32Array, b: Float32Array): number => a.reduce((s, v, i) => s + (v - b[i]) ** 2, 0) / (a.length || 1);

/** Tags every constant of `g` "f16" with its data rounded to halves (in place). */
export function toF16(g: Graph): void {
  for (const t of g.tensors.values()) {
    if (!t.data) continue;
    t.data = t.data.map(f16round);
    t.encoding = "f16";
  }
}

/** Sets W of `layer` to its int8 form (in place). */
function setInt8(t: Tensor, w: Int8Weights, inputQuant?: InputQuant): void {
  t.data = w.data;
  t.scales = w.scales;
  t.encoding = "int8";
  delete t.indexBits;
  delete t.codebookPerRow;
  if (inputQuant) t.inputQuant = { ...inputQuant };
  else delete t.inputQuant;
}

/**
 * Fake quantization of each layer's input (in place): x → QuantizeLinear → DequantizeLinear →
 * layer, with constant scale and zero point tensors; returns the names of those constants.
 */
export function insertFakeQuant(g: Graph, params: Map<string, InputQuant>): string[] {
  const constants: string[] = [];
  for (const [name, p] of params) {
    const node = g.nodes.find((n) => n.name === name)!, x = node.inputs[0], shape = [...g.tensors.get(x)!.shape];
    const s = `${name}.x_scale`, z = `${name}.x_zero_point`, q = `${name}.x_q`, dq = `${name}.x_dq`;
    g.tensors.set(s, { name: s, shape: [1], data: Float32Array.of(p.scale) });
    g.tensors.set(z, { name: z, shape: [1], data: Float32Array.of(p.zeroPoint) });
    g.tensors.set(q, { name: q, shape });
    g.tensors.set(dq, { name: dq, shape: [...shape] });
    const pair: Node[] = [
      { op: "QuantizeLinear", name: `${name}_quantize`, inputs: [x, s, z], outputs: [q], attrs: { axis: 1, qmin: 0, qmax: 255 } },
      { op: "DequantizeLinear", name: `${name}_dequantize`, inputs: [q, s, z], outputs: [dq], attrs: { axis: 1 } },
    ];
    node.inputs[0] = dq;
    g.nodes.splice(g.nodes.indexOf(node), 0, ...pair);
    constants.push(s, z);
  }
  return constants;
}

/** Undoes `insertFakeQuant` (in place): each layer reads x again. */
export function removeFakeQuant(g: Graph, layers: Iterable<string>): void {
  for (const name of layers) {
    const node = g.nodes.find((n) => n.name === name)!, dq = g.nodes.find((n) => n.name === `${name}_dequantize`);
    const qn = g.nodes.find((n) => n.name === `${name}_quantize`);
    if (!dq || !qn) continue;
    node.inputs[0] = qn.inputs[0];
    g.nodes = g.nodes.filter((n) => n !== dq && n !== qn);
    for (const t of [...qn.inputs.slice(1), ...qn.outputs, ...dq.outputs]) g.tensors.delete(t);
  }
}

/** Quantizes a copy of `input` (int8 with calibration and optional QAT, or f16). */
export async function quantize(input: Graph, o: QuantizeOptions = {}): Promise<QuantizeResult> {
  const mode = o.mode ?? "int8", all = quantizableLayers(input), exclude = o.exclude ?? [];
  if (mode !== "int8" && mode !== "f16") throw new InputError(`quantize mode must be "int8" or "f16", got ${JSON.stringify(mode)}`);
  checkLayerNames(exclude, all.map((l) => l.name), "exclude");
  const qat = o.qatEpochs ?? 0, nCal = o.calibration ?? 1000, dynamic = o.dynamic === true;
  if (!Number.isInteger(qat) || qat < 0) throw new InputError(`qatEpochs must be an integer ≥ 0, got ${qat}`);
  if (!Number.isInteger(nCal) || nCal < 1) throw new InputError(`calibration must be a positive integer of samples, got ${nCal}`);
  if (qat > 0 && !o.data) throw new InputError(`qatEpochs ${qat} needs training data`);
  const valAccuracyBefore = o.val ? await accuracy(input, o.val) : undefined;
  let g = structuredClone(input);
  if (mode === "f16") {
    toF16(g);
    const layers = all.map((l): QuantizeLayerStats => {
      const d = g.tensors.get(l.weight)!.data!;
      return { ...l, params: d.length, encoding: "f16", bitsPerWeight: 16, mse: mse(d, input.tensors.get(l.weight)!.data!) };
    });
    return { graph: g, mode, layers, calibrationSamples: 0, dynamic, history: [], valAccuracyBefore, valAccuracy: o.val ? await runtimeAccuracy(g, o.val) : undefined };
  }
  const chosen = all.filter((l) => !exclude.includes(l.name));
  if (!chosen.length) throw new InputError(`${input.name}: no layer left to quantize (${all.length} Gemm/Conv layers, all excluded)`);
  if (!dynamic && !o.data) throw new InputError(`static int8 needs calibration data (training samples), or dynamic input quantization`);
  // Calibration on the f32 model.
  const calib = o.data && !dynamic ? head(o.data, nCal) : undefined;
  const nodeOf = (name: string) => input.nodes.find((n) => n.name === name)!;
  const ranges = new Map<string, Range>(), params = new Map<string, InputQuant>();
  if (calib) {
    const inputs = chosen.map((l) => nodeOf(l.name).inputs[0]);
    const r = await calibrate(input, inputs, calib.x, { method: o.method, percentile: o.percentile });
    const byTensor = new Map(r.map((x) => [x.tensor, x]));
    chosen.forEach((l, k) => {
      const range = byTensor.get(inputs[k])!;
      ranges.set(l.name, range);
      params.set(l.name, u8Params(range.lo, range.hi));
    });
  }
  let history: EpochStats[] = [];
  if (qat > 0) {
    const constants = insertFakeQuant(g, params);
    const hooks: Record<string, Hook> = Object.fromEntries(chosen.map((l) => [l.weight, { kind: "quant", bits: 8 } as Hook]));
    const t = await Trainer.create(g, { batch: o.batch ?? 64, hooks, frozen: constants, optimizer: o.optimizer ?? { kind: "sgd", lr: 0.001, momentum: 0.9 } });
    history = fit(t, o.data!, { epochs: qat, seed: o.seed ?? 1, val: o.val, progress: o.progress, label: "QAT", onEpoch: o.onEpoch, schedule: o.schedule ?? { kind: "cosine" } });
    g = t.toGraph();
    removeFakeQuant(g, params.keys());
  }
  const layers = all.map((l): QuantizeLayerStats => {
    const t = g.tensors.get(l.weight)!, before = input.tensors.get(l.weight)!.data!, params0 = t.data!.length;
    if (!chosen.includes(l)) return { ...l, params: params0, encoding: "f32", bitsPerWeight: 32, mse: mse(t.data!, before) };
    const rows = t.shape[0], w = qat > 0 ? recoverInt8(t.data!, rows) : int8Weights(t.data!, rows);
    setInt8(t, w, params.get(l.name));
    return {
      ...l, params: params0, encoding: "int8", bitsPerWeight: 8 + (32 * rows) / params0, mse: mse(w.data, before),
      inputQuant: params.get(l.name), range: ranges.get(l.name),
    };
  });
  const valAccuracy = o.val ? await runtimeAccuracy(g, o.val) : undefined;
  return { graph: g, mode, layers, calibrationSamples: calib?.n ?? 0, method: calib ? o.method ?? "minmax" : undefined, dynamic, history, valAccuracyBefore, valAccuracy };
}

/** Accuracy of `g` as written to .slim and run in the runtime (int8 layers in integer arithmetic). */
export const runtimeAccuracy = async (g: Graph, set: Labeled): Promise<number> => modelAccuracy(await Model.load(writeSlim(g)), set);

/** Runs `model` over `set` in batches; returns the first output's argmax accuracy. */
export function modelAccuracy(model: Model, set: Labeled, batch = 100): number {
  let correct = 0;
  const name = model.inputs[0].name, step = model.batchDynamic ? batch : 1;
  for (const b of batches(set, step)) {
    const y = Object.values(model.run({ [name]: b.x }))[0].data, c = y.length / b.n;
    for (let s = 0; s < b.n; s++) {
      let best = 0;
      for (let j = 1; j < c; j++) if (y[s * c + j] > y[s * c + best]) best = j;
      if (best === b.labels[s]) correct++;
    }
  }
  return set.n ? correct / set.n : 0;
}

// ONNX → IR. Opsets 7–25 of the default domain. Every ONNX node either folds to a constant
// (shape subgraphs, Constant, arithmetic on initializers) or maps to IR ops of src/ir/ops.ts;
// anything else is an UnsupportedError naming the op, node, attribute and what is supported.
// Batch: a symbolic dim 0 is imported at batch 1 and at batch 2; the graph is batch-dynamic
// only when the two agree up to dim 0 and no node mixes samples (docs/FORMAT.md §5).
import onnx from "onnx-proto";
import type { Graph } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import { GraphBuilder } from "../ir/build.js";
import { checkGraph, mixesBatch } from "../ir/analysis.js";
import type { OpName } from "../ir/ops.js";
import { fold } from "../passes/fold.js";
import { fuseChannelShuffle } from "./channel-shuffle.js";
import { FormatError, ShapeError, SlimnetError, UnsupportedError } from "../runtime/errors.js";
import { checkArity, checkDims, nodeWhere, sortedNodes } from "./onnx-check.js";
import {
  type AttrValue, type Const, FOLDABLE, decodeAttr, decodeTensor, dtypeName, evalConst, flattenDims, kindOf,
  makeConst, reshapeDims, squeezeDims, toNum, transposeConst, unsqueezeDims,
} from "./onnx-values.js";
import { QUANTIZED_INPUTS, quantHandlers, tagInt8 } from "./onnx-quant.js";
import { foldQdq } from "../passes/fold-qdq.js";

export interface OnnxImportOptions {
  /** Static shapes for inputs whose dims are symbolic; -1 in dim 0 keeps the batch dynamic. */
  shapes?: Record<string, number[]>;
  /** Run src/passes/fold.ts (BN folding, activation fusion) after import. Default true. */
  fold?: boolean;
  /** Keep DequantizeLinear'd int8 Gemm/Conv weights as int8 tensors and fold the QuantizeLinear→
   *  DequantizeLinear pairs on their inputs into `inputQuant` (src/passes/fold-qdq.ts). Default
   *  true; false: the same model with dequantized f32 weights. */
  int8?: boolean;
  /** The model's folder: tensors with external data (data_location EXTERNAL) are read from
   *  relative paths inside it (never absolute, `..` or symlinks leading out). Without it such
   *  models are refused with an UnsupportedError. The CLI passes the .onnx file's folder. */
  baseDir?: string;
}

// Opsets 22–25 changed none of the ops below in float semantics, only their element types:
// 22 (ONNX 1.17) added bfloat16 to Conv, pools, Dropout, HardSigmoid, HardSwish…; 23, 24 and 25
// added float4e2m1, float8e8m0 and int2/uint2 to Cast, Constant(OfShape), Flatten, Identity,
// Pad, Reshape, Shape, Size, Squeeze, Transpose, Unsqueeze (and new ops we do not import).
// Tensors of those types are refused by decodeTensor / inputSpecs, so accepting the opset is exact.
const MIN_OPSET = 7, MAX_OPSET = 25;
const DT = onnx.onnx.TensorProto.DataType;
const FLT_MAX = 3.4028234663852886e38;

/** A value during import: a known constant or an IR activation tensor. */
export type Val = { c: Const } | { t: string };

export class Ctx {
  constructor(
    readonly b: GraphBuilder,
    readonly node: onnx.onnx.INodeProto,
    readonly where: string,
    readonly opset: number,
    private readonly ins: (Val | undefined)[],
    private readonly attrs: Map<string, AttrValue>,
  ) {}
  get op(): string { return this.node.opType!; }
  /** Attribute value; without a fallback the attribute is required. */
  attr<T extends AttrValue>(name: string, ...fallback: [T?]): T {
    const v = this.attrs.get(name);
    if (v !== undefined) { checkAttrKind(this.where, name, v); return v as T; }
    if (fallback.length) return fallback[0] as T;
    throw new FormatError(`${this.where}: required attribute ${name} is missing`);
  }
  has(i: number): boolean { return this.ins[i] !== undefined; }
  isConst(i: number): boolean { const v = this.ins[i]; return !!v && "c" in v; }
  /** Input i as a constant, or UnsupportedError saying it must be one. */
  konst(i: number, what: string): Const {
    const v = this.ins[i];
    if (!v || !("c" in v)) throw new UnsupportedError(`${this.where}: ${what} (input ${i}) must be a constant (initializer or foldable subgraph)`);
    return v.c;
  }
  /** Input i as an IR tensor name; constants become f32 constant tensors. */
  t(i: number): string {
    const v = this.ins[i];
    if (!v) throw new FormatError(`${this.where}: input ${i} is missing`);
    if ("t" in v) return v.t;
    floatOnly(this, i, v.c);
    return this.b.constant(this.node.input![i] || `${this.where}_c${i}`, v.c.shape, Float32Array.from(v.c.data));
  }
  shape(i: number): number[] {
    const v = this.ins[i];
    if (!v) throw new FormatError(`${this.where}: input ${i} is missing`);
    return "c" in v ? v.c.shape : this.b.shape(v.t);
  }
  /** Adds an IR node; `last` ones take the ONNX output name. */
  emit(op: OpName, inputs: string[], attrs: Record<string, number | number[]> = {}, last = false): string {
    const name = this.node.name || `${this.op}_${this.node.output![0]}`;
    return this.b.node(op, inputs, attrs, { name, out: last ? this.node.output![0] : undefined });
  }
  reshape(x: string, shape: number[], last = false): string {
    return this.emit("Reshape", [x], { shape }, last);
  }
  /** A context for an inner op of an expansion (QLinearConv → DequantizeLinear, Conv, QuantizeLinear): same node name and attributes. */
  sub(ins: (Val | undefined)[], names: string[], out: string): Ctx {
    return new Ctx(this.b, { ...this.node, input: names, output: [out] }, this.where, this.opset, ins, this.attrs);
  }
  unsupported(attr: string, value: unknown, supported: string): never {
    throw new UnsupportedError(`${this.where}: attribute ${attr}=${JSON.stringify(value)} is not supported; supported: ${supported}`);
  }
}

/** Float computations take float constants: an int or bool constant there is a type error. */
function floatOnly(c: Ctx, i: number, k: Const): void {
  if (k.dtype !== "float")
    throw new FormatError(`${c.where}: input ${i} "${c.node.input![i]}" is ${k.elemType !== undefined ? dtypeName(k.elemType) : k.dtype}; expected a float tensor (${c.op} computes in float)`);
}
/** A constant input that holds float weights (Gemm/MatMul B, Conv W and B, BatchNormalization parameters). */
const weights = (c: Ctx, i: number, what: string): Const => { const k = c.konst(i, what); floatOnly(c, i, k); return k; };

/** The kind each attribute the importer reads must have (a hostile file may give pads as one int). */
const ATTR_KINDS: Record<string, "int" | "float" | "ints" | "string"> = {
  kernel_shape: "ints", pads: "ints", strides: "ints", dilations: "ints", perm: "ints", axes: "ints", shape: "ints",
  starts: "ints", ends: "ints", axis: "int", group: "int", transA: "int", transB: "int", ceil_mode: "int",
  count_include_pad: "int", storage_order: "int", training_mode: "int", spatial: "int", allowzero: "int", to: "int",
  block_size: "int", output_dtype: "int", precision: "int", start: "int", end: "int",
  alpha: "float", beta: "float", epsilon: "float", min: "float", max: "float", auto_pad: "string", mode: "string",
};
function checkAttrKind(where: string, name: string, v: AttrValue): void {
  const want = ATTR_KINDS[name];
  if (!want) return;
  const ok = want === "ints" ? Array.isArray(v) && v.every((x) => typeof x === "number" && Number.isInteger(x))
    : want === "int" ? typeof v === "number" && Number.isInteger(v)
      : want === "float" ? typeof v === "number" : typeof v === "string";
  if (!ok) {
    const got = Array.isArray(v) ? `a list [${v.slice(0, 8)}${v.length > 8 ? ",…" : ""}]` : typeof v === "object" ? "a tensor" : `${typeof v} ${JSON.stringify(v)}`;
    throw new FormatError(`${where}: attribute ${name} is ${got}; expected ${want === "ints" ? "a list of integers" : want === "int" ? "an integer" : want === "float" ? "a number" : "a string"}`);
  }
}

// ---- window ops: explicit pads from auto_pad / pads / ceil_mode ------------------------------
interface Window { k: number[]; s: number[]; d: number[]; p0: number[]; p1: number[] }

function windowAttrs(c: Ctx, spatial: number[], kernel: number[], ceil: boolean): Window {
  const r = spatial.length;
  const s = c.attr<number[]>("strides", Array(r).fill(1)), d = c.attr<number[]>("dilations", Array(r).fill(1));
  const autoPad = c.attr<string>("auto_pad", "NOTSET");
  const pads = c.attr<number[]>("pads", Array(2 * r).fill(0));
  const p0 = pads.slice(0, r), p1 = pads.slice(r);
  if (pads.some((v) => v < 0)) c.unsupported("pads", pads, "pads ≥ 0");
  for (let i = 0; i < r; i++) {
    const span = (kernel[i] - 1) * d[i] + 1;
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      const out = Math.ceil(spatial[i] / s[i]), total = Math.max(0, (out - 1) * s[i] + span - spatial[i]);
      p0[i] = autoPad === "SAME_UPPER" ? Math.floor(total / 2) : Math.ceil(total / 2);
      p1[i] = total - p0[i];
    } else if (autoPad === "VALID") p0[i] = p1[i] = 0;
    else if (autoPad !== "NOTSET") c.unsupported("auto_pad", autoPad, "NOTSET, SAME_UPPER, SAME_LOWER, VALID");
    if (ceil && autoPad !== "SAME_UPPER" && autoPad !== "SAME_LOWER") {
      // ONNX ceil rule, then drop a last window that would start in the right padding.
      const inner = spatial[i] + p0[i] + p1[i] - span;
      let out = Math.ceil(inner / s[i]) + 1;
      if ((out - 1) * s[i] >= spatial[i] + p0[i]) out--;
      const extra = (out - 1) * s[i] + span - (spatial[i] + p0[i] + p1[i]);
      if (extra > 0) {
        if (c.op === "AveragePool" && c.attr("count_include_pad", 0))
          c.unsupported("ceil_mode", 1, "ceil_mode=1 with count_include_pad=1 only when the windows fit the padded input");
        p1[i] += extra;
      }
    }
  }
  return { k: kernel, s, d, p0, p1 };
}

/** IR window attributes; 1-D windows become 2-D with H = 1. */
const window2d = (w: Window): Record<string, number> => {
  const two = w.k.length === 1, i = two ? 0 : 1;
  return {
    kh: two ? 1 : w.k[0], kw: w.k[i], sh: two ? 1 : w.s[0], sw: w.s[i], dh: two ? 1 : w.d[0], dw: w.d[i],
    padTop: two ? 0 : w.p0[0], padLeft: w.p0[i], padBottom: two ? 0 : w.p1[0], padRight: w.p1[i],
  };
};

function spatialRank(c: Ctx, rank: number): number {
  const r = rank - 2;
  if (r !== 1 && r !== 2) throw new UnsupportedError(`${c.where}: ${c.op} on a rank-${rank} input (${r}-D); supported: 1-D and 2-D`);
  return r;
}

/** Runs a 2-D IR op on a 1-D input by viewing [N,C,L] as [N,C,1,L]. */
function as2d(c: Ctx, x: string, body: (x4: string) => string): string {
  const s = c.b.shape(x);
  if (s.length === 4) return body(x);
  const y4 = body(c.reshape(x, [s[0], s[1], 1, s[2]]));
  const ys = c.b.shape(y4);
  return c.reshape(y4, [ys[0], ys[1], ys[3]], true);
}

// ---- handlers: ONNX op → IR nodes; each returns the IR name of output 0 ---------------------
type Handler = (c: Ctx) => string | Val;
const same = (op: OpName, attrs: (c: Ctx) => Record<string, number> = () => ({})): Handler => (c) => c.emit(op, [c.t(0)], attrs(c), true);
const bin = (op: OpName): Handler => (c) => c.emit(op, [c.t(0), c.t(1)], {}, true);
const softmax = (op: OpName): Handler => (c) => {
  const r = c.shape(0).length, axis0 = c.attr<number>("axis", c.opset >= 13 ? -1 : 1), axis = axis0 < 0 ? axis0 + r : axis0;
  return c.emit(op, [c.t(0)], { axis, toEnd: c.opset < 13 && axis < r - 1 ? 1 : 0 }, true);
};
const alias: Handler = (c) => c.t(0);

function gemm(c: Ctx): string {
  const alpha = c.attr<number>("alpha", 1), beta = c.attr<number>("beta", 1);
  const transA = c.attr<number>("transA", 0), transB = c.attr<number>("transB", 0);
  let a = c.t(0);
  if (transA) a = c.emit("Transpose", [a], { perm: [1, 0] });
  const hasC = c.has(2);
  if (!c.isConst(1)) {
    let b = c.t(1);
    if (transB) b = c.emit("Transpose", [b], { perm: [1, 0] });
    let y = c.emit("MatMul", [a, b], {}, !hasC && alpha === 1);
    if (alpha !== 1) y = c.emit("Mul", [y, c.b.constant(`${c.node.name}_alpha`, [], new Float32Array([alpha]))], {}, !hasC);
    return hasC ? addBias(c, y, beta) : y;
  }
  const B = weights(c, 1, "B");
  let W = transB ? B : transposeConst(B, [1, 0]);
  W = { ...W, data: Float32Array.from(W.data, (v) => v * alpha) };
  const n = W.shape[0];
  let bias = new Float32Array(n), rest = false;
  if (hasC && c.isConst(2)) {
    const C = weights(c, 2, "C");
    if (numel(C.shape) === 1) bias.fill(beta * C.data[0]);
    else if (C.shape[C.shape.length - 1] === n && numel(C.shape) === n) bias = Float32Array.from(C.data, (v) => beta * v);
    else rest = true;
  } else rest = hasC;
  const wt = c.b.constant(c.node.input![1], W.shape, Float32Array.from(W.data));
  tagInt8(c.b.tensors.get(wt), B, transB ? 0 : 1, alpha);
  const y = c.emit("Gemm", [a, wt, c.b.constant(hasC && !rest ? c.node.input![2] : `${c.node.input![1]}_bias`, [n], bias)], {}, !rest);
  return rest ? addBias(c, y, beta) : y;
}
/** Gemm's C when it is not a per-column vector: y + beta·C as an Add. */
function addBias(c: Ctx, y: string, beta: number): string {
  let C = c.t(2);
  if (beta !== 1) {
    if (c.isConst(2)) { const k = c.konst(2, "C"); C = c.b.constant(`${c.node.input![2]}_beta`, k.shape, Float32Array.from(k.data, (v) => v * beta)); }
    else C = c.emit("Mul", [C, c.b.constant(`${c.node.name}_beta`, [], new Float32Array([beta]))]);
  }
  return c.emit("Add", [y, C], {}, true);
}

function matmul(c: Ctx): string {
  const as = c.shape(0);
  if (c.isConst(1) && c.konst(1, "B").shape.length === 2 && !c.isConst(0)) {
    const B = weights(c, 1, "B"), W = transposeConst(B, [1, 0]), [n, k] = W.shape, lead = as.slice(0, -1);
    if (as[as.length - 1] !== k) throw new ShapeError(`${c.where}: MatMul expected A [...,${k}], got [${as}]`);
    const x = lead.length === 1 ? c.t(0) : c.reshape(c.t(0), [numel(lead), k]);
    const wt = c.b.constant(c.node.input![1], [n, k], Float32Array.from(W.data));
    tagInt8(c.b.tensors.get(wt), B, 1);
    const y = c.emit("Gemm", [x, wt, c.b.constant(`${c.node.input![1]}_bias`, [n], new Float32Array(n))], {}, lead.length === 1);
    return lead.length === 1 ? y : c.reshape(y, [...lead, n], true);
  }
  if (as.length < 2 || c.shape(1).length < 2)
    throw new UnsupportedError(`${c.where}: MatMul of 1-D operands [${as}] × [${c.shape(1)}]; supported: rank ≥ 2, or a constant 2-D B`);
  return c.emit("MatMul", [c.t(0), c.t(1)], {}, true);
}

function conv(c: Ctx): string {
  const W = weights(c, 1, "W (weights)"), x = c.t(0), r = spatialRank(c, c.shape(0).length);
  if (W.shape.length !== r + 2) throw new ShapeError(`${c.where}: Conv expected W of rank ${r + 2}, got [${W.shape}]`);
  const kernel = W.shape.slice(2), ks = c.attr<number[]>("kernel_shape", kernel);
  if (ks.join() !== kernel.join()) throw new ShapeError(`${c.where}: kernel_shape [${ks}] does not match W [${W.shape}]`);
  const f = W.shape[0], B = c.has(2) ? weights(c, 2, "B (bias)") : makeConst("float", [f], new Float32Array(f));
  const w = window2d(windowAttrs(c, c.shape(0).slice(2), kernel, false));
  const w4 = r === 1 ? [f, W.shape[1], 1, W.shape[2]] : W.shape;
  const wt = c.b.constant(c.node.input![1], w4, Float32Array.from(W.data));
  tagInt8(c.b.tensors.get(wt), W, 0);
  const bt = c.b.constant(c.has(2) ? c.node.input![2] : `${c.node.input![1]}_bias`, [f], Float32Array.from(B.data));
  return as2d(c, x, (x4) => c.emit("Conv", [x4, wt, bt], { group: c.attr("group", 1), ...w }, r === 2));
}

function pool(c: Ctx): string {
  if (c.node.output!.length > 1 && c.node.output![1]) throw new UnsupportedError(`${c.where}: MaxPool's Indices output is not supported`);
  if (c.attr("storage_order", 0)) c.unsupported("storage_order", 1, "0");
  const r = spatialRank(c, c.shape(0).length), op = c.op as "MaxPool" | "AveragePool";
  const w = window2d(windowAttrs(c, c.shape(0).slice(2), c.attr<number[]>("kernel_shape"), !!c.attr("ceil_mode", 0)));
  const extra: Record<string, number> = op === "AveragePool" ? { countIncludePad: c.attr<number>("count_include_pad", 0) } : {};
  return as2d(c, c.t(0), (x4) => c.emit(op, [x4], { ...w, ...extra }, r === 2));
}

function batchNorm(c: Ctx): string {
  if (c.node.output!.slice(1).some((o) => o)) throw new UnsupportedError(`${c.where}: BatchNormalization in training mode (extra outputs) is not supported`);
  if (c.attr("training_mode", 0)) c.unsupported("training_mode", 1, "0 (inference)");
  if (c.attr("spatial", 1) !== 1) c.unsupported("spatial", 0, "1");
  const [g, b, m, v] = [1, 2, 3, 4].map((i) => weights(c, i, ["scale", "B", "mean", "var"][i - 1]).data);
  const eps = c.attr<number>("epsilon", 1e-5), n = g.length;
  if (![b, m, v].every((a) => a.length === n) || n !== c.shape(0)[1])
    throw new ShapeError(`${c.where}: scale, B, mean and var hold ${[g, b, m, v].map((a) => a.length)} values; expected ${c.shape(0)[1]} each (the channels of [${c.shape(0)}])`);
  const scale = Float32Array.from(g, (gi, i) => gi / Math.sqrt(v[i] + eps));
  const shift = Float32Array.from(b, (bi, i) => bi - m[i] * scale[i]);
  return c.emit("ChannelAffine", [c.t(0), c.b.constant(`${c.node.input![1]}_affine_scale`, [n], scale),
    c.b.constant(`${c.node.input![2]}_affine_shift`, [n], shift)], {}, true);
}

function clip(c: Ctx): string {
  const lo = c.opset < 11 ? c.attr<number>("min", -FLT_MAX) : c.has(1) ? c.konst(1, "min").data[0] : -FLT_MAX;
  const hi = c.opset < 11 ? c.attr<number>("max", FLT_MAX) : c.has(2) ? c.konst(2, "max").data[0] : FLT_MAX;
  return c.emit("Clip", [c.t(0)], { min: lo, max: hi }, true);
}

function pad(c: Ctx): string {
  const modes = ["constant", "reflect", "edge", "wrap"];
  const mode = modes.indexOf(c.attr<string>("mode", "constant"));
  if (mode < 0) c.unsupported("mode", c.attr("mode"), modes.join(", "));
  const r = c.shape(0).length;
  let pads: number[], value: number;
  if (c.opset < 11) { pads = c.attr<number[]>("pads"); value = c.attr<number>("value", 0); }
  else {
    const p = [...c.konst(1, "pads").data];
    value = c.has(2) ? c.konst(2, "constant_value").data[0] : 0;
    if (c.has(3)) {
      const axes = [...c.konst(3, "axes").data].map((a) => (a < 0 ? a + r : a));
      pads = Array(2 * r).fill(0);
      axes.forEach((a, k) => { pads[a] = p[k]; pads[a + r] = p[k + axes.length]; });
    } else pads = p;
  }
  if (pads.some((v) => v < 0)) c.unsupported("pads", pads, "pads ≥ 0 (negative pads crop)");
  return c.emit("Pad", [c.t(0)], { mode, value, pads }, true);
}

function concat(c: Ctx): string {
  const ins = c.node.input!.map((_, i) => i).filter((i) => c.has(i) && numel(c.shape(i)) > 0);
  if (ins.length === 1) return c.t(ins[0]);
  const r = c.shape(0).length, a = c.attr<number>("axis");
  return c.emit("Concat", ins.map((i) => c.t(i)), { axis: a < 0 ? a + r : a }, true);
}

const shapeOp = (f: (c: Ctx, s: number[]) => number[]): Handler => (c) => {
  const s = c.shape(0), out = f(c, s);
  return out.join() === s.join() ? c.t(0) : c.reshape(c.t(0), out, true);
};
const optionalAxes = (c: Ctx): number[] | undefined =>
  c.opset >= 13 ? (c.has(1) ? [...c.konst(1, "axes").data] : undefined) : c.attr<number[]>("axes", undefined);

const HANDLERS: Record<string, Handler> = {
  Gemm: gemm, MatMul: matmul, Conv: conv, MaxPool: pool, AveragePool: pool,
  GlobalAveragePool: same("GlobalAveragePool"), GlobalMaxPool: same("GlobalMaxPool"),
  BatchNormalization: batchNorm,
  Relu: same("Relu"), Sigmoid: same("Sigmoid"), Tanh: same("Tanh"), HardSwish: same("HardSwish"),
  LeakyRelu: same("LeakyRelu", (c) => ({ alpha: c.attr("alpha", 0.01) })),
  HardSigmoid: same("HardSigmoid", (c) => ({ alpha: c.attr("alpha", 0.2), beta: c.attr("beta", 0.5) })),
  PRelu: (c) => c.emit("PRelu", [c.t(0), c.t(1)], {}, true),
  Clip: clip, Softmax: softmax("Softmax"), LogSoftmax: softmax("LogSoftmax"),
  Add: bin("Add"), Sub: bin("Sub"), Mul: bin("Mul"), Div: bin("Div"),
  Sum: (c) => c.node.input!.slice(1).reduce((acc, _, k) => c.emit("Add", [acc, c.t(k + 1)], {}, k === c.node.input!.length - 2), c.t(0)),
  Concat: concat,
  Flatten: shapeOp((c, s) => flattenDims(s, c.attr("axis", 1))),
  Reshape: shapeOp((c, s) => reshapeDims(s, [...c.konst(1, "shape").data], !!c.attr("allowzero", 0), c.where)),
  Squeeze: shapeOp((c, s) => squeezeDims(s, optionalAxes(c))),
  Unsqueeze: shapeOp((c, s) => unsqueezeDims(s, optionalAxes(c) ?? c.unsupported("axes", null, "a list of axes"))),
  Identity: alias,
  Dropout: (c) => {
    if (c.node.output![1]) throw new UnsupportedError(`${c.where}: Dropout's mask output is not supported`);
    if (c.has(2) && c.konst(2, "training_mode").data[0]) c.unsupported("training_mode", 1, "0 (inference)");
    return c.t(0);
  },
  Cast: (c) => (kindOf(c.attr<number>("to")) === "float" ? c.t(0) : c.unsupported("to", dtypeName(c.attr("to")), "float for activations")),
  Transpose: (c) => {
    const r = c.shape(0).length, perm = c.attr<number[]>("perm", [...Array(r).keys()].reverse());
    return perm.every((p, i) => p === i) ? c.t(0) : c.emit("Transpose", [c.t(0)], { perm }, true);
  },
  Pad: pad,
  ...quantHandlers((c) => matmul(c), (c) => conv(c)),
};

/** What the importer accepts, for error messages. */
export const SUPPORTED_ONNX_OPS = [...new Set([...Object.keys(HANDLERS), ...FOLDABLE])].sort();

// ---- driver ---------------------------------------------------------------------------------
function decodeModel(bytes: Uint8Array): onnx.onnx.ModelProto {
  try {
    return onnx.onnx.ModelProto.decode(bytes);
  } catch (e) {
    throw new FormatError(`not an ONNX model: ${(e as Error).message}`);
  }
}

function opsetOf(m: onnx.onnx.ModelProto): number {
  const imp = m.opsetImport.find((o) => !o.domain || o.domain === "ai.onnx");
  const v = imp ? toNum(imp.version) : 1;
  if (v < MIN_OPSET || v > MAX_OPSET) throw new UnsupportedError(`ONNX opset ${v} is not supported; supported: ${MIN_OPSET}..${MAX_OPSET}`);
  return v;
}

interface InputSpec { name: string; dims: number[]; dynamicBatch: boolean }

function inputSpecs(g: onnx.onnx.IGraphProto, opts: OnnxImportOptions): InputSpec[] {
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  return (g.input ?? []).filter((v) => !inits.has(v.name!)).map((v) => {
    const tt = v.type?.tensorType, name = v.name!;
    if (!tt) throw new UnsupportedError(`graph input "${name}" is not a tensor; supported: float tensors`);
    const quantized = (g.node ?? []).every((n) => (n.input ?? []).every((x, i) => x !== name || QUANTIZED_INPUTS[n.opType ?? ""]?.includes(i)));
    if (tt.elemType !== DT.FLOAT && !(quantized && (tt.elemType === DT.UINT8 || tt.elemType === DT.INT8)))
      throw new UnsupportedError(`graph input "${name}" has element type ${dtypeName(tt.elemType ?? 0)}; supported: float, and uint8/int8 (held as f32 integers) read only by quantized ops (DequantizeLinear, QLinearMatMul, QLinearConv, MatMulInteger, ConvInteger)`);
    const given = opts.shapes?.[name];
    if (given) {
      const dims = given.map((d, i) => (i === 0 && d < 0 ? 1 : d));
      checkDims(dims, `shapes["${name}"] given for graph input "${name}"`);
      return { name, dims, dynamicBatch: given[0] < 0 };
    }
    if (!tt.shape) throw new UnsupportedError(`graph input "${name}" has no shape: pass one, e.g. { shapes: { "${name}": [-1, 1, 28, 28] } } (-1 = dynamic batch)`);
    const dims = (tt.shape.dim ?? []).map((d, i) => {
      if (d.dimParam || !Object.prototype.hasOwnProperty.call(d, "dimValue")) return -1;
      const v = toNum(d.dimValue);
      if (v < 0) throw new ShapeError(`graph input "${name}": dim ${i} is ${v}; expected a size ≥ 0 or a symbolic dim`);
      return v;
    });
    checkDims(dims.map((d) => Math.max(d, 1)), `graph input "${name}"`);
    const bad = dims.findIndex((d, i) => i > 0 && d < 0);
    if (bad >= 0) {
      const sym = tt.shape.dim![bad].dimParam || "?";
      throw new UnsupportedError(`graph input "${name}" has symbolic dim ${bad} ("${sym}"); slimnet needs static shapes except the batch: pass { shapes: { "${name}": [${dims.map((d, i) => (i === 0 && d < 0 ? -1 : d < 0 ? "…" : d)).join(", ")}] } } (-1 = dynamic batch)`);
    }
    return { name, dims: dims.map((d) => (d < 0 ? 1 : d)), dynamicBatch: dims[0] < 0 };
  });
}

function importAt(m: onnx.onnx.ModelProto, opset: number, inputs: InputSpec[], batch: number, nodes: onnx.onnx.INodeProto[], baseDir?: string): Graph {
  const g = m.graph!, b = new GraphBuilder(), env = new Map<string, Val>();
  const outputs = (g.output ?? []).map((o) => o.name!);
  b.reserve(outputs);
  for (const t of g.initializer ?? []) env.set(t.name!, { c: decodeTensor(t, `initializer "${t.name}"`, baseDir) });
  for (const i of inputs) env.set(i.name, { t: b.input(i.name, i.dynamicBatch ? [batch, ...i.dims.slice(1)] : i.dims) });
  const index = new Map((g.node ?? []).map((n, k) => [n, k]));
  for (const n of nodes) {
    const k = index.get(n)!, where = nodeWhere(n, k);
    try {
      importNode(b, env, n, where, opset, baseDir);
    } catch (e) {
      throw located(e, where);
    }
  }
  return finish(g, b, env, outputs);
}

/** An error raised inside a node's import, named after the node; anything not ours becomes a FormatError. */
function located(e: unknown, where: string): SlimnetError {
  if (e instanceof SlimnetError) {
    if (e.message.startsWith("node \"")) return e;
    const Class = e.constructor as new (message: string) => SlimnetError;
    return new Class(`${where}: ${e.message}`);
  }
  return new FormatError(`${where}: malformed node (${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}); check its inputs and attributes against the ONNX spec`);
}

/** Every IR tensor and constant made so far has a sane shape (checkDims) and as many values as elements. */
function checkNew(b: GraphBuilder, seen: number, v: Val | undefined, what: string): void {
  if (v && "c" in v) {
    checkDims(v.c.shape, what);
    if (v.c.data.length !== numel(v.c.shape)) throw new FormatError(`${what}: ${v.c.data.length} values for shape [${v.c.shape}]`);
  }
  let k = 0;
  for (const t of b.tensors.values()) if (k++ >= seen) checkDims(t.shape, `tensor "${t.name}"`);
}

function importNode(b: GraphBuilder, env: Map<string, Val>, n: onnx.onnx.INodeProto, where: string, opset: number, baseDir: string | undefined): void {
  const op = n.opType ?? "", seen = b.tensors.size;
  checkArity(n, where, opset);
  if (n.domain && n.domain !== "ai.onnx") throw new UnsupportedError(`${where}: domain "${n.domain}" is not supported; supported: the default ONNX domain`);
  const attrs = new Map((n.attribute ?? []).map((a) => [a.name!, decodeAttr(a, where, baseDir)]));
  const ins = (n.input ?? []).map((name) => {
    if (!name) return undefined;
    const v = env.get(name);
    if (!v) throw new FormatError(`${where}: input "${name}" is not defined before use`);
    return v;
  });
  const c = new Ctx(b, n, where, opset, ins, attrs);
  const allConst = ins.every((v) => !v || "c" in v);
  if (FOLDABLE.has(op) && (allConst || (op === "Shape" || op === "Size"))) {
    const value = evalConst({
      op, where, opset, attr: (name, ...fb) => c.attr(name, ...fb),
      inputs: ins.map((v) => (v === undefined ? undefined : "c" in v ? v.c : makeConst("float", b.shape(v.t), []))),
    });
    checkNew(b, seen, { c: value }, "output");
    env.set(n.output![0], { c: value });
    return;
  }
  const h = HANDLERS[op];
  if (!h) throw new UnsupportedError(`${where}: op ${op} is not supported${FOLDABLE.has(op) ? " on activations (only on constants)" : ""}; supported: ${SUPPORTED_ONNX_OPS.join(", ")}`);
  const r = h(c), v: Val = typeof r === "string" ? { t: r } : r;
  checkNew(b, seen, v, "output");
  env.set(n.output![0], v);
}

function finish(g: onnx.onnx.IGraphProto, b: GraphBuilder, env: Map<string, Val>, outputs: string[]): Graph {
  const outNames = outputs.map((o) => {
    const v = env.get(o);
    if (!v) throw new FormatError(`graph output "${o}" is never produced`);
    if ("c" in v) throw new UnsupportedError(`graph output "${o}" is a constant; slimnet graphs compute their outputs from inputs`);
    return v.t;
  });
  outNames.forEach((t, k) => {
    const o = outputs[k];
    if (t === o) return;
    // An Identity/Dropout/no-op reshape made the output an alias: give the producer its name.
    const producer = b.nodes.find((n) => n.outputs.includes(t));
    if (!producer || outNames.indexOf(t) !== k || outputs.includes(t)) {
      b.node("Reshape", [t], { shape: b.shape(t) }, { name: `${o}_copy`, out: o });
      return;
    }
    const tensor = b.tensors.get(t)!;
    b.tensors.delete(t);
    b.tensors.set(o, { ...tensor, name: o });
    for (const n of b.nodes) { n.inputs = n.inputs.map((i) => (i === t ? o : i)); n.outputs = n.outputs.map((i) => (i === t ? o : i)); }
  });
  const graph = b.build(g.name || "model", outputs, false);
  fuseChannelShuffle(graph);
  return graph;
}

/** True when g2 is g1 at twice the batch: same nodes, same constants, activations' dim 0 doubled. */
function sameUpToBatch(g1: Graph, g2: Graph): boolean {
  if (g1.nodes.length !== g2.nodes.length || g1.tensors.size !== g2.tensors.size) return false;
  for (const [name, t1] of g1.tensors) {
    const t2 = g2.tensors.get(name);
    if (!t2 || t1.shape.length !== t2.shape.length || !!t1.data !== !!t2.data) return false;
    if (t1.data) { if (t1.shape.join() !== t2.shape.join() || t1.data.some((v, i) => v !== t2.data![i])) return false; }
    else if (t1.shape.length === 0 || t2.shape[0] !== 2 * t1.shape[0] || t1.shape.slice(1).join() !== t2.shape.slice(1).join()) return false;
  }
  return g1.nodes.every((n, k) => {
    const n2 = g2.nodes[k], { shape: _a, ...a1 } = n.attrs, { shape: _b, ...a2 } = n2.attrs;
    return n.op === n2.op && n.inputs.join() === n2.inputs.join() && JSON.stringify(a1) === JSON.stringify(a2);
  });
}

/** ONNX model bytes → IR graph (shapes at batch 1; `batchDynamic` when proven). */
export function importOnnx(bytes: Uint8Array, opts: OnnxImportOptions = {}): Graph {
  if (!(bytes instanceof Uint8Array)) throw new FormatError(`importOnnx takes the model's bytes as a Uint8Array, got ${bytes === null ? "null" : typeof bytes}`);
  const m = decodeModel(bytes);
  if (!m.graph) throw new FormatError("ONNX model has no graph; expected a ModelProto with a graph");
  const opset = opsetOf(m), nodes = sortedNodes(m.graph), inputs = inputSpecs(m.graph, opts);
  const g = importAt(m, opset, inputs, 1, nodes, opts.baseDir);
  if (inputs.some((i) => i.dynamicBatch)) {
    let g2: Graph | undefined;
    try { g2 = importAt(m, opset, inputs, 2, nodes, opts.baseDir); } catch { g2 = undefined; }
    g.batchDynamic = !!g2 && sameUpToBatch(g, g2) && mixesBatch(g) === undefined;
  }
  try {
    if (opts.fold !== false) fold(g);
    foldQdq(g, opts.int8 ?? true);
    checkGraph(g);
  } catch (e) {
    if (e instanceof SlimnetError) throw e;
    throw new FormatError(`imported graph "${g.name}" could not be finished (${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}); the model is malformed or uses an unsupported combination of ops`);
  }
  return g;
}

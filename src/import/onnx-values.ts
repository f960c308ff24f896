// Constant values during ONNX import: decoding TensorProto and attributes, and evaluating the
// shape-only subgraphs exporters write (Shape → Gather → Unsqueeze → Concat → Reshape, Range,
// ConstantOfShape, int64 arithmetic…) so that the IR only ever sees static shapes.
import onnx from "onnx-proto";
import { FormatError, ShapeError, UnsupportedError } from "../runtime/errors.js";
import { MAX_ELEMENTS, checkAxis, checkDims } from "./onnx-check.js";
import { isExternal, readExternal } from "./onnx-external.js";

const P = onnx.onnx;
type Long = { toNumber(): number };

/** A constant: floats keep f32 precision; ints (int64 and friends) and bools are doubles. */
export interface Const {
  dtype: "float" | "int" | "bool";
  shape: number[];
  data: Float32Array | Float64Array;
  /** ONNX element type when decoded from a TensorProto (QuantizeLinear/DequantizeLinear need it). */
  elemType?: number;
  /** Set by a folded DequantizeLinear of a constant: the integers it came from (src/import/onnx-quant.ts). */
  quant?: QuantSource;
}

/** data = (q − zeroPoint)·scale along `axis` (scale/zeroPoint of 1 element: per tensor), for this `shape`. */
export interface QuantSource {
  q: Float64Array;
  scale: Float32Array;
  zeroPoint: Float64Array;
  axis: number;
  elemType: number;
  shape: number[];
}

export const toNum = (v: number | Long | null | undefined): number =>
  v == null ? 0 : typeof v === "number" ? v : v.toNumber();
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

export const makeConst = (dtype: Const["dtype"], shape: number[], values: ArrayLike<number>): Const => ({
  dtype, shape, data: dtype === "float" ? Float32Array.from(values) : Float64Array.from(values),
});

const DT = P.TensorProto.DataType;
// onnx-proto's enum stops at BFLOAT16; the later element types are named from onnx.proto (IR 9–12).
const DT_NAME: Record<number, string> = {
  ...Object.fromEntries(Object.entries(DT).map(([k, v]) => [v, k])),
  17: "FLOAT8E4M3FN", 18: "FLOAT8E4M3FNUZ", 19: "FLOAT8E5M2", 20: "FLOAT8E5M2FNUZ", 21: "UINT4", 22: "INT4",
  23: "FLOAT4E2M1", 24: "FLOAT8E8M0", 25: "UINT2", 26: "INT2",
};
export const dtypeName = (t: number): string => DT_NAME[t] ?? `type ${t}`;
/** ONNX element type → our constant kind, or undefined when we cannot hold it. */
export function kindOf(t: number): Const["dtype"] | undefined {
  if (t === DT.FLOAT || t === DT.DOUBLE || t === DT.FLOAT16) return "float";
  if (t === DT.BOOL) return "bool";
  if ([DT.INT8, DT.UINT8, DT.INT16, DT.UINT16, DT.INT32, DT.UINT32, DT.INT64, DT.UINT64].includes(t)) return "int";
  return undefined;
}

function half(h: number): number {
  const e = (h >> 10) & 31, m = h & 1023, s = h & 0x8000 ? -1 : 1;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

const SIZE: Record<number, number> = {
  [DT.FLOAT]: 4, [DT.DOUBLE]: 8, [DT.FLOAT16]: 2, [DT.BOOL]: 1, [DT.INT8]: 1, [DT.UINT8]: 1,
  [DT.INT16]: 2, [DT.UINT16]: 2, [DT.INT32]: 4, [DT.UINT32]: 4, [DT.INT64]: 8, [DT.UINT64]: 8,
};

/**
 * Decodes an initializer or a Constant's tensor (raw_data, the typed *_data fields, or external
 * data read from inside `baseDir`, src/import/onnx-external.ts). Shapes are checked (checkDims)
 * before anything of their size is allocated.
 */
export function decodeTensor(t: onnx.onnx.ITensorProto, where: string, baseDir?: string): Const {
  const type = t.dataType ?? 0, kind = kindOf(type);
  if (!kind) throw new UnsupportedError(`${where}: tensor "${t.name}" has element type ${dtypeName(type)}; supported: float, double, float16, bool and integer types`);
  const shape = (t.dims ?? []).map(toNum);
  checkDims(shape, `${where}: tensor "${t.name}"`);
  const n = numel(shape), size = SIZE[type];
  let vals: ArrayLike<number>;
  const raw = isExternal(t) ? readExternal(t, `${where}: tensor "${t.name}"`, n * size, baseDir) : t.rawData;
  if (raw && raw.length) {
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    if (raw.length !== n * size) throw new FormatError(`${where}: tensor "${t.name}" raw_data holds ${raw.length} bytes, shape [${shape}] of ${dtypeName(type)} needs ${n * size}`);
    const get: (i: number) => number = {
      [DT.FLOAT]: (i: number) => dv.getFloat32(4 * i, true), [DT.DOUBLE]: (i: number) => dv.getFloat64(8 * i, true),
      [DT.FLOAT16]: (i: number) => half(dv.getUint16(2 * i, true)), [DT.BOOL]: (i: number) => dv.getUint8(i),
      [DT.INT8]: (i: number) => dv.getInt8(i), [DT.UINT8]: (i: number) => dv.getUint8(i),
      [DT.INT16]: (i: number) => dv.getInt16(2 * i, true), [DT.UINT16]: (i: number) => dv.getUint16(2 * i, true),
      [DT.INT32]: (i: number) => dv.getInt32(4 * i, true), [DT.UINT32]: (i: number) => dv.getUint32(4 * i, true),
      [DT.INT64]: (i: number) => Number(dv.getBigInt64(8 * i, true)), [DT.UINT64]: (i: number) => Number(dv.getBigUint64(8 * i, true)),
    }[type]!;
    vals = Array.from({ length: n }, (_, i) => get(i));
  } else if (n > 0 && isExternal(t)) throw new FormatError(`${where}: tensor "${t.name}" external data is empty; shape [${shape}] needs ${n * size} bytes`);
  else if (type === DT.FLOAT) vals = t.floatData ?? [];
  else if (type === DT.DOUBLE) vals = t.doubleData ?? [];
  else if (type === DT.INT64) vals = (t.int64Data ?? []).map(toNum);
  else if (type === DT.UINT64 || type === DT.UINT32) vals = (t.uint64Data ?? []).map(toNum);
  else if (type === DT.FLOAT16) vals = (t.int32Data ?? []).map(half);
  else vals = t.int32Data ?? [];
  if (vals.length !== n) throw new FormatError(`${where}: tensor "${t.name}" holds ${vals.length} values, shape [${shape}] needs ${n}`);
  return { ...makeConst(kind, shape, vals), elemType: type };
}

export type AttrValue = number | string | number[] | string[] | Const;
const td = new TextDecoder();

/** An attribute as a plain value; graphs and sparse tensors are refused. */
export function decodeAttr(a: onnx.onnx.IAttributeProto, where: string, baseDir?: string): AttrValue {
  const T = P.AttributeProto.AttributeType;
  switch (a.type) {
    case T.FLOAT: return a.f ?? 0;
    case T.INT: return toNum(a.i);
    case T.STRING: return td.decode(a.s ?? new Uint8Array());
    case T.TENSOR:
      if (!a.t) throw new FormatError(`${where}: tensor attribute ${a.name} holds no tensor`);
      return decodeTensor(a.t, where, baseDir);
    case T.FLOATS: return [...(a.floats ?? [])];
    case T.INTS: return (a.ints ?? []).map(toNum);
    case T.STRINGS: return (a.strings ?? []).map((s) => td.decode(s));
    default: throw new UnsupportedError(`${where}: attribute ${a.name} has type ${T[a.type ?? 0]}; supported: float, int, string, tensor and lists of them`);
  }
}

// ---- constant evaluation --------------------------------------------------------------------
const strides = (s: readonly number[]): number[] => {
  const r = new Array<number>(s.length).fill(1);
  for (let i = s.length - 2; i >= 0; i--) r[i] = r[i + 1] * s[i + 1];
  return r;
};
const normAxis = (a: number, r: number, inclusive = false): number => checkAxis(a, r, "", inclusive);

/** numpy-broadcast elementwise map over constants. */
function zip(out: Const["dtype"], xs: Const[], f: (...v: number[]) => number): Const {
  const r = Math.max(...xs.map((x) => x.shape.length));
  const shape = Array.from({ length: r }, (_, i) => Math.max(...xs.map((x) => x.shape[x.shape.length - r + i] ?? 1)));
  checkDims(shape, "broadcast result");
  const os = strides(shape), n = numel(shape);
  const xst = xs.map((x) => { const s = strides(x.shape); return shape.map((d, i) => { const j = i - (r - x.shape.length); return j < 0 || x.shape[j] === 1 ? 0 : s[j]; }); });
  const vals = new Array<number>(n);
  for (let k = 0; k < n; k++) {
    const args = xs.map((x, m) => { let off = 0; for (let i = 0; i < r; i++) off += Math.floor(k / os[i]) % shape[i] * xst[m][i]; return x.data[off]; });
    vals[k] = f(...args);
  }
  return makeConst(out, shape, vals);
}

function gather(x: Const, idx: Const, axis: number): Const {
  const ax = normAxis(axis, x.shape.length), outer = numel(x.shape.slice(0, ax)), d = x.shape[ax], inner = numel(x.shape.slice(ax + 1));
  const vals: number[] = [];
  for (let o = 0; o < outer; o++) for (const i0 of idx.data) { const i = i0 < 0 ? i0 + d : i0; for (let k = 0; k < inner; k++) vals.push(x.data[(o * d + i) * inner + k]); }
  return makeConst(x.dtype, [...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)], vals);
}

function slice(x: Const, starts: number[], ends: number[], axes: number[], steps: number[]): Const {
  const r = x.shape.length, lo = x.shape.map(() => 0), step = x.shape.map(() => 1), cnt = [...x.shape];
  axes.forEach((a0, k) => {
    const a = normAxis(a0, r), d = x.shape[a], st = steps[k] ?? 1;
    const clamp = (v: number, l: number, h: number): number => Math.min(Math.max(v < 0 ? v + d : v, l), h);
    const s = st > 0 ? clamp(starts[k], 0, d) : clamp(starts[k], 0, d - 1), e = st > 0 ? clamp(ends[k], 0, d) : clamp(ends[k], -1, d - 1);
    if (!Number.isInteger(st) || st === 0) throw new FormatError(`Slice step ${st} on axis ${a0}; expected a non-zero integer`);
    lo[a] = s; step[a] = st; cnt[a] = Math.max(0, Math.ceil((e - s) / st));
  });
  checkDims(cnt, "Slice result");
  const xs = strides(x.shape), os = strides(cnt), vals: number[] = [];
  for (let k = 0; k < numel(cnt); k++) { let off = 0; for (let i = 0; i < r; i++) off += (lo[i] + (Math.floor(k / os[i]) % cnt[i]) * step[i]) * xs[i]; vals.push(x.data[off]); }
  return makeConst(x.dtype, cnt, vals);
}

export function transposeConst(x: Const, perm: number[]): Const {
  if (perm.length !== x.shape.length || [...perm].sort((a, b) => a - b).some((p, i) => p !== i))
    throw new FormatError(`Transpose perm [${perm}] is not a permutation of the ${x.shape.length} axes of [${x.shape}]`);
  const shape = perm.map((p) => x.shape[p]), xs = strides(x.shape), os = strides(shape), vals: number[] = [];
  for (let k = 0; k < numel(shape); k++) { let off = 0; for (let i = 0; i < shape.length; i++) off += (Math.floor(k / os[i]) % shape[i]) * xs[perm[i]]; vals.push(x.data[off]); }
  return makeConst(x.dtype, shape, vals);
}

/** Output shape of ONNX Reshape: 0 copies the input dim (unless allowzero), -1 is inferred. */
export function reshapeDims(inShape: readonly number[], target: readonly number[], allowzero: boolean, where: string): number[] {
  const out = target.map((d, i) => (d === 0 && !allowzero ? inShape[i] : d));
  const k = out.indexOf(-1), known = numel(out.filter((d) => d !== -1));
  if (k >= 0) out[k] = known === 0 ? 0 : numel(inShape) / known;
  if (!Number.isInteger(out[k] ?? 0) || numel(out) !== numel(inShape) || out.some((d) => d < 0 || d === undefined))
    throw new UnsupportedError(`${where}: cannot reshape [${inShape}] to [${target}]`);
  return out;
}
export const squeezeDims = (s: readonly number[], axes: number[] | undefined): number[] =>
  axes ? s.filter((_, i) => !axes.map((a) => normAxis(a, s.length)).includes(i)) : s.filter((d) => d !== 1);
export function unsqueezeDims(s: readonly number[], axes: number[]): number[] {
  const r = s.length + axes.length, ax = axes.map((a) => normAxis(a, r)), out: number[] = [];
  for (let i = 0, j = 0; i < r; i++) out.push(ax.includes(i) ? 1 : s[j++]);
  return out;
}
export const flattenDims = (s: readonly number[], axis: number): number[] => {
  const a = normAxis(axis, s.length, true);
  return [numel(s.slice(0, a)), numel(s.slice(a))];
};

const reshaped = (x: Const, shape: number[]): Const => ({ ...x, shape });
const isInt = (c: Const): boolean => c.dtype !== "float";
const arith: Record<string, (a: number, b: number, int: boolean) => number> = {
  Add: (a, b) => a + b, Sub: (a, b) => a - b, Mul: (a, b) => a * b,
  Div: (a, b, int) => (int ? Math.trunc(a / b) : a / b), Pow: (a, b) => a ** b,
  Max: (a, b) => Math.max(a, b), Min: (a, b) => Math.min(a, b), Mod: (a, b) => a - Math.floor(a / b) * b,
};
const compare: Record<string, (a: number, b: number) => boolean> = {
  Equal: (a, b) => a === b, Less: (a, b) => a < b, Greater: (a, b) => a > b,
  LessOrEqual: (a, b) => a <= b, GreaterOrEqual: (a, b) => a >= b, And: (a, b) => !!a && !!b, Or: (a, b) => !!a || !!b,
};
const unaryOps: Record<string, (a: number) => number> = {
  Neg: (a) => -a, Abs: Math.abs, Floor: Math.floor, Ceil: Math.ceil, Sqrt: Math.sqrt, Reciprocal: (a) => 1 / a,
  Exp: Math.exp, Log: Math.log, Relu: (a) => Math.max(a, 0), Sigmoid: (a) => 1 / (1 + Math.exp(-a)), Tanh: Math.tanh, Not: (a) => +!a,
};

/** Ops evaluated at import when all their inputs are constants. */
export const FOLDABLE = new Set([
  "Constant", "Shape", "Size", "Gather", "Unsqueeze", "Squeeze", "Concat", "Slice", "Cast", "ConstantOfShape",
  "Range", "Reshape", "Flatten", "Identity", "Dropout", "Transpose", "Where", "Expand",
  ...Object.keys(arith), ...Object.keys(compare), ...Object.keys(unaryOps),
]);

export interface FoldNode {
  op: string;
  where: string;
  opset: number;
  /** Inputs; undefined for an absent optional input. Shape accepts an activation as its shape only. */
  inputs: (Const | undefined)[];
  attr<T extends AttrValue>(name: string, fallback?: T): T;
}

/** Evaluates one node over constants; returns its (first) output. */
export function evalConst(n: FoldNode): Const {
  const [x, y] = n.inputs, ints = (c: Const | undefined): number[] => (c ? [...c.data] : []);
  switch (n.op) {
    case "Constant": {
      for (const [k, kind] of [["value", "t"], ["value_float", "float"], ["value_floats", "float"], ["value_int", "int"], ["value_ints", "int"]] as const) {
        const v = n.attr<AttrValue>(k, undefined as unknown as AttrValue);
        if (v === undefined) continue;
        if (kind === "t") return v as Const;
        return makeConst(kind, Array.isArray(v) ? [v.length] : [], Array.isArray(v) ? (v as number[]) : [v as number]);
      }
      throw new UnsupportedError(`${n.where}: Constant needs one of value, value_float(s), value_int(s) (sparse and string values are not supported)`);
    }
    case "Shape": {
      const s = x!.shape, r = s.length;
      const clip = (v: number): number => Math.min(Math.max(v < 0 ? v + r : v, 0), r);
      const out = s.slice(clip(n.attr("start", 0)), clip(n.attr("end", r)));
      return makeConst("int", [out.length], out);
    }
    case "Size": return makeConst("int", [], [numel(x!.shape)]);
    case "Gather": return gather(x!, y!, n.attr("axis", 0));
    case "Unsqueeze": return reshaped(x!, unsqueezeDims(x!.shape, n.opset >= 13 ? ints(y) : n.attr<number[]>("axes")));
    case "Squeeze": return reshaped(x!, squeezeDims(x!.shape, n.opset >= 13 ? (y ? ints(y) : undefined) : n.attr<number[]>("axes", undefined as unknown as number[])));
    case "Concat": {
      const xs = n.inputs.filter((c): c is Const => !!c), ax = normAxis(n.attr<number>("axis"), xs[0].shape.length);
      const outer = numel(xs[0].shape.slice(0, ax)), vals: number[] = [];
      for (let o = 0; o < outer; o++) for (const c of xs) { const blk = numel(c.shape.slice(ax)); for (let k = 0; k < blk; k++) vals.push(c.data[o * blk + k]); }
      const shape = [...xs[0].shape]; shape[ax] = xs.reduce((a, c) => a + c.shape[ax], 0);
      return makeConst(xs.some((c) => c.dtype === "float") ? "float" : xs[0].dtype, shape, vals);
    }
    case "Slice": {
      if (n.opset < 10) { const st = n.attr<number[]>("starts"); return slice(x!, st, n.attr("ends"), n.attr("axes", st.map((_, i) => i)), []); }
      const st = ints(n.inputs[1]);
      return slice(x!, st, ints(n.inputs[2]), n.inputs[3] ? ints(n.inputs[3]) : st.map((_, i) => i), ints(n.inputs[4]));
    }
    case "Cast": {
      const to = kindOf(n.attr<number>("to"));
      if (!to) throw new UnsupportedError(`${n.where}: Cast to ${dtypeName(n.attr("to"))}; supported: float and integer types`);
      const v = [...x!.data].map((a) => (to === "int" ? Math.trunc(a) : to === "bool" ? +!!a : a));
      return makeConst(to, x!.shape, v);
    }
    case "ConstantOfShape": {
      const shape = ints(x), v = n.attr<Const>("value", makeConst("float", [1], [0]));
      checkDims(shape, `${n.where}: output shape`);
      return makeConst(v.dtype, shape, new Array(numel(shape)).fill(v.data[0]));
    }
    case "Range": {
      const [s, l, d] = n.inputs.map((c) => c!.data[0]), len = Math.max(Math.ceil((l - s) / d), 0);
      if (!(len <= MAX_ELEMENTS)) throw new ShapeError(`${n.where}: Range(${s}, ${l}, ${d}) has ${len} elements; expected ≤ ${MAX_ELEMENTS}`);
      return makeConst(x!.dtype, [len], Array.from({ length: len }, (_, i) => s + i * d));
    }
    case "Reshape": {
      const target = n.opset < 5 ? n.attr<number[]>("shape") : ints(y);
      return reshaped(x!, reshapeDims(x!.shape, target, !!n.attr("allowzero", 0), n.where));
    }
    case "Flatten": return reshaped(x!, flattenDims(x!.shape, n.attr("axis", 1)));
    case "Identity": case "Dropout": return x!;
    case "Transpose": return transposeConst(x!, n.attr("perm", x!.shape.map((_, i) => x!.shape.length - 1 - i)));
    case "Where": return zip(n.inputs[1]!.dtype, n.inputs as Const[], (c, a, b) => (c ? a : b));
    case "Expand": checkDims(ints(y), `${n.where}: Expand shape`); return zip(x!.dtype, [x!, makeConst("float", ints(y), new Array(numel(ints(y))).fill(0))], (a) => a);
  }
  if (arith[n.op]) {
    const int = isInt(x!) && isInt(y!);
    return zip(int ? "int" : "float", [x!, y!], (a, b) => arith[n.op](a, b, int));
  }
  if (compare[n.op]) return zip("bool", [x!, y!], (a, b) => +compare[n.op](a, b));
  if (unaryOps[n.op]) return zip(x!.dtype, [x!], unaryOps[n.op]);
  throw new UnsupportedError(`${n.where}: cannot evaluate ${n.op} on constants`);
}

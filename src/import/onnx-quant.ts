// ONNX quantization ops → IR (docs/FORMAT.md §4.1 ops 30/31, §3.7). Quantized values (uint8,
// int8, int32) are integers held in f32, slimnet's only dtype. QuantizeLinear/DequantizeLinear
// map to the IR ops (or fold when their input is a constant: a DequantizeLinear of a constant
// weight keeps the integers it came from in `Const.quant`, so Gemm/Conv can tag that weight
// int8, see `tagInt8`); QLinearMatMul, QLinearConv, MatMulInteger and ConvInteger expand to
// DequantizeLinear → MatMul/Gemm/Conv → QuantizeLinear. Scales and zero points must be constants.
// Kept unsupported, each with an UnsupportedError naming it: float16/bfloat16 scales, float8,
// int4/uint4, int2/uint2, int16/uint16 values (refused by their element type), blocked
// quantization (block_size), output_dtype other than uint8/int8 (Q) or float (DQ).
import onnx from "onnx-proto";
import type { Tensor } from "../ir/graph.js";
import { numel } from "../ir/graph.js";
import { FormatError, UnsupportedError } from "../runtime/errors.js";
import type { Ctx, Val } from "./onnx.js";
import { type Const, dtypeName, makeConst } from "./onnx-values.js";

const DT = onnx.onnx.TensorProto.DataType;
/** Integer element types held in f32, with their clamp range. */
const RANGE: Record<number, [number, number]> = { [DT.UINT8]: [0, 255], [DT.INT8]: [-128, 127] };

/** Round half to even (ONNX QuantizeLinear's rounding; wasm f32.nearest). */
export const roundHalfEven = (v: number): number => {
  const r = Math.round(v);
  return r - v === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

interface QParams {
  scale: Float32Array;
  zeroPoint: Float64Array;
  /** Axis of per-axis parameters (0 when per tensor). */
  axis: number;
  /** ONNX element type of the quantized side (zero point's type, else output_dtype, else uint8). */
  type: number;
  names: [string, string];
}

/** Scale (input si, or 1 when si < 0) and zero point (input zi, default 0) of a tensor of `shape`. */
function params(c: Ctx, shape: number[], si: number, zi: number, axisDefault: number, typeDefault: number = DT.UINT8): QParams {
  const zc = c.has(zi) ? c.konst(zi, "zero point") : undefined;
  const sc = si >= 0 ? c.konst(si, "scale") : makeConst("float", zc?.shape ?? [], new Array(numel(zc?.shape ?? [])).fill(1));
  if (sc.elemType !== undefined && sc.elemType !== DT.FLOAT)
    throw new UnsupportedError(`${c.where}: scale (input ${si}) has element type ${dtypeName(sc.elemType)}; supported: float`);
  const type = zc?.elemType ?? typeDefault;
  if (!RANGE[type] && type !== DT.INT32)
    throw new UnsupportedError(`${c.where}: quantized element type ${dtypeName(type)} is not supported; supported: UINT8, INT8 (INT32 for a dequantized bias)`);
  const n = numel(sc.shape), r = shape.length;
  let axis = 0;
  if (n !== 1) {
    const a0 = c.attr<number>("axis", axisDefault), a = a0 < 0 ? a0 + r : a0;
    if (sc.shape.length !== 1 || a < 0 || a >= r || shape[a] !== n)
      throw new UnsupportedError(`${c.where}: scale of shape [${sc.shape}] for [${shape}] with axis ${a0}; supported: 1 element (per tensor) or 1-D of dims[axis] (per axis)`);
    axis = a;
  }
  const z = zc ? zc.data : new Float64Array(n);
  if (z.length !== n && z.length !== 1) throw new FormatError(`${c.where}: zero point of shape [${zc!.shape}] does not match scale [${sc.shape}]`);
  const name = (i: number, what: string): string => (i >= 0 && c.node.input![i]) || `${c.node.name || c.node.output![0]}_${what}`;
  return {
    scale: Float32Array.from(sc.data), zeroPoint: Float64Array.from({ length: n }, (_, k) => z[z.length === 1 ? 0 : k]),
    axis, type, names: [name(si, "scale"), name(zi, "zero_point")],
  };
}

/** Per element: (scale, zeroPoint) of flat index k. */
function perElement(shape: number[], p: QParams): (k: number) => [number, number] {
  const inner = numel(shape.slice(p.axis + 1)), n = p.scale.length;
  return (k) => { const i = n === 1 ? 0 : Math.floor(k / inner) % n; return [p.scale[i], p.zeroPoint[i]]; };
}

function quantizeConst(x: Const, p: QParams): Const {
  const at = perElement(x.shape, p), [lo, hi] = RANGE[p.type];
  return { ...makeConst("int", x.shape, Array.from(x.data, (v, k) => {
    const [s, z] = at(k);
    return Math.min(Math.max(roundHalfEven(Math.fround(Math.fround(v) / s)) + z, lo), hi);
  })), elemType: p.type };
}

function dequantizeConst(x: Const, p: QParams): Const {
  const at = perElement(x.shape, p);
  const out = makeConst("float", x.shape, Array.from(x.data, (v, k) => { const [s, z] = at(k); return Math.fround(Math.fround(v - z) * s); }));
  return { ...out, quant: { q: Float64Array.from(x.data), scale: p.scale, zeroPoint: p.zeroPoint, axis: p.axis, elemType: x.elemType ?? -1, shape: x.shape } };
}

/** Emits the IR node (scale and zero point become constants of [n]); `out`: the ONNX output name. */
function emit(c: Ctx, op: "QuantizeLinear" | "DequantizeLinear", x: string, p: QParams, last: boolean): string {
  const n = p.scale.length;
  const s = c.b.constant(p.names[0], [n], p.scale), z = c.b.constant(p.names[1], [n], Float32Array.from(p.zeroPoint));
  const [qmin, qmax] = RANGE[p.type] ?? [0, 0];
  return c.emit(op, [x, s, z], op === "QuantizeLinear" ? { axis: p.axis, qmin, qmax } : { axis: p.axis }, last);
}

function quantizeVal(c: Ctx, i: number, p: QParams, last: boolean): Val {
  if (!RANGE[p.type]) throw new UnsupportedError(`${c.where}: QuantizeLinear to ${dtypeName(p.type)}; supported: UINT8, INT8`);
  return c.isConst(i) ? { c: quantizeConst(c.konst(i, "x"), p) } : { t: emit(c, "QuantizeLinear", c.t(i), p, last) };
}
function dequantizeVal(c: Ctx, i: number, p: QParams, last: boolean): Val {
  if (!c.isConst(i)) return { t: emit(c, "DequantizeLinear", c.t(i), p, last) };
  const x = c.konst(i, "x");
  if (x.elemType !== undefined && !RANGE[x.elemType] && x.elemType !== DT.INT32)
    throw new UnsupportedError(`${c.where}: DequantizeLinear of ${dtypeName(x.elemType)}; supported: UINT8, INT8, INT32`);
  return { c: dequantizeConst(x, p) };
}

function noBlocks(c: Ctx): void {
  const b = c.attr<number>("block_size", 0);
  if (b) c.unsupported("block_size", b, "0 (per-tensor and per-axis quantization; blocked quantization is not supported)");
  const prec = c.attr<number>("precision", 0);
  if (prec && prec !== DT.FLOAT) c.unsupported("precision", dtypeName(prec), "FLOAT");
}

function quantizeLinear(c: Ctx): Val {
  noBlocks(c);
  const od = c.attr<number>("output_dtype", 0);
  if (od && !RANGE[od]) c.unsupported("output_dtype", dtypeName(od), "UINT8, INT8");
  const p = params(c, c.shape(0), 1, 2, 1, od || DT.UINT8);
  return quantizeVal(c, 0, p, true);
}

function dequantizeLinear(c: Ctx): Val {
  noBlocks(c);
  const od = c.attr<number>("output_dtype", 0);
  if (od && od !== DT.FLOAT) c.unsupported("output_dtype", dtypeName(od), "FLOAT");
  const xt = c.isConst(0) ? c.konst(0, "x").elemType : undefined;
  return dequantizeVal(c, 0, params(c, c.shape(0), 1, 2, 1, xt ?? DT.UINT8), true);
}

type Inner = (c: Ctx) => string;
const outName = (c: Ctx): string => `${c.node.output![0]}_f32`;
const names = (c: Ctx, idx: number[]): string[] => idx.map((i) => c.node.input![i] ?? "");

/** QLinearMatMul: a(0) a_scale a_zp b(3) b_scale b_zp y_scale y_zp → Q(MatMul(DQ(a), DQ(b))). */
const qlinearMatMul = (matmul: Inner) => (c: Ctx): Val => {
  const ra = c.shape(0).length, rb = c.shape(3).length;
  const a = dequantizeVal(c, 0, params(c, c.shape(0), 1, 2, ra - 2), false);
  const b = dequantizeVal(c, 3, params(c, c.shape(3), 4, 5, rb - 1), false);
  const y = matmul(c.sub([a, b], names(c, [0, 3]), outName(c)));
  return quantizeVal(c.sub([{ t: y }], [""], c.node.output![0]), 0, params(c, [], 6, 7, 0), true);
};

/** QLinearConv: x(0) x_scale x_zp w(3) w_scale w_zp y_scale y_zp B(8, int32 at scale x_scale·w_scale). */
const qlinearConv = (conv: Inner) => (c: Ctx): Val => {
  const px = params(c, c.shape(0), 1, 2, 1), pw = params(c, c.shape(3), 4, 5, 0);
  const x = dequantizeVal(c, 0, px, false), w = dequantizeVal(c, 3, pw, false);
  let bias: Val | undefined;
  if (c.has(8)) {
    const B = c.konst(8, "B (bias)"), sx = px.scale[0];
    bias = { c: makeConst("float", B.shape, Array.from(B.data, (v, k) => Math.fround(Math.fround(v) * Math.fround(sx * pw.scale[pw.scale.length === 1 ? 0 : k])))) };
  }
  const y = conv(c.sub([x, w, bias], names(c, [0, 3, 8]), outName(c)));
  return quantizeVal(c.sub([{ t: y }], [""], c.node.output![0]), 0, params(c, [], 6, 7, 0), true);
};

/** MatMulInteger: A B a_zp b_zp → (A − a_zp)(B − b_zp), an int32 held in f32 (exact while |sums| < 2^24). */
const matMulInteger = (matmul: Inner) => (c: Ctx): Val => {
  const ra = c.shape(0).length, rb = c.shape(1).length;
  const a = dequantizeVal(c, 0, params(c, c.shape(0), -1, 2, ra - 2), false);
  const b = dequantizeVal(c, 1, params(c, c.shape(1), -1, 3, rb - 1), false);
  return { t: matmul(c.sub([a, b], names(c, [0, 1]), c.node.output![0])) };
};

/** ConvInteger: x w x_zp w_zp → Conv(x − x_zp, w − w_zp), int32 held in f32. */
const convInteger = (conv: Inner) => (c: Ctx): Val => {
  const x = dequantizeVal(c, 0, params(c, c.shape(0), -1, 2, 1), false);
  const w = dequantizeVal(c, 1, params(c, c.shape(1), -1, 3, 0), false);
  return { t: conv(c.sub([x, w, undefined], names(c, [0, 1]), c.node.output![0])) };
};

/** Inputs that hold quantized integers (the only places a uint8/int8 graph input may flow). */
export const QUANTIZED_INPUTS: Record<string, number[]> = {
  DequantizeLinear: [0], QLinearMatMul: [0, 3], QLinearConv: [0, 3], MatMulInteger: [0, 1], ConvInteger: [0, 1],
};

/** The handlers, given the importer's MatMul and Conv handlers. */
export function quantHandlers(matmul: Inner, conv: Inner): Record<string, (c: Ctx) => Val> {
  return {
    QuantizeLinear: quantizeLinear, DequantizeLinear: dequantizeLinear,
    QLinearMatMul: qlinearMatMul(matmul), QLinearConv: qlinearConv(conv),
    MatMulInteger: matMulInteger(matmul), ConvInteger: convInteger(conv),
  };
}

/**
 * Tags Gemm/Conv weight `t` int8 (docs/FORMAT.md §3.7) when its values are a folded
 * DequantizeLinear of INT8 integers in −127..127 with zero point 0, scaled per tensor or per
 * axis `rowAxis` of `src` (the axis that becomes W's rows, dim 0). src/passes/fold-qdq.ts later
 * keeps the tag only where the input quantization is known exactly.
 */
export function tagInt8(t: Tensor | undefined, src: Const, rowAxis: number, alpha = 1): void {
  const q = src.quant;
  if (!t || !q || alpha !== 1 || q.elemType !== DT.INT8 || q.shape.join() !== src.shape.join() || t.shape.length < 2) return;
  if (q.zeroPoint.some((z) => z !== 0) || q.q.some((v) => v < -127)) return;
  if (q.scale.length !== 1 && q.axis !== rowAxis) return;
  if (!q.scale.every((s) => s > 0 && Number.isFinite(s))) return;
  t.encoding = "int8";
  t.scales = Float32Array.from({ length: t.shape[0] }, (_, r) => q.scale[q.scale.length === 1 ? 0 : r]);
}

// Builds ONNX ModelProto bytes the way exporters write them, for import and runtime tests:
// buildModel({ opset, inputs, outputs, nodes, initializers }). Attribute types follow the JS
// value (integer → INT, other number → FLOAT, string, number[] → INTS or FLOATS), except that
// ONNX's float-typed names (alpha, beta, epsilon, min, max, value, ratio…) are always FLOAT;
// wrap with `float()` / `floats()` to force float elsewhere, `tensor()` for a tensor attribute.
import onnx from "onnx-proto";

const P = onnx.onnx;
const DT = P.TensorProto.DataType;
const AT = P.AttributeProto.AttributeType;

export type DType = "float" | "int64" | "int32" | "uint8" | "int8" | "bool" | "double";
const DTYPES: Record<DType, number> = {
  float: DT.FLOAT, int64: DT.INT64, int32: DT.INT32, uint8: DT.UINT8, int8: DT.INT8, bool: DT.BOOL, double: DT.DOUBLE,
};

export interface TensorSpec {
  name?: string;
  dims: number[];
  data: ArrayLike<number>;
  dtype?: DType;
  /** Store as raw_data (default) or in the typed field (float_data / int64_data / int32_data). */
  raw?: boolean;
}
export interface NodeSpec {
  op: string;
  inputs: string[];
  outputs: string[];
  name?: string;
  domain?: string;
  attrs?: Record<string, AttrInput>;
}
export interface ValueSpec {
  name: string;
  /** Numbers or symbolic names ("N"); omit for no shape. */
  shape?: (number | string)[];
  dtype?: DType;
}
export interface ModelSpec {
  opset: number;
  inputs: ValueSpec[];
  outputs: (ValueSpec | string)[];
  nodes: NodeSpec[];
  initializers?: (TensorSpec & { name: string })[];
  /** Initializers also listed as graph inputs (opset < 9 exporters did). */
  initializersAsInputs?: boolean;
}

class FloatAttr { constructor(readonly v: number | number[]) {} }
class TensorAttr { constructor(readonly t: TensorSpec) {} }
export type AttrInput = number | string | number[] | string[] | FloatAttr | TensorAttr;
export const float = (v: number): FloatAttr => new FloatAttr(v);
export const floats = (v: number[]): FloatAttr => new FloatAttr(v);
export const tensor = (t: TensorSpec): TensorAttr => new TensorAttr(t);

export function tensorProto(t: TensorSpec, name = t.name ?? ""): onnx.onnx.ITensorProto {
  const dtype = t.dtype ?? "float", type = DTYPES[dtype], vals = Array.from(t.data);
  const out: onnx.onnx.ITensorProto = { name, dims: t.dims, dataType: type };
  if (t.raw === false) {
    if (dtype === "float") out.floatData = vals;
    else if (dtype === "double") out.doubleData = vals;
    else if (dtype === "int64") out.int64Data = vals;
    else out.int32Data = vals;
    return out;
  }
  const size = { float: 4, double: 8, int64: 8, int32: 4, uint8: 1, int8: 1, bool: 1 }[dtype];
  const buf = new Uint8Array(vals.length * size), dv = new DataView(buf.buffer);
  vals.forEach((v, i) => {
    if (dtype === "float") dv.setFloat32(4 * i, v, true);
    else if (dtype === "double") dv.setFloat64(8 * i, v, true);
    else if (dtype === "int64") dv.setBigInt64(8 * i, BigInt(Math.trunc(v)), true);
    else if (dtype === "int32") dv.setInt32(4 * i, v, true);
    else if (dtype === "int8") dv.setInt8(i, v);
    else dv.setUint8(i, v);
  });
  out.rawData = buf;
  return out;
}

const FLOAT_NAMES = new Set(["alpha", "beta", "epsilon", "min", "max", "value", "ratio", "momentum", "gamma", "bias", "lambd"]);

function attrProto(name: string, v: AttrInput): onnx.onnx.IAttributeProto {
  if (typeof v === "number" && FLOAT_NAMES.has(name)) return { name, type: AT.FLOAT, f: v };
  if (v instanceof FloatAttr) return Array.isArray(v.v) ? { name, type: AT.FLOATS, floats: v.v } : { name, type: AT.FLOAT, f: v.v };
  if (v instanceof TensorAttr) return { name, type: AT.TENSOR, t: tensorProto(v.t) };
  if (typeof v === "string") return { name, type: AT.STRING, s: new TextEncoder().encode(v) };
  if (typeof v === "number") return Number.isInteger(v) ? { name, type: AT.INT, i: v } : { name, type: AT.FLOAT, f: v };
  if (v.length && typeof v[0] === "string") return { name, type: AT.STRINGS, strings: (v as string[]).map((s) => new TextEncoder().encode(s)) };
  const nums = v as number[];
  return nums.every(Number.isInteger) ? { name, type: AT.INTS, ints: nums } : { name, type: AT.FLOATS, floats: nums };
}

export function valueInfo(v: ValueSpec): onnx.onnx.IValueInfoProto {
  return {
    name: v.name,
    type: {
      tensorType: {
        elemType: DTYPES[v.dtype ?? "float"],
        shape: v.shape ? { dim: v.shape.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) } : undefined,
      },
    },
  };
}

/** Serialises a model; IR version follows the opset the way exporters pair them. */
export function buildModel(spec: ModelSpec): Uint8Array {
  const inits = spec.initializers ?? [];
  const model: onnx.onnx.IModelProto = {
    irVersion: spec.opset >= 21 ? 10 : spec.opset >= 15 ? 8 : spec.opset >= 13 ? 7 : spec.opset >= 9 ? 4 : 3,
    producerName: "slimnet-tests",
    opsetImport: [{ domain: "", version: spec.opset }],
    graph: {
      name: "test",
      input: [
        ...spec.inputs.map(valueInfo),
        ...(spec.initializersAsInputs ? inits.map((t) => valueInfo({ name: t.name, shape: t.dims, dtype: t.dtype })) : []),
      ],
      output: spec.outputs.map((o) => valueInfo(typeof o === "string" ? { name: o } : o)),
      initializer: inits.map((t) => tensorProto(t, t.name)),
      node: spec.nodes.map((n, k) => ({
        opType: n.op, name: n.name ?? `${n.op.toLowerCase()}_${k}`, domain: n.domain ?? "",
        input: n.inputs, output: n.outputs,
        attribute: Object.entries(n.attrs ?? {}).map(([k2, v]) => attrProto(k2, v)),
      })),
    },
  };
  return P.ModelProto.encode(P.ModelProto.create(model)).finish();
}

export { rng } from "../../src/zoo/init.js";
export const randn = (r: () => number, n: number): Float32Array => Float32Array.from({ length: n }, () => r());

// Quantization in ONNX export (standard QDQ ONNX, which onnxruntime-web runs):
// - an int8-tagged Gemm/Conv W (docs/FORMAT.md §3.7) → DequantizeLinear of an INT8 initializer,
//   per-axis scales (axis 0), zero point 0;
// - its `inputQuant` → QuantizeLinear(uint8) → DequantizeLinear on the Gemm/Conv input;
// - QuantizeLinear/DequantizeLinear nodes → themselves, with UINT8 or INT8 zero points (a narrower
//   qmin..qmax adds a Clip on the integers). src/import/onnx.ts reads all of it back to the same IR.
import onnx from "onnx-proto";
import type { Graph, Node, Tensor } from "../ir/graph.js";
import { UnsupportedError } from "../runtime/errors.js";

const P = onnx.onnx;
const DT = P.TensorProto.DataType;
type Add = (op: string, input: string[], output: string[], attribute?: onnx.onnx.IAttributeProto[], name?: string) => void;
export interface QuantEmit { add: Add; fresh(base: string): string; inits: onnx.onnx.ITensorProto[] }

const typed = (name: string, dims: number[], type: number, data: ArrayLike<number>): onnx.onnx.ITensorProto => ({
  name, dims, dataType: type,
  rawData: new Uint8Array((type === DT.FLOAT ? Float32Array.from(data) : type === DT.INT8 ? Int8Array.from(data) : Uint8Array.from(data)).buffer),
});
const axisAttr = (axis: number): onnx.onnx.IAttributeProto => ({ name: "axis", type: P.AttributeProto.AttributeType.INT, i: axis });

/** ONNX type of a QuantizeLinear's integers: UINT8 when qmin..qmax fits 0..255, INT8 when it fits −128..127. */
function qType(n: Node, what: string): number {
  const lo = n.attrs.qmin as number, hi = n.attrs.qmax as number;
  if (lo >= 0 && hi <= 255) return DT.UINT8;
  if (lo >= -128 && hi <= 127) return DT.INT8;
  throw new UnsupportedError(`${what}: QuantizeLinear range ${lo}..${hi} has no 8-bit ONNX type; supported: within 0..255 or −128..127`);
}

export function quantExport(g: Graph, e: QuantEmit) {
  const producer = (t: string): Node | undefined => g.nodes.find((n) => n.outputs[0] === t);
  const users = (t: string): Node[] => g.nodes.filter((n) => n.inputs.includes(t));
  const skip = new Set<string>();
  /** ONNX element type of an integer-valued activation (graph inputs read by DequantizeLinear, Q outputs). */
  const elem = new Map<string, number>();
  const dqType = (n: Node): number => {
    const p = producer(n.inputs[0]);
    if (p?.op === "QuantizeLinear") return qType(p, `node "${p.name}"`);
    return g.tensors.get(n.inputs[2])!.data!.some((z) => z < 0) ? DT.INT8 : DT.UINT8;
  };
  for (const n of g.nodes) {
    if (n.op === "QuantizeLinear" || n.op === "DequantizeLinear") {
      n.inputs.slice(1).forEach((i) => skip.add(i));
      if (n.op === "QuantizeLinear") elem.set(n.outputs[0], qType(n, `node "${n.name}"`));
      else if (g.inputs.includes(n.inputs[0])) {
        if (users(n.inputs[0]).some((u) => u.op !== "DequantizeLinear"))
          throw new UnsupportedError(`graph input "${n.inputs[0]}" is read by DequantizeLinear and by other ops; ONNX needs one element type`);
        elem.set(n.inputs[0], dqType(n));
      }
    }
    if ((n.op === "Gemm" || n.op === "Conv") && g.tensors.get(n.inputs[1])?.encoding === "int8") skip.add(n.inputs[1]);
  }
  for (const [t, type] of elem) {
    if (!g.inputs.includes(t) && producer(t)?.op === "QuantizeLinear" && users(t).some((u) => u.op !== "DequantizeLinear"))
      throw new UnsupportedError(`QuantizeLinear output "${t}" is read by ops other than DequantizeLinear; ONNX holds it as ${P.TensorProto.DataType[type]}`);
  }
  /** Scale (scalar when per tensor) and zero point initializers of a Q/DQ node. */
  const params = (n: Node, type: number): [string, string] => {
    const s = g.tensors.get(n.inputs[1])!.data!, z = g.tensors.get(n.inputs[2])!.data!;
    const sn = e.fresh(n.inputs[1]), zn = e.fresh(n.inputs[2]);
    e.inits.push(typed(sn, s.length === 1 ? [] : [s.length], DT.FLOAT, s), typed(zn, z.length === 1 ? [] : [z.length], type, z));
    return [sn, zn];
  };
  /** The int8 weights: DequantizeLinear of their integers, output under the weight's own name. */
  const weights = (): void => {
    for (const n of g.nodes) {
      const w = g.tensors.get(n.inputs[1]);
      if (!w || !skip.has(w.name) || !w.scales) continue;
      const rows = w.shape[0], cols = w.data!.length / rows, q = Array.from(w.data!, (v, i) => Math.round(v / w.scales![Math.floor(i / cols)]));
      const qn = e.fresh(`${w.name}_quantized`), sn = e.fresh(`${w.name}_scale`), zn = e.fresh(`${w.name}_zero_point`);
      e.inits.push(typed(qn, w.shape, DT.INT8, q), typed(sn, [rows], DT.FLOAT, w.scales), typed(zn, [rows], DT.INT8, new Array(rows).fill(0)));
      e.add("DequantizeLinear", [qn, sn, zn], [w.name], [axisAttr(0)]);
    }
  };
  return {
    skip, elem, weights,
    /** Inputs of a Gemm/Conv, with the Q→DQ pair of its W's inputQuant in front of X. */
    inputsOf(n: Node): string[] {
      const iq = (g.tensors.get(n.inputs[1]) as Tensor | undefined)?.inputQuant;
      if (!iq || !skip.has(n.inputs[1])) return n.inputs;
      const sn = e.fresh(`${n.name}_x_scale`), zn = e.fresh(`${n.name}_x_zero_point`), q = e.fresh(`${n.name}_x_quantized`), d = e.fresh(`${n.name}_x_dequantized`);
      e.inits.push(typed(sn, [], DT.FLOAT, [iq.scale]), typed(zn, [], DT.UINT8, [iq.zeroPoint]));
      e.add("QuantizeLinear", [n.inputs[0], sn, zn], [q]);
      e.add("DequantizeLinear", [q, sn, zn], [d]);
      return [d, ...n.inputs.slice(1)];
    },
    /** Emits a QuantizeLinear/DequantizeLinear node; false for other ops. */
    node(n: Node): boolean {
      const axis = [axisAttr(n.attrs.axis as number)];
      if (n.op === "QuantizeLinear") {
        const type = elem.get(n.outputs[0])!, [lo, hi] = [n.attrs.qmin as number, n.attrs.qmax as number];
        const full = type === DT.UINT8 ? lo === 0 && hi === 255 : lo === -128 && hi === 127;
        const mid = full ? n.outputs[0] : e.fresh(`${n.name}_unclipped`);
        e.add("QuantizeLinear", [n.inputs[0], ...params(n, type)], [mid], axis, n.name);
        if (!full) {
          const lon = e.fresh("qmin"), hin = e.fresh("qmax");
          e.inits.push(typed(lon, [], type, [lo]), typed(hin, [], type, [hi]));
          e.add("Clip", [mid, lon, hin], [n.outputs[0]]);
        }
        return true;
      }
      if (n.op !== "DequantizeLinear") return false;
      const type = dqType(n);
      let x = n.inputs[0];
      if (!elem.has(x)) { // integers computed by float ops: Cast them (exact for integers in range)
        x = e.fresh(`${n.name}_cast`);
        e.add("Cast", [n.inputs[0]], [x], [{ name: "to", type: P.AttributeProto.AttributeType.INT, i: type }]);
      }
      e.add("DequantizeLinear", [x, ...params(n, type)], n.outputs, axis, n.name);
      return true;
    },
  };
}

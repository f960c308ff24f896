// IR → ONNX ModelProto bytes, so onnxruntime-web can run exactly the model slimnet runs
// (parity tests, benchmarks). Opset 13, raised to 14 for HardSwish and to 19 for dilated
// AveragePool or wrap padding. Batch-dynamic graphs get a symbolic dim 0 "N".
import onnx from "onnx-proto";
import type { Graph, Node } from "../ir/graph.js";
import { inferShapes } from "../ir/analysis.js";
import { ACT_CODE } from "../ir/ops.js";
import { quantExport } from "./onnx-quant.js";

const P = onnx.onnx;
const AT = P.AttributeProto.AttributeType;
type Attr = onnx.onnx.IAttributeProto;
const ints = (name: string, v: number[]): Attr => ({ name, type: AT.INTS, ints: v });
const int = (name: string, v: number): Attr => ({ name, type: AT.INT, i: v });
const flt = (name: string, v: number): Attr => ({ name, type: AT.FLOAT, f: v });
const str = (name: string, v: string): Attr => ({ name, type: AT.STRING, s: new TextEncoder().encode(v) });

const floatTensor = (name: string, dims: number[], data: ArrayLike<number>): onnx.onnx.ITensorProto => ({
  name, dims, dataType: P.TensorProto.DataType.FLOAT, rawData: new Uint8Array(Float32Array.from(data).buffer),
});
const int64Tensor = (name: string, data: number[]): onnx.onnx.ITensorProto => ({
  name, dims: [data.length], dataType: P.TensorProto.DataType.INT64, int64Data: data,
});

export function exportOnnx(g: Graph): Uint8Array {
  const shapes = inferShapes(g, 1), nodes: onnx.onnx.INodeProto[] = [], inits: onnx.onnx.ITensorProto[] = [];
  let opset = 13, k = 0;
  const fresh = (base: string): string => `${base}__${k++}`;
  const add = (op: string, input: string[], output: string[], attribute: Attr[] = [], name = fresh(op)): void => {
    nodes.push({ opType: op, name, input, output, attribute, domain: "" });
  };
  const constF = (base: string, dims: number[], data: ArrayLike<number>): string => {
    const n = fresh(base); inits.push(floatTensor(n, dims, data)); return n;
  };
  const constI = (base: string, data: number[]): string => {
    const n = fresh(base); inits.push(int64Tensor(n, data)); return n;
  };
  /** Target shape for Reshape: -1 on dim 0 keeps a batch-dynamic graph dynamic. */
  const target = (s: number[]): number[] => (g.batchDynamic ? [-1, ...s.slice(1)] : s);
  const reshape = (x: string, s: number[], out = fresh("r")): string => { add("Reshape", [x, constI("shape", target(s))], [out]); return out; };
  /** Conv/Gemm output then the fused activation, writing `out`. */
  const withAct = (n: Node, emit: (out: string) => void): void => {
    const a = n.attrs.act as number, out = n.outputs[0];
    if (a === ACT_CODE.none) return emit(out);
    const mid = fresh(`${n.name}_pre`);
    emit(mid);
    if (a === ACT_CODE.Relu) add("Relu", [mid], [out]);
    else if (a === ACT_CODE.Clip) add("Clip", [mid, constF("min", [], [n.attrs.actA as number]), constF("max", [], [n.attrs.actB as number])], [out]);
    else add("LeakyRelu", [mid], [out], [flt("alpha", n.attrs.actA as number)]);
  };

  const quant = quantExport(g, { add, fresh, inits });
  for (const [name, t] of g.tensors) if (t.data && !quant.skip.has(name)) inits.push(floatTensor(name, t.shape, t.data));
  quant.weights();
  for (const n of g.nodes) {
    if (quant.node(n)) continue;
    const a = n.attrs as Record<string, any>, [x] = n.inputs, y = n.outputs[0], xs = shapes.get(x)!;
    const win = (): Attr[] => [
      ints("kernel_shape", [a.kh, a.kw]), ints("strides", [a.sh, a.sw]),
      ints("pads", [a.padTop, a.padLeft, a.padBottom, a.padRight]),
      ...(a.dh !== 1 || a.dw !== 1 ? [ints("dilations", [a.dh, a.dw])] : []),
    ];
    switch (n.op) {
      case "Gemm": withAct(n, (o) => add("Gemm", quant.inputsOf(n), [o], [int("transB", 1)], n.name)); break;
      case "Conv": withAct(n, (o) => add("Conv", quant.inputsOf(n), [o], [...win(), int("group", a.group)], n.name)); break;
      case "MaxPool": add("MaxPool", [x], [y], win(), n.name); break;
      case "AveragePool":
        if (a.dh !== 1 || a.dw !== 1) opset = Math.max(opset, 19);
        add("AveragePool", [x], [y], [...win(), int("count_include_pad", a.countIncludePad)], n.name);
        break;
      case "ChannelAffine": {
        const bc = [xs[1], ...xs.slice(2).map(() => 1)], [s, t] = [n.inputs[1], n.inputs[2]].map((i) => g.tensors.get(i)!.data!);
        const m = fresh("scaled");
        add("Mul", [x, constF("scale", bc, s)], [m]);
        add("Add", [m, constF("shift", bc, t)], [y], [], n.name);
        break;
      }
      case "BatchNormalization": // inference form: running statistics
        add("BatchNormalization", n.inputs, [y], [flt("epsilon", a.epsilon), flt("momentum", a.momentum)], n.name);
        break;
      case "Dropout": add("Identity", [x], [y], [], n.name); break; // inference: a copy
      case "BinarySign": { // ONNX Sign is 0 at 0: Where(x < 0, −1, 1) is +1 there (and for NaN) as BinarySign is
        const neg = fresh("neg");
        add("Less", [x, constF("zero", [], [0])], [neg]);
        add("Where", [neg, constF("minus", [], [-1]), constF("one", [], [1])], [y], [], n.name);
        break;
      }
      case "LeakyRelu": add("LeakyRelu", [x], [y], [flt("alpha", a.alpha)], n.name); break;
      case "HardSigmoid": add("HardSigmoid", [x], [y], [flt("alpha", a.alpha), flt("beta", a.beta)], n.name); break;
      case "HardSwish": opset = Math.max(opset, 14); add("HardSwish", [x], [y], [], n.name); break;
      case "Clip": add("Clip", [x, constF("min", [], [a.min]), constF("max", [], [a.max])], [y], [], n.name); break;
      case "Softmax": case "LogSoftmax":
        if (a.toEnd && a.axis < xs.length - 1) {
          // opset < 13 semantics: normalise over dims axis.. together, via a 2-D view.
          const f = fresh("flat"), sm = fresh("sm");
          add("Flatten", [x], [f], [int("axis", a.axis)]);
          add(n.op, [f], [sm], [int("axis", 1)], n.name);
          if (a.axis === 0) add("Reshape", [sm, constI("shape", xs)], [y]); else reshape(sm, xs, y);
        } else add(n.op, [x], [y], [int("axis", a.axis)], n.name);
        break;
      case "Concat": add("Concat", n.inputs, [y], [int("axis", a.axis)], n.name); break;
      case "Reshape": reshape(x, shapes.get(y)!, y); break;
      case "Transpose": add("Transpose", [x], [y], [ints("perm", a.perm)], n.name); break;
      case "ChannelShuffle": { // ONNX has none: the pattern src/import/channel-shuffle.ts fuses back
        const [b, c, h, w] = xs, t = fresh("shuffled");
        add("Transpose", [reshape(x, [b, a.groups, c / a.groups, h, w])], [t], [ints("perm", [0, 2, 1, 3, 4])], n.name);
        reshape(t, xs, y);
        break;
      }
      case "Pad": {
        const modes = ["constant", "reflect", "edge", "wrap"];
        if (a.mode === 3) opset = Math.max(opset, 19);
        add("Pad", [x, constI("pads", a.pads), constF("value", [], [a.value])], [y], [str("mode", modes[a.mode])], n.name);
        break;
      }
      default: add(n.op, n.inputs, [y], [], n.name);
    }
  }
  const dims = (s: number[]): onnx.onnx.TensorShapeProto.IDimension[] =>
    s.map((d, i) => (i === 0 && g.batchDynamic ? { dimParam: "N" } : { dimValue: d }));
  const value = (name: string): onnx.onnx.IValueInfoProto => ({
    name, type: { tensorType: { elemType: quant.elem.get(name) ?? P.TensorProto.DataType.FLOAT, shape: { dim: dims(shapes.get(name)!) } } },
  });
  const model: onnx.onnx.IModelProto = {
    irVersion: 8, producerName: "slimnet", opsetImport: [{ domain: "", version: opset }],
    graph: { name: g.name, input: g.inputs.map(value), output: g.outputs.map(value), initializer: inits, node: nodes },
  };
  return P.ModelProto.encode(P.ModelProto.create(model)).finish();
}

// QDQ folding (docs/FORMAT.md §3.7), run by the ONNX importer after src/passes/fold.ts.
// The importer tags a Gemm/Conv weight int8 when it is a DequantizeLinear of INT8 constants with
// zero point 0 (src/import/onnx-quant.ts tagInt8). Here a QuantizeLinear→DequantizeLinear pair
// (per tensor, same scale and zero point) whose only consumer is that Gemm/Conv's X becomes the
// weight's `inputQuant` and the pair goes: exact, since the int8 Gemm/Conv quantizes X with the
// same arithmetic, qx = clamp(roundHalfEven(x/scale) + zeroPoint, 0, 255), and computes with
// (qx − zeroPoint)·scale, the pair's output. An int8 (s8) pair is the u8 one shifted by 128
// (zeroPoint + 128, range shifted alike), so it folds exactly too.
// A tag whose input quantization is not known this way is dropped (the runtime would quantize X
// dynamically, which is not what the ONNX model computes), and so are all tags when `int8` is off.
import type { Graph, Node, Tensor } from "../ir/graph.js";

const untag = (t: Tensor): void => {
  t.encoding = "f32";
  delete t.scales;
  delete t.inputQuant;
};

/** data = q·scale[row] exactly with integer q in −127..127 (BN folding after tagging would break it). */
function exactInt8(t: Tensor): boolean {
  const s = t.scales, d = t.data;
  if (!s || !d || s.length !== t.shape[0]) return false;
  const cols = d.length / s.length;
  for (let i = 0; i < d.length; i++) {
    const sc = s[Math.floor(i / cols)], q = Math.round(d[i] / sc);
    if (Math.abs(q) > 127 || Math.fround(q * sc) !== d[i]) return false;
  }
  return true;
}

export function foldQdq(g: Graph, int8: boolean): void {
  const users = (t: string): Node[] => g.nodes.filter((n) => n.inputs.includes(t));
  const producer = (t: string): Node | undefined => g.nodes.find((n) => n.outputs[0] === t);
  const value = (name: string): number[] | undefined => {
    const d = g.tensors.get(name)?.data;
    return d && d.length === 1 ? [d[0]] : undefined;
  };
  for (const n of [...g.nodes]) {
    if (n.op !== "Gemm" && n.op !== "Conv") continue;
    const w = g.tensors.get(n.inputs[1])!;
    if (w.encoding !== "int8") continue;
    if (!int8 || !exactInt8(w) || users(w.name).length !== 1) { untag(w); continue; }
    const dq = producer(n.inputs[0]), q = dq?.op === "DequantizeLinear" ? producer(dq.inputs[0]) : undefined;
    const pair = q?.op === "QuantizeLinear" && dq ? { q, dq } : undefined;
    const [qs, qz, ds, dz] = pair ? [...q!.inputs.slice(1), ...dq!.inputs.slice(1)].map(value) : [];
    const u8 = q?.attrs.qmin === 0 && q.attrs.qmax === 255, s8 = q?.attrs.qmin === -128 && q.attrs.qmax === 127;
    if (!pair || !qs || !qz || !ds || !dz || qs[0] !== ds[0] || qz[0] !== dz[0] || !(qs[0] > 0 && Number.isFinite(qs[0])) || !(u8 || s8)
      || users(q!.outputs[0]).length !== 1 || users(dq!.outputs[0]).length !== 1
      || g.outputs.includes(q!.outputs[0]) || g.outputs.includes(dq!.outputs[0])) { untag(w); continue; }
    w.inputQuant = { scale: qs[0], zeroPoint: qz[0] + (s8 ? 128 : 0) };
    n.inputs[0] = q!.inputs[0];
    g.nodes.splice(g.nodes.indexOf(dq!), 1);
    g.nodes.splice(g.nodes.indexOf(q!), 1);
    for (const t of [q!.outputs[0], dq!.outputs[0]]) g.tensors.delete(t);
    for (const t of [...q!.inputs.slice(1), ...dq!.inputs.slice(1)]) if (users(t).length === 0) g.tensors.delete(t);
  }
}

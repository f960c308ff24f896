// Generated ONNX test models shared by onnx-import.test.ts (IR interpreter and export vs ORT)
// and runtime-vs-ort.test.ts (wasm runtime vs ORT): fixed attribute lists that pin known edge
// cases, and seeded random ones that sweep shapes and attribute combinations.
import { buildModel, randn, rng, type ModelSpec, type NodeSpec } from "./onnx-builder.js";

export type Rng = ReturnType<typeof rng>;
export type Dims = (number | string)[];
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** One model to check, with the batches to run it at. */
export interface OnnxCase {
  name: string;
  spec: ModelSpec;
  /** Batches to feed (the symbolic dim 0 takes each); default [1]. */
  batches?: number[];
  /** importOnnx `shapes` option. */
  shapes?: Record<string, number[]>;
  expectDynamic?: boolean;
}

export const weight = (r: Rng, name: string, dims: number[], raw = true) => ({ name, dims, data: randn(r, numel(dims)), raw });
export const i64 = (name: string, data: number[]) => ({ name, dims: [data.length], data, dtype: "int64" as const });
/** One-node model reading input x (shape `x`) and writing y. */
export const single = (opset: number, x: Dims, node: Omit<NodeSpec, "outputs">, inits: ModelSpec["initializers"] = []): ModelSpec => ({
  opset, inputs: [{ name: "x", shape: x }], outputs: ["y"], initializers: inits, nodes: [{ ...node, outputs: ["y"] }],
});

// ---- Conv -----------------------------------------------------------------------------------
/** [input C,H,W (or C,L), weight dims, attributes, has bias] */
export type ConvCase = [number[], number[], Record<string, any>, boolean];
export const CONV_CASES: ConvCase[] = [
  [[3, 9, 9], [4, 3, 3, 3], { pads: [1, 1, 1, 1] }, true],
  [[3, 10, 7], [5, 3, 3, 2], { strides: [2, 3], pads: [0, 1, 2, 0] }, true],
  [[4, 9, 9], [6, 2, 3, 3], { group: 2, auto_pad: "SAME_UPPER", strides: [2, 2] }, true],
  [[4, 8, 9], [4, 1, 3, 3], { group: 4, auto_pad: "SAME_LOWER", strides: [2, 2] }, false],
  [[2, 11, 11], [3, 2, 3, 3], { dilations: [2, 3], auto_pad: "VALID" }, true],
  [[2, 12, 12], [3, 2, 5, 5], { dilations: [2, 1], pads: [4, 2, 3, 1] }, true],
  [[8, 6, 6], [8, 1, 3, 3], { group: 8, pads: [1, 1, 1, 1], kernel_shape: [3, 3] }, true],
  [[3, 17], [4, 3, 3], { strides: [2], pads: [1, 2] }, true],
  [[4, 16], [4, 2, 5], { group: 2, auto_pad: "SAME_UPPER", strides: [3] }, false],
];

export const convSpec = (r: Rng, [x, wd, attrs, bias]: ConvCase, opset = 11): ModelSpec =>
  single(opset, ["N", ...x], { op: "Conv", inputs: ["x", "w", ...(bias ? ["b"] : [])], attrs },
    [weight(r, "w", wd), ...(bias ? [weight(r, "b", [wd[0]], false)] : [])]);

const pick = <T>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r(0, xs.length))];
const int = (r: Rng, lo: number, hi: number): number => Math.floor(r(lo, hi + 1));

/** Depthwise 3×3 at stride 1 and 2 (the dedicated kernel), explicit and SAME pads, with odd sizes. */
export function depthwiseCases(r: Rng): ConvCase[] {
  const out: ConvCase[] = [];
  for (const s of [1, 2])
    for (const pad of ["explicit", "SAME_UPPER", "VALID"]) {
      const c = int(r, 3, 12), h = int(r, 5, 17), w = int(r, 5, 17);
      const attrs: Record<string, any> = { group: c, strides: [s, s] };
      if (pad === "explicit") attrs.pads = [1, 1, 1, 1];
      else attrs.auto_pad = pad;
      out.push([[c, h, w], [c, 1, 3, 3], attrs, s === 1]);
    }
  out.push([[6, 9, 9], [12, 1, 3, 3], { group: 6, pads: [1, 1, 1, 1] }, true]); // channel multiplier 2
  return out;
}

/** Random 2-D convolutions: kernel, stride, dilation, explicit or automatic pads, groups. */
export function randomConvCases(r: Rng, n: number): ConvCase[] {
  const out: ConvCase[] = [];
  while (out.length < n) {
    const g = pick(r, [1, 1, 2, 3]), c = g * int(r, 1, 3), f = g * int(r, 1, 3);
    const kh = int(r, 1, 5), kw = int(r, 1, 5), s = [int(r, 1, 3), int(r, 1, 3)], d = [int(r, 1, 2), int(r, 1, 2)];
    const h = int(r, 4, 14), w = int(r, 4, 14);
    const mode = pick(r, ["pads", "pads", "SAME_UPPER", "SAME_LOWER", "VALID"]);
    // onnxruntime refuses dilations with SAME_*: keep those at 1.
    const attrs: Record<string, any> = { strides: s, dilations: mode.startsWith("SAME") ? [1, 1] : d };
    if (g > 1) attrs.group = g;
    if (mode === "pads") attrs.pads = [int(r, 0, kh - 1), int(r, 0, kw - 1), int(r, 0, kh - 1), int(r, 0, kw - 1)];
    else attrs.auto_pad = mode;
    const extent = (size: number, k: number, dd: number, p: number): number => size + p - (k - 1) * dd - 1;
    const p = attrs.pads ?? [0, 0, 0, 0];
    if (!mode.startsWith("SAME") && (extent(h, kh, d[0], p[0] + p[2]) < 0 || extent(w, kw, d[1], p[1] + p[3]) < 0)) continue;
    out.push([[c, h, w], [f, c / g, kh, kw], attrs, r() > -0.5]);
  }
  return out;
}

// ---- pools ----------------------------------------------------------------------------------
/** [op, opset, input C,H,W (or C,L), attributes] */
export type PoolCase = [string, number, number[], Record<string, any>];
export const POOL_CASES: PoolCase[] = [
  ["MaxPool", 11, [3, 8, 8], { kernel_shape: [2, 2], strides: [2, 2] }],
  ["MaxPool", 11, [2, 9, 7], { kernel_shape: [3, 3], strides: [2, 2], ceil_mode: 1 }],
  ["MaxPool", 12, [2, 10, 10], { kernel_shape: [3, 2], strides: [3, 2], pads: [1, 0, 1, 1], ceil_mode: 1 }],
  ["MaxPool", 12, [2, 11, 11], { kernel_shape: [3, 3], dilations: [2, 2], strides: [2, 1] }],
  ["MaxPool", 11, [2, 7, 9], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: "SAME_UPPER" }],
  ["MaxPool", 11, [3, 13], { kernel_shape: [3], strides: [2], ceil_mode: 1 }],
  ["AveragePool", 11, [3, 8, 8], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] }],
  ["AveragePool", 11, [3, 8, 8], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], count_include_pad: 1 }],
  ["AveragePool", 11, [2, 9, 10], { kernel_shape: [2, 3], strides: [2, 2], ceil_mode: 1 }],
  ["AveragePool", 11, [2, 7, 7], { kernel_shape: [3, 3], strides: [2, 2], auto_pad: "SAME_LOWER" }],
  ["AveragePool", 7, [2, 6, 6], { kernel_shape: [2, 2], strides: [2, 2] }],
  ["AveragePool", 19, [2, 9, 9], { kernel_shape: [2, 2], dilations: [2, 2] }],
  ["AveragePool", 11, [3, 12], { kernel_shape: [4], strides: [3], pads: [1, 1], count_include_pad: 1 }],
  // ceil_mode drops a last window that would start in the right padding (fits the padded input).
  ["AveragePool", 22, [3, 2, 2], { kernel_shape: [3, 3], strides: [3, 3], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 1 }],
];

export const poolSpec = ([op, opset, x, attrs]: PoolCase): ModelSpec => single(opset, ["N", ...x], { op, inputs: ["x"], attrs });

/** Random 2-D pools: ceil_mode × count_include_pad × pads × strides (dilations at opset ≥ 19). */
export function randomPoolCases(r: Rng, n: number): PoolCase[] {
  const out: PoolCase[] = [];
  while (out.length < n) {
    const op = pick(r, ["MaxPool", "AveragePool"]), kh = int(r, 1, 4), kw = int(r, 1, 4);
    const attrs: Record<string, any> = { kernel_shape: [kh, kw], strides: [int(r, 1, 3), int(r, 1, 3)] };
    if (r() > 0) attrs.pads = [int(r, 0, kh - 1), int(r, 0, kw - 1), int(r, 0, kh - 1), int(r, 0, kw - 1)];
    const ceil = r() > 0, include = op === "AveragePool" && r() > 0;
    // ceil_mode with count_include_pad is refused when a window overhangs the padding (see import).
    if (ceil && !include) attrs.ceil_mode = 1;
    if (include) attrs.count_include_pad = 1;
    const opset = pick(r, [11, 13, 19, 22]);
    if (opset >= 19 && r() > 0.3) attrs.dilations = [int(r, 1, 2), int(r, 1, 2)];
    const span = (k: number, i: number): number => (k - 1) * (attrs.dilations?.[i] ?? 1) + 1;
    const h = int(r, span(kh, 0), 13), w = int(r, span(kw, 1), 13);
    out.push([op, opset, [int(r, 1, 4), h, w], attrs]);
  }
  return out;
}

/** Random numpy-broadcast pair of shapes (rank ≤ 4; either side may have fewer dims or 1s). */
export function broadcastPair(r: Rng): [number[], number[]] {
  const rank = int(r, 1, 4), full = Array.from({ length: rank }, () => int(r, 2, 5));
  const side = (): number[] => full.slice(int(r, 0, rank - 1)).map((d) => (r() > 0.4 ? d : 1));
  return [side(), side()];
}

export { buildModel, randn, rng };

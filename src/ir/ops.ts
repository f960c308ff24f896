// THE op table: every op slimnet knows, once. Import, export, shape inference, cost
// accounting, the .slim writer (opcode + packed attribute layout) and the runtime dispatch
// (assembly/ops/opcodes.ts mirrors `code`) all read this table. docs/FORMAT.md §4.1 is its spec.
// Shapes are resolved (no symbolic dims); `infer` throws a ShapeError "Op: expected …, got …"
// and the graph walker (src/ir/analysis.ts) prefixes the node name.
import type { Attrs } from "./graph.js";
import { ShapeError } from "../runtime/errors.js";

/** One packed runtime attribute: int, f32 (stored as bits), or an int list filling the rest. */
export type AttrKind = "i" | "f" | "i[]";
export type AttrSpec = readonly [name: string, kind: AttrKind];

export interface OpSpec {
  /** Runtime opcode (docs/FORMAT.md §4.1). */
  code: number;
  /** Input count range. */
  inputs: readonly [min: number, max: number];
  /** Runtime attribute layout, in file order. */
  attrs: readonly AttrSpec[];
  /** Output shapes from input shapes (batch resolved); throws ShapeError on a mismatch. */
  infer(inputs: number[][], attrs: Attrs): number[][];
  /** Multiply-accumulates (or elementwise operations) for one run. */
  macs(inputs: number[][], outputs: number[][], attrs: Attrs): number;
  /** True when the op combines values across dim 0 (so dim 0 cannot be a free batch). */
  mixesBatch?(inputs: number[][], attrs: Attrs): boolean;
}

/** Fused activation codes of Gemm/Conv `act` (docs/FORMAT.md §4.1). */
export const ACT_CODE = { none: 0, Relu: 1, Clip: 2, LeakyRelu: 3 } as const;

const ACT: readonly AttrSpec[] = [["act", "i"], ["actA", "f"], ["actB", "f"]];
const WINDOW: readonly AttrSpec[] = [
  ["kh", "i"], ["kw", "i"], ["sh", "i"], ["sw", "i"], ["dh", "i"], ["dw", "i"],
  ["padTop", "i"], ["padLeft", "i"], ["padBottom", "i"], ["padRight", "i"],
];

// ---- helpers shared by the rows -------------------------------------------------------------
const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const fmt = (s: readonly number[]): string => `[${s.join(",")}]`;
const fail = (op: string, expected: string, got: string): never => {
  throw new ShapeError(`${op}: expected ${expected}, got ${got}`);
};
const int = (a: Attrs, k: string): number => a[k] as number;
const ints = (a: Attrs, k: string): number[] => a[k] as number[];
const rank = (op: string, s: number[], r: number, what: string): void => {
  if (s.length !== r) fail(op, `${what} of rank ${r}`, fmt(s));
};

/** numpy broadcasting of two shapes. */
export function broadcast(op: string, a: readonly number[], b: readonly number[]): number[] {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const x = a[a.length - r + i] ?? 1, y = b[b.length - r + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) fail(op, "broadcastable shapes", `${fmt(a)} and ${fmt(b)}`);
    out.push(x === 1 ? y : x);
  }
  return out;
}

/** Output size of a sliding window along one axis (floor rule; pads are explicit). */
function windowOut(op: string, size: number, k: number, s: number, d: number, p0: number, p1: number): number {
  const span = (k - 1) * d + 1;
  const o = Math.floor((size + p0 + p1 - span) / s) + 1;
  if (k < 1 || s < 1 || d < 1 || p0 < 0 || p1 < 0) fail(op, "kernel, stride, dilation ≥ 1 and pads ≥ 0", `k=${k} s=${s} d=${d} pads=${p0},${p1}`);
  if (o < 1) fail(op, `input extent ≥ window ${span} (with pads ${p0}+${p1})`, `${size}`);
  return o;
}
function pool2d(op: string, [x]: number[][], a: Attrs): number[][] {
  rank(op, x, 4, "X [N,C,H,W]");
  return [[x[0], x[1],
    windowOut(op, x[2], int(a, "kh"), int(a, "sh"), int(a, "dh"), int(a, "padTop"), int(a, "padBottom")),
    windowOut(op, x[3], int(a, "kw"), int(a, "sw"), int(a, "dw"), int(a, "padLeft"), int(a, "padRight"))]];
}

const same = ([x]: number[][]): number[][] => [[...x]];
const perElement = (_i: number[][], [y]: number[][]): number => prod(y);
const free = (): number => 0;
const unary = { inputs: [1, 1], infer: same, macs: perElement } as const;
const binary = {
  inputs: [2, 2], attrs: [],
  infer: ([a, b]: number[][]) => [broadcast("binary op", a, b)],
  macs: perElement,
} as const;
const softmax = {
  inputs: [1, 1], attrs: [["axis", "i"], ["toEnd", "i"]],
  infer([x]: number[][], a: Attrs) {
    if (int(a, "axis") < 0 || int(a, "axis") >= x.length) fail("Softmax", `axis in [0,${x.length})`, `${int(a, "axis")}`);
    return [[...x]];
  },
  macs: perElement,
  mixesBatch: (_i: number[][], a: Attrs) => int(a, "axis") === 0,
} as const;

/** QuantizeLinear/DequantizeLinear: X, scale, zeroPoint with 1 or dims[axis] elements each. */
function quantInfer(op: string, [x, s, z]: number[][], a: Attrs): number[][] {
  const ax = int(a, "axis");
  for (const [what, p] of [["scale", s], ["zeroPoint", z]] as const)
    if (prod(p) !== 1 && (ax < 0 || ax >= x.length || prod(p) !== x[ax]))
      fail(op, `${what} of 1 element or dims[axis=${ax}] of X ${fmt(x)}`, fmt(p));
  if (op === "QuantizeLinear" && int(a, "qmin") > int(a, "qmax")) fail(op, "qmin ≤ qmax", `${int(a, "qmin")} > ${int(a, "qmax")}`);
  return [[...x]];
}
/** Per-axis scales on dim 0 are tied to the batch. */
const quantMixes = ([, s, z]: number[][], a: Attrs): boolean => int(a, "axis") === 0 && (prod(s) > 1 || prod(z) > 1);

// ---- the table ------------------------------------------------------------------------------
export const OPS = {
  Gemm: {
    code: 1, inputs: [3, 3], attrs: ACT,
    infer([x, w, b]) {
      rank("Gemm", x, 2, "X [M,K]"); rank("Gemm", w, 2, "W [N,K]");
      if (w[1] !== x[1]) fail("Gemm", `W [N,${x[1]}] for X ${fmt(x)}`, `W ${fmt(w)}`);
      if (b.length !== 1 || b[0] !== w[0]) fail("Gemm", `B [${w[0]}]`, fmt(b));
      return [[x[0], w[0]]];
    },
    macs: ([x, w]) => x[0] * w[0] * x[1],
  },
  MatMul: {
    code: 2, inputs: [2, 2], attrs: [],
    infer([a, b]) {
      if (a.length < 2 || b.length < 2) fail("MatMul", "A and B of rank ≥ 2", `${fmt(a)} and ${fmt(b)}`);
      const [m, k] = a.slice(-2), [k2, n] = b.slice(-2);
      if (k !== k2) fail("MatMul", `B [...,${k},N] for A ${fmt(a)}`, `B ${fmt(b)}`);
      return [[...broadcast("MatMul", a.slice(0, -2), b.slice(0, -2)), m, n]];
    },
    macs: ([a], [y]) => prod(y) * a[a.length - 1],
    // B's dim 0 is contracted when B is 2-D: if B is an activation, that dim is the batch.
    mixesBatch: ([, b]) => b.length === 2,
  },
  Conv: {
    code: 3, inputs: [3, 3], attrs: [["group", "i"], ...WINDOW, ...ACT],
    infer([x, w, b], a) {
      rank("Conv", x, 4, "X [N,C,H,W]"); rank("Conv", w, 4, "W [F,C/group,kh,kw]");
      const g = int(a, "group");
      if (g < 1 || x[1] % g || w[0] % g) fail("Conv", `group dividing C=${x[1]} and F=${w[0]}`, `group=${g}`);
      if (w[1] !== x[1] / g || w[2] !== int(a, "kh") || w[3] !== int(a, "kw"))
        fail("Conv", `W [F,${x[1] / g},${int(a, "kh")},${int(a, "kw")}]`, `W ${fmt(w)}`);
      if (b.length !== 1 || b[0] !== w[0]) fail("Conv", `B [${w[0]}]`, fmt(b));
      const [, , h, wd] = pool2d("Conv", [x], a)[0];
      return [[x[0], w[0], h, wd]];
    },
    macs: ([, w], [y]) => prod(y) * w[1] * w[2] * w[3],
  },
  MaxPool: {
    code: 4, inputs: [1, 1], attrs: WINDOW,
    infer: (i, a) => pool2d("MaxPool", i, a),
    macs: (_i, [y], a) => prod(y) * int(a, "kh") * int(a, "kw"),
  },
  AveragePool: {
    code: 5, inputs: [1, 1], attrs: [...WINDOW, ["countIncludePad", "i"]],
    infer: (i, a) => pool2d("AveragePool", i, a),
    macs: (_i, [y], a) => prod(y) * int(a, "kh") * int(a, "kw"),
  },
  GlobalAveragePool: {
    code: 6, inputs: [1, 1], attrs: [],
    infer([x]) {
      if (x.length < 3) fail("GlobalAveragePool", "X [N,C,…] of rank ≥ 3", fmt(x));
      return [[x[0], x[1], ...x.slice(2).map(() => 1)]];
    },
    macs: ([x]) => prod(x),
  },
  GlobalMaxPool: {
    code: 7, inputs: [1, 1], attrs: [],
    infer([x]) {
      if (x.length < 3) fail("GlobalMaxPool", "X [N,C,…] of rank ≥ 3", fmt(x));
      return [[x[0], x[1], ...x.slice(2).map(() => 1)]];
    },
    macs: ([x]) => prod(x),
  },
  ChannelAffine: {
    code: 8, inputs: [3, 3], attrs: [],
    infer([x, s, t]) {
      if (x.length < 2) fail("ChannelAffine", "X [N,C,…]", fmt(x));
      if (s.length !== 1 || s[0] !== x[1] || t.length !== 1 || t[0] !== x[1])
        fail("ChannelAffine", `scale and shift [${x[1]}]`, `${fmt(s)} and ${fmt(t)}`);
      return [[...x]];
    },
    macs: ([x]) => prod(x),
  },
  Relu: { code: 9, attrs: [], ...unary },
  LeakyRelu: { code: 10, attrs: [["alpha", "f"]], ...unary },
  PRelu: {
    code: 11, inputs: [2, 2], attrs: [],
    infer([x, s]) {
      const y = broadcast("PRelu", x, s);
      if (fmt(y) !== fmt(x)) fail("PRelu", `slope broadcastable to ${fmt(x)}`, fmt(s));
      return [y];
    },
    macs: perElement,
  },
  Clip: { code: 12, attrs: [["min", "f"], ["max", "f"]], ...unary },
  Sigmoid: { code: 13, attrs: [], ...unary },
  Tanh: { code: 14, attrs: [], ...unary },
  HardSigmoid: { code: 15, attrs: [["alpha", "f"], ["beta", "f"]], ...unary },
  HardSwish: { code: 16, attrs: [], ...unary },
  Softmax: { code: 17, ...softmax },
  LogSoftmax: { code: 18, ...softmax },
  Add: { code: 19, ...binary },
  Sub: { code: 20, ...binary },
  Mul: { code: 21, ...binary },
  Div: { code: 22, ...binary },
  Concat: {
    code: 23, inputs: [1, 64], attrs: [["axis", "i"]],
    infer(xs, a) {
      const ax = int(a, "axis"), out = [...xs[0]];
      if (ax < 0 || ax >= out.length) fail("Concat", `axis in [0,${out.length})`, `${ax}`);
      for (const x of xs.slice(1)) {
        if (x.length !== out.length || x.some((d, i) => i !== ax && d !== out[i]))
          fail("Concat", `inputs equal to ${fmt(xs[0])} except on axis ${ax}`, fmt(x));
        out[ax] += x[ax];
      }
      return [out];
    },
    macs: free,
    mixesBatch: (_i, a) => int(a, "axis") === 0,
  },
  Reshape: {
    // `shape` is the output shape at batch 1 (not packed into the file: the output tensor's
    // dims say it all). A larger input scales dim 0, the batch-dynamic rule of FORMAT.md §5.
    code: 24, inputs: [1, 1], attrs: [],
    infer([x], a) {
      const s = ints(a, "shape"), k = prod(x) / prod(s);
      if (!Number.isInteger(k) || k < 1 || (k > 1 && s.length === 0))
        fail("Reshape", `${prod(s)} elements (or a multiple, scaling dim 0) for ${fmt(s)}`, `${fmt(x)} = ${prod(x)}`);
      return [k === 1 ? [...s] : [s[0] * k, ...s.slice(1)]];
    },
    // Not mixing: the batch-2 shape check of the importer proves dim 0 scales with the batch.
    macs: free,
  },
  Transpose: {
    code: 25, inputs: [1, 1], attrs: [["perm", "i[]"]],
    infer([x], a) {
      const p = ints(a, "perm");
      if (p.length !== x.length || [...p].sort((u, v) => u - v).some((v, i) => v !== i))
        fail("Transpose", `a permutation of 0..${x.length - 1}`, fmt(p));
      return [p.map((i) => x[i])];
    },
    macs: free,
    mixesBatch: (_i, a) => ints(a, "perm")[0] !== 0,
  },
  Pad: {
    code: 26, inputs: [1, 1], attrs: [["mode", "i"], ["value", "f"], ["pads", "i[]"]],
    infer([x], a) {
      const p = ints(a, "pads"), r = x.length;
      if (p.length !== 2 * r || p.some((v) => v < 0)) fail("Pad", `${2 * r} pads ≥ 0`, fmt(p));
      if (int(a, "mode") < 0 || int(a, "mode") > 3) fail("Pad", "mode 0..3", `${int(a, "mode")}`);
      return [x.map((d, i) => d + p[i] + p[i + r])];
    },
    macs: free,
    mixesBatch: ([x], a) => ints(a, "pads")[0] !== 0 || ints(a, "pads")[x.length] !== 0,
  },
  // Training-only ops (docs/TRAINER.md): the runtime evaluates their inference form, the trainer
  // their training form; src/passes/fold.ts removes both before a model is deployed.
  BatchNormalization: {
    code: 27, inputs: [5, 5], attrs: [["epsilon", "f"], ["momentum", "f"]],
    infer([x, ...stats]) {
      if (x.length < 2) fail("BatchNormalization", "X [N,C,…]", fmt(x));
      const bad = stats.find((s) => s.length !== 1 || s[0] !== x[1]);
      if (bad) fail("BatchNormalization", `scale, bias, mean and var [${x[1]}]`, fmt(bad));
      return [[...x]];
    },
    macs: ([x]) => prod(x),
  },
  Dropout: { code: 28, inputs: [1, 1], attrs: [["ratio", "f"], ["seed", "i"]], infer: same, macs: free },
  // Binary activation of BNNs (src/passes/binarize.ts): y = −1 where x < 0, else +1 (0, −0 and NaN
  // give +1: the bit convention of kernels/x1-pack.ts); trained with the hard-tanh STE.
  BinarySign: { code: 29, attrs: [], ...unary },
  // Integers held in f32 (ONNX u8: qmin 0, qmax 255; s8: −128, 127); trained straight through
  // (assembly/grad/quantize-linear.ts). Q→DQ is fake quantization; src/passes/fold-qdq.ts folds
  // the pairs around Gemm/Conv weights and inputs into int8 tensors.
  QuantizeLinear: {
    code: 30, inputs: [3, 3], attrs: [["axis", "i"], ["qmin", "i"], ["qmax", "i"]],
    infer: (i, a) => quantInfer("QuantizeLinear", i, a), macs: perElement, mixesBatch: quantMixes,
  },
  DequantizeLinear: {
    code: 31, inputs: [3, 3], attrs: [["axis", "i"]],
    infer: (i, a) => quantInfer("DequantizeLinear", i, a), macs: perElement, mixesBatch: quantMixes,
  },
  // ShuffleNet's channel shuffle: X[N,C,H,W] viewed [N,g,C/g,H,W], axes 1 and 2 swapped, back to
  // [N,C,H,W] (output channel j·g + i is input channel i·C/g + j). ONNX has no such op: the
  // importer fuses the Reshape-Transpose-Reshape pattern (src/import/channel-shuffle.ts).
  ChannelShuffle: {
    code: 32, inputs: [1, 1], attrs: [["groups", "i"]],
    infer([x], a) {
      rank("ChannelShuffle", x, 4, "X [N,C,H,W]");
      const g = int(a, "groups");
      if (!(g >= 1) || x[1] % g) fail("ChannelShuffle", `groups dividing C=${x[1]}`, `groups=${g}`);
      return [[...x]];
    },
    macs: free,
  },
} as const satisfies Record<string, OpSpec>;

export type OpName = keyof typeof OPS;

/** The row of `op`, typed as the common interface (optional hooks included). */
export const spec = (op: OpName): OpSpec => OPS[op];

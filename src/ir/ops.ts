// THE op table: every op slimnet knows, once. Import, export, shape inference, cost
// accounting, the .slim writer (opcode + packed attribute layout) and the runtime dispatch
// (assembly/ops/opcodes.ts mirrors `code`) all read this table. docs/FORMAT.md §4.1 is its spec.
import type { Attrs } from "./graph.js";

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

const ACT: readonly AttrSpec[] = [["act", "i"], ["actA", "f"], ["actB", "f"]];
const WINDOW: readonly AttrSpec[] = [
  ["kh", "i"], ["kw", "i"], ["sh", "i"], ["sw", "i"], ["dh", "i"], ["dw", "i"],
  ["padTop", "i"], ["padLeft", "i"], ["padBottom", "i"], ["padRight", "i"],
];

// Filled in below each row: TODO(ir) rows get infer/macs from the IR work.
export const OPS = {
  Gemm: { code: 1, inputs: [3, 3], attrs: ACT },
  MatMul: { code: 2, inputs: [2, 2], attrs: [] },
  Conv: { code: 3, inputs: [3, 3], attrs: [["group", "i"], ...WINDOW, ...ACT] },
  MaxPool: { code: 4, inputs: [1, 1], attrs: WINDOW },
  AveragePool: { code: 5, inputs: [1, 1], attrs: [...WINDOW, ["countIncludePad", "i"]] },
  GlobalAveragePool: { code: 6, inputs: [1, 1], attrs: [] },
  GlobalMaxPool: { code: 7, inputs: [1, 1], attrs: [] },
  ChannelAffine: { code: 8, inputs: [3, 3], attrs: [] },
  Relu: { code: 9, inputs: [1, 1], attrs: [] },
  LeakyRelu: { code: 10, inputs: [1, 1], attrs: [["alpha", "f"]] },
  PRelu: { code: 11, inputs: [2, 2], attrs: [] },
  Clip: { code: 12, inputs: [1, 1], attrs: [["min", "f"], ["max", "f"]] },
  Sigmoid: { code: 13, inputs: [1, 1], attrs: [] },
  Tanh: { code: 14, inputs: [1, 1], attrs: [] },
  HardSigmoid: { code: 15, inputs: [1, 1], attrs: [["alpha", "f"], ["beta", "f"]] },
  HardSwish: { code: 16, inputs: [1, 1], attrs: [] },
  Softmax: { code: 17, inputs: [1, 1], attrs: [["axis", "i"], ["toEnd", "i"]] },
  LogSoftmax: { code: 18, inputs: [1, 1], attrs: [["axis", "i"], ["toEnd", "i"]] },
  Add: { code: 19, inputs: [2, 2], attrs: [] },
  Sub: { code: 20, inputs: [2, 2], attrs: [] },
  Mul: { code: 21, inputs: [2, 2], attrs: [] },
  Div: { code: 22, inputs: [2, 2], attrs: [] },
  Concat: { code: 23, inputs: [1, 64], attrs: [["axis", "i"]] },
  Reshape: { code: 24, inputs: [1, 1], attrs: [] },
  Transpose: { code: 25, inputs: [1, 1], attrs: [["perm", "i[]"]] },
  Pad: { code: 26, inputs: [1, 1], attrs: [["mode", "i"], ["value", "f"], ["pads", "i[]"]] },
} as const;

export type OpName = keyof typeof OPS;

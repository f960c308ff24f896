// The IR: what every front-end produces and every pass, planner and writer consumes.
// Shapes are static, resolved for batch 1; `batchDynamic` says dim 0 of every activation may
// be scaled to any batch N at run time (see docs/FORMAT.md §5).
import type { OpName } from "./ops.js";

/**
 * How a pass wants a constant stored (docs/FORMAT.md §3.1). `data` always holds the dense f32
 * values the model computes with; the tag says how far the writer may compress them, and the
 * writer picks the smallest layout the tag allows: "csr" sparse rows (f32 values, or codebook
 * indices when `indexBits` is set); "codebook" dense or sparse codebook indices; "huffman" any
 * of those with Huffman-coded indices and gaps; "int8", "f16", "binary" their own layouts.
 */
export type Encoding = "f32" | "f16" | "int8" | "csr" | "codebook" | "huffman" | "binary";

export interface Tensor {
  name: string;
  shape: number[];
  /** Present for constants (weights, biases, broadcast operands); absent for activations. */
  data?: Float32Array;
  encoding?: Encoding;
  /** Codebook storage: index width b (1..8); `data` holds at most 2^b distinct values (besides pruned zeros). */
  indexBits?: number;
  /** One codebook per output channel (dims[0] rows) instead of one for the tensor. */
  codebookPerRow?: boolean;
  /** int8 (docs/FORMAT.md §3.7): per-row scales (dims[0]) with data = q·scale exactly; absent: the writer uses max|row|/127. */
  scales?: Float32Array;
  /** int8 W of a Gemm/Conv: how that op quantizes its input X to u8; absent: per sample at run time (dynamic). */
  inputQuant?: { scale: number; zeroPoint: number };
}

/** Attribute values after import normalisation: numbers (ints or floats) or int lists. */
export type Attrs = Record<string, number | number[]>;

export interface Node {
  op: OpName;
  name: string;
  inputs: string[];
  outputs: string[];
  attrs: Attrs;
}

/**
 * An early exit (docs/FORMAT.md §8): the head is the contiguous run of `nodes` (names, in
 * execution order) whose last node writes `output`, a tensor shaped like the graph's single
 * output. The runtime stops a sample after that node when `rule` fires at `threshold`.
 */
export interface Exit {
  output: string;
  nodes: string[];
  rule: "maxprob" | "entropy";
  threshold: number;
  /** What `output` holds; "logits" (default) are softmaxed by the rule. */
  values?: "logits" | "probs";
}

export interface Graph {
  name: string;
  inputs: string[];
  outputs: string[];
  tensors: Map<string, Tensor>;
  /** Topological (execution) order. */
  nodes: Node[];
  batchDynamic: boolean;
  /** Early exits in execution order (absent or empty: none). */
  exits?: Exit[];
}

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

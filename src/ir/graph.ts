// The IR: what every front-end produces and every pass, planner and writer consumes.
// Shapes are static, resolved for batch 1; `batchDynamic` says dim 0 of every activation may
// be scaled to any batch N at run time (see docs/FORMAT.md §5).
import type { OpName } from "./ops.js";

/** Weight storage tag of a constant tensor (docs/FORMAT.md §3.1). v1 writes only "f32". */
export type Encoding = "f32" | "f16" | "int8" | "csr" | "codebook" | "huffman" | "binary";

export interface Tensor {
  name: string;
  shape: number[];
  /** Present for constants (weights, biases, broadcast operands); absent for activations. */
  data?: Float32Array;
  encoding?: Encoding;
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

export interface Graph {
  name: string;
  inputs: string[];
  outputs: string[];
  tensors: Map<string, Tensor>;
  /** Topological (execution) order. */
  nodes: Node[];
  batchDynamic: boolean;
}

export const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

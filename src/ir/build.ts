// GraphBuilder: the one way front-ends, the zoo and passes create nodes. It names things
// uniquely, fills attribute defaults from the op table and infers every output shape as it goes,
// so a wrong shape fails at the node that made it.
import type { Attrs, Graph, Node, Tensor } from "./graph.js";
import { spec, type OpName } from "./ops.js";
import { ShapeError } from "../runtime/errors.js";

/** Attribute defaults when a caller leaves one out (strides, dilations and group are 1). */
const DEFAULT_ONE = new Set(["group", "sh", "sw", "dh", "dw"]);

export class GraphBuilder {
  readonly tensors = new Map<string, Tensor>();
  readonly nodes: Node[] = [];
  readonly inputs: string[] = [];
  /** Tensor names and node names live in separate name spaces (as in ONNX). */
  private readonly used = { tensor: new Set<string>(), node: new Set<string>() };

  /** A fresh name: `base`, else `base_1`, `base_2`, … */
  unique(base: string, space: "tensor" | "node" = "tensor"): string {
    const used = this.used[space];
    let name = base;
    for (let k = 1; used.has(name); k++) name = `${base}_${k}`;
    used.add(name);
    return name;
  }

  /** Reserves names that must stay as they are (graph outputs of an imported model). */
  reserve(names: Iterable<string>): void {
    for (const n of names) this.used.tensor.add(n);
  }

  input(name: string, shape: number[]): string {
    if (this.used.tensor.has(name) && this.tensors.has(name)) throw new ShapeError(`input "${name}" defined twice`);
    this.used.tensor.add(name);
    this.tensors.set(name, { name, shape: [...shape] });
    this.inputs.push(name);
    return name;
  }

  constant(base: string, shape: number[], data: Float32Array): string {
    if (data.length !== shape.reduce((a, b) => a * b, 1))
      throw new ShapeError(`constant "${base}": ${data.length} values for shape [${shape}]`);
    const name = this.unique(base);
    this.tensors.set(name, { name, shape: [...shape], data, encoding: "f32" });
    return name;
  }

  shape(name: string): number[] {
    const t = this.tensors.get(name);
    if (!t) throw new ShapeError(`tensor "${name}" is not defined`);
    return t.shape;
  }

  /** Adds a node with one output (named `out` if free, else derived) and returns that name. */
  node(op: OpName, inputs: string[], attrs: Attrs = {}, opts: { name?: string; out?: string } = {}): string {
    const s = spec(op), full: Attrs = { ...attrs };
    for (const [k, kind] of s.attrs) if (full[k] === undefined && kind !== "i[]") full[k] = DEFAULT_ONE.has(k) ? 1 : 0;
    const name = this.unique(opts.name || op.toLowerCase(), "node");
    let outs: number[][];
    try {
      outs = s.infer(inputs.map((i) => this.shape(i)), full);
    } catch (e) {
      if (e instanceof ShapeError) throw new ShapeError(`node "${name}" ${e.message}`);
      throw e;
    }
    const out = opts.out !== undefined && !this.tensors.has(opts.out) ? opts.out : this.unique(opts.out ?? `${name}_out`);
    this.used.tensor.add(out);
    this.tensors.set(out, { name: out, shape: outs[0] });
    this.nodes.push({ op, name, inputs, outputs: [out], attrs: full });
    return out;
  }

  build(name: string, outputs: string[], batchDynamic: boolean): Graph {
    return { name, inputs: [...this.inputs], outputs, tensors: this.tensors, nodes: this.nodes, batchDynamic };
  }
}

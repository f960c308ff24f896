// @tensorflow/tfjs-backend-wasm 4.22 (one thread, SIMD): runs the IR graph translated into tf
// ops with the IR's own weights. tfjs convolutions and pools are NHWC only, so every rank-4
// activation is held as NHWC and weights are transposed once at open; a value goes back to NCHW
// only where an op needs the IR's element order (Reshape, Transpose, odd broadcasts).
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as Tf from "@tensorflow/tfjs-core";
import { numel, type Attrs, type Graph, type Node } from "../../src/ir/graph.js";
import type { Peer } from "./peer.js";

type TF = typeof Tf;
type T = Tf.Tensor;
type Activation = "linear" | "relu" | "relu6" | "leakyrelu";

const require = createRequire(import.meta.url);
const pkgDir = (name: string): string => dirname(require.resolve(`${name}/package.json`));

let runtime: Promise<TF> | undefined;
const importTf = (): Promise<TF> =>
  (runtime ??= (async () => {
    const tf = await import("@tensorflow/tfjs-core");
    tf.enableProdMode(); // as a deployed page would: no dev-mode checks or warnings
    const wasm = await import("@tensorflow/tfjs-backend-wasm");
    wasm.setWasmPaths(pkgDir("@tensorflow/tfjs-backend-wasm") + "/dist/");
    wasm.setThreadsCount(1);
    if (!(await tf.setBackend("wasm"))) throw new Error("tfjs: the wasm backend failed to initialise");
    return tf;
  })());

export const tfjs: Peer = {
  name: "tfjs",
  label: "@tensorflow/tfjs-backend-wasm 4.22 (1 thread, SIMD)",
  // The script-tag bundles (package.json "jsdelivr") and the SIMD wasm a page without
  // cross-origin isolation fetches.
  downloadFiles: () => [
    join(pkgDir("@tensorflow/tfjs-core"), "dist/tf-core.min.js"),
    join(pkgDir("@tensorflow/tfjs-backend-wasm"), "dist/tf-backend-wasm.min.js"),
    join(pkgDir("@tensorflow/tfjs-backend-wasm"), "dist/tfjs-backend-wasm-simd.wasm"),
  ],
  async open(model) {
    const tf = await importTf();
    const net = translate(tf, model.graph);
    return {
      run: (data, shape) => net.run(data, shape),
      close: () => net.dispose(),
    };
  },
};

/** A tfjs value of an IR tensor: rank-4 activations are stored NHWC (`nhwc`). */
interface Value {
  t: T;
  nhwc: boolean;
}

type Step = (env: Map<string, Value>, batch: number) => void;

export interface TfNet {
  run(data: Float32Array, shape: readonly number[]): Float32Array;
  dispose(): void;
}

const TO_NHWC = [0, 2, 3, 1];
const TO_NCHW = [0, 3, 1, 2];

/** Compiles the IR graph into tf calls; weights become tf tensors once, here. */
export function translate(tf: TF, graph: Graph): TfNet {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) {
    throw new Error(`tfjs peer: graph "${graph.name}" must have one input and one output`);
  }
  const owned: T[] = [];
  const keep = (t: T): T => (owned.push(t), t);
  const tensor = (name: string) => {
    const t = graph.tensors.get(name);
    if (!t) throw new Error(`tfjs peer: tensor "${name}" is not in graph "${graph.name}"`);
    return t;
  };
  const isConst = (name: string): boolean => tensor(name).data !== undefined;
  // A constant as a tf tensor, optionally re-laid out (intermediates are freed by tidy).
  const constant = (name: string, layout: (t: T) => T = (t) => t): T => {
    const t = tensor(name);
    return keep(tf.tidy(() => layout(tf.tensor(t.data!, t.shape))));
  };
  const shape1 = (name: string): number[] => tensor(name).shape;
  const input = graph.inputs[0];
  const batch1 = shape1(input)[0];

  const uses = new Map<string, number>();
  for (const node of graph.nodes) for (const i of node.inputs) uses.set(i, (uses.get(i) ?? 0) + 1);
  for (const o of graph.outputs) uses.set(o, (uses.get(o) ?? 0) + 1); // an output is a use too

  // Reads an activation in the IR's element order (NCHW for rank 4).
  const nchw = (v: Value): T => {
    if (!v.nhwc) return v.t;
    const [n, h, w, c] = v.t.shape;
    return c === 1 || h * w === 1 ? tf.reshape(v.t, [n, c, h, w]) : tf.transpose(v.t, TO_NCHW);
  };
  // Wraps an IR-order result: rank 4 goes to NHWC.
  const fromNchw = (t: T): Value => {
    if (t.rank !== 4) return { t, nhwc: false };
    const [n, c, h, w] = t.shape;
    return { t: c === 1 || h * w === 1 ? tf.reshape(t, [n, h, w, c]) : tf.transpose(t, TO_NHWC), nhwc: true };
  };

  const steps: Step[] = [];
  const skip = new Set<Node>();
  for (let k = 0; k < graph.nodes.length; k++) {
    const node = graph.nodes[k];
    if (skip.has(node)) continue;
    // A lone Relu / Clip right after a Conv or Gemm without an activation joins its fused kernel.
    let act = activation(node.attrs);
    let out = node.outputs[0];
    const next = graph.nodes[k + 1];
    if ((node.op === "Conv" || node.op === "Gemm") && act.fused.activation === "linear" && act.clip === undefined && next &&
        next.inputs[0] === out && uses.get(out) === 1) {
      const fused = standaloneActivation(next);
      if (fused) {
        act = fused;
        out = next.outputs[0];
        skip.add(next);
      }
    }
    steps.push(compileNode(node, out, act));
  }

  function compileNode(node: Node, out: string, act: FusedAct): Step {
    const [a, b] = node.inputs;
    const at = node.attrs;
    const finish = (t: T): T => (act.clip ? tf.clipByValue(t, act.clip[0], act.clip[1]) : t);
    switch (node.op) {
      case "Gemm": {
        const w = constant(b, (t) => tf.transpose(t, [1, 0]));
        const bias = constant(node.inputs[2]);
        return (env) => {
          const x = nchw(get(env, a));
          env.set(out, { t: finish(tf.fused.matMul({ a: x as Tf.Tensor2D, b: w as Tf.Tensor2D, bias, ...act.fused })), nhwc: false });
        };
      }
      case "MatMul": {
        const bc = isConst(b) ? constant(b) : undefined;
        return (env) => env.set(out, { t: tf.matMul(nchw(get(env, a)), bc ?? nchw(get(env, b))), nhwc: false });
      }
      case "Conv": {
        const [f, cg, kh, kw] = shape1(b);
        const group = num(at, "group", 1);
        const c = cg * group;
        const conv = {
          strides: [num(at, "sh"), num(at, "sw")] as [number, number],
          dilations: [num(at, "dh", 1), num(at, "dw", 1)] as [number, number],
          // The fused typings list no explicit padding, but the kernels take it.
          pad: [[0, 0], [num(at, "padTop"), num(at, "padBottom")], [num(at, "padLeft"), num(at, "padRight")], [0, 0]] as unknown as number,
          bias: constant(node.inputs[2]),
          ...act.fused,
        };
        if (group === 1) {
          const filter = constant(b, (t) => tf.transpose(t, [2, 3, 1, 0])) as Tf.Tensor4D; // [kh,kw,C,F]
          return (env) => env.set(out, { t: finish(tf.fused.conv2d({ x: nhwc(get(env, a)), filter, ...conv })), nhwc: true });
        }
        if (cg === 1 && f % c === 0) {
          const m = f / c;
          const filter = constant(b, (t) => tf.transpose(tf.reshape(t, [c, m, kh, kw]), [2, 3, 0, 1])) as Tf.Tensor4D; // [kh,kw,C,m]
          return (env) =>
            env.set(out, { t: finish(tf.fused.depthwiseConv2d({ x: nhwc(get(env, a)), filter, ...conv })), nhwc: true });
        }
        // Other groups (ShuffleNet): one conv per group on its channel slice, concatenated.
        const fg = f / group, parts = Array.from({ length: group }, (_, j) => ({
          filter: constant(b, (t) => tf.transpose(tf.slice(t, [j * fg, 0, 0, 0], [fg, cg, kh, kw]), [2, 3, 1, 0])) as Tf.Tensor4D,
          bias: constant(node.inputs[2], (t) => tf.slice(t, [j * fg], [fg])),
        }));
        return (env) => {
          const xs = tf.split(nhwc(get(env, a)), group, 3);
          env.set(out, { t: finish(tf.concat(parts.map((p, j) => tf.fused.conv2d({ x: xs[j] as Tf.Tensor4D, ...conv, ...p })), 3)), nhwc: true });
        };
      }
      case "MaxPool":
      case "AveragePool": {
        if (num(at, "dh", 1) !== 1 || num(at, "dw", 1) !== 1) throw unsupported(node, "dilation");
        const size: [number, number] = [num(at, "kh"), num(at, "kw")];
        const strides: [number, number] = [num(at, "sh"), num(at, "sw")];
        const pads: [number, number][] = [[0, 0], [num(at, "padTop"), num(at, "padBottom")], [num(at, "padLeft"), num(at, "padRight")], [0, 0]];
        const padded = pads.some(([p, q]) => p + q > 0);
        if (node.op === "MaxPool") {
          const pad = (padded ? pads : "valid") as "valid";
          return (env) => env.set(out, { t: tf.maxPool(nhwc(get(env, a)), size, strides, pad), nhwc: true });
        }
        // tfjs averages over the valid cells only; count_include_pad means zero padding first.
        const zeroPad = padded && num(at, "countIncludePad", 0) === 1;
        const pad = (padded && !zeroPad ? pads : "valid") as "valid";
        return (env) => {
          const x = nhwc(get(env, a));
          env.set(out, { t: tf.avgPool(zeroPad ? tf.pad(x, pads) : x, size, strides, pad), nhwc: true });
        };
      }
      case "GlobalAveragePool":
      case "GlobalMaxPool": {
        const reduce = node.op === "GlobalAveragePool" ? tf.mean : tf.max;
        return (env) => env.set(out, { t: reduce(nhwc(get(env, a)), [1, 2], true), nhwc: true });
      }
      case "ChannelAffine": {
        const scale = constant(b);
        const shift = constant(node.inputs[2]);
        return (env) => {
          const v = get(env, a);
          const r = v.t.rank;
          // The channel axis is 1 in IR order: last when NHWC or rank 2.
          const s = v.nhwc || r === 2 ? scale : tf.reshape(scale, [-1, ...Array(r - 2).fill(1)]);
          const h = v.nhwc || r === 2 ? shift : tf.reshape(shift, [-1, ...Array(r - 2).fill(1)]);
          env.set(out, { t: tf.add(tf.mul(v.t, s), h), nhwc: v.nhwc });
        };
      }
      case "Relu": case "LeakyRelu": case "Clip": case "Sigmoid": case "Tanh": case "HardSigmoid": case "HardSwish": case "BinarySign": {
        const f = elementwise(tf, node);
        return (env) => {
          const v = get(env, a);
          env.set(out, { t: f(v.t), nhwc: v.nhwc });
        };
      }
      case "Softmax":
      case "LogSoftmax": {
        const rank = shape1(a).length;
        const axis = (num(at, "axis", -1) + rank) % rank;
        if (axis !== rank - 1 && num(at, "toEnd", 0) !== 1) throw unsupported(node, `axis ${axis} of rank ${rank}`);
        const f = node.op === "Softmax" ? tf.softmax : tf.logSoftmax;
        const inner = numel(shape1(a).slice(axis));
        return (env) => {
          const x = nchw(get(env, a));
          env.set(out, fromNchw(tf.reshape(f(tf.reshape(x, [-1, inner])), x.shape)));
        };
      }
      case "Add": case "Sub": case "Mul": case "Div": {
        const f = { Add: tf.add, Sub: tf.sub, Mul: tf.mul, Div: tf.div }[node.op];
        const operand = (name: string, asNhwc: boolean): ((env: Map<string, Value>) => T) => {
          if (!isConst(name)) return (env) => (asNhwc ? nhwc(get(env, name)) : nchw(get(env, name)));
          const c = constant(name, (t) => (asNhwc ? tf.transpose(tf.reshape(t, [...Array(4 - t.rank).fill(1), ...t.shape]), TO_NHWC) : t));
          return () => c;
        };
        // Stay NHWC when the output is rank 4 (constants are re-laid out once).
        const four = shape1(out).length === 4;
        const x = operand(a, four);
        const y = operand(b, four);
        return (env) => env.set(out, { t: f(x(env), y(env)), nhwc: four });
      }
      case "Concat": {
        const rank = shape1(out).length;
        const axis = (num(at, "axis") + rank) % rank;
        const nhwcAxis = rank === 4 ? TO_NHWC.indexOf(axis) : axis;
        return (env) => env.set(out, { t: tf.concat(node.inputs.map((i) => rank === 4 ? nhwc(get(env, i)) : get(env, i).t), nhwcAxis), nhwc: rank === 4 });
      }
      case "Reshape": {
        const target = shape1(out);
        return (env, n) => env.set(out, fromNchw(tf.reshape(nchw(get(env, a)), [target[0] * n, ...target.slice(1)])));
      }
      case "ChannelShuffle": {
        const g = num(at, "groups");
        return (env) => {
          const t = nhwc(get(env, a)), [n, h, w, c] = t.shape;
          env.set(out, { t: tf.reshape(tf.transpose(tf.reshape(t, [n, h, w, g, c / g]), [0, 1, 2, 4, 3]), [n, h, w, c]), nhwc: true });
        };
      }
      case "Transpose": {
        const perm = at.perm as number[];
        return (env) => env.set(out, fromNchw(tf.transpose(nchw(get(env, a)), perm)));
      }
      case "Pad": {
        const pads = at.pads as number[];
        const rank = pads.length / 2;
        const pairs = Array.from({ length: rank }, (_, i) => [pads[i], pads[i + rank]] as [number, number]);
        const mode = num(at, "mode", 0);
        if (mode > 1) throw unsupported(node, `mode ${mode} (constant and reflect only)`);
        return (env) => {
          const x = nchw(get(env, a));
          const t = mode === 0 ? tf.pad(x, pairs, num(at, "value", 0)) : tf.mirrorPad(x, pairs, "reflect");
          env.set(out, fromNchw(t));
        };
      }
      default:
        throw unsupported(node, "op");
    }
  }

  function get(env: Map<string, Value>, name: string): Value {
    const v = env.get(name);
    if (!v) throw new Error(`tfjs peer: "${name}" is read before it is written`);
    return v;
  }
  const nhwc = (v: Value): Tf.Tensor4D => {
    if (v.nhwc) return v.t as Tf.Tensor4D;
    if (v.t.rank !== 4) throw new Error(`tfjs peer: a rank-${v.t.rank} value reaches a 2-D window op`);
    return fromNchw(v.t).t as Tf.Tensor4D;
  };

  const output = graph.outputs[0];
  return {
    run(data, shape) {
      const n = shape[0] / batch1;
      const result = tf.tidy(() => {
        const env = new Map<string, Value>([[input, fromNchw(tf.tensor(data, shape as number[]))]]);
        for (const step of steps) step(env, n);
        return nchw(get(env, output));
      });
      const values = result.dataSync() as Float32Array;
      result.dispose();
      return values;
    },
    dispose() {
      for (const t of owned) t.dispose();
    },
  };
}

/** A fused activation for tf.fused.*, plus a clip the fused kernels cannot express. */
interface FusedAct {
  fused: { activation: Activation; leakyreluAlpha?: number };
  clip?: [number, number];
}

// IR `act` codes (docs/FORMAT.md §4.1): 0 none, 1 Relu, 2 Clip(actA, actB), 3 LeakyRelu(actA).
function activation(at: Attrs): FusedAct {
  const code = num(at, "act", 0);
  const a = num(at, "actA", 0);
  const b = num(at, "actB", 0);
  if (code === 0) return { fused: { activation: "linear" } };
  if (code === 1) return { fused: { activation: "relu" } };
  if (code === 2) return a === 0 && b === 6 ? { fused: { activation: "relu6" } } : { fused: { activation: "linear" }, clip: [a, b] };
  if (code === 3) return { fused: { activation: "leakyrelu", leakyreluAlpha: a } };
  throw new Error(`tfjs peer: unknown fused activation code ${code}`);
}

function standaloneActivation(node: Node): FusedAct | undefined {
  if (node.op === "Relu") return activation({ act: 1 });
  if (node.op === "Clip") return activation({ act: 2, actA: num(node.attrs, "min"), actB: num(node.attrs, "max") });
  if (node.op === "LeakyRelu") return activation({ act: 3, actA: num(node.attrs, "alpha") });
  return undefined;
}

function elementwise(tf: TF, node: Node): (x: T) => T {
  const at = node.attrs;
  switch (node.op) {
    case "Relu": return (x) => tf.relu(x);
    case "LeakyRelu": return (x) => tf.leakyRelu(x, num(at, "alpha"));
    case "Clip": {
      const [lo, hi] = [num(at, "min"), num(at, "max")];
      return lo === 0 && hi === 6 ? (x) => tf.relu6(x) : (x) => tf.clipByValue(x, lo, hi);
    }
    case "Sigmoid": return (x) => tf.sigmoid(x);
    case "Tanh": return (x) => tf.tanh(x);
    case "HardSigmoid": return (x) => tf.clipByValue(tf.add(tf.mul(x, num(at, "alpha")), num(at, "beta")), 0, 1);
    case "HardSwish": return (x) => tf.mul(x, tf.div(tf.relu6(tf.add(x, 3)), 6));
    case "BinarySign": return (x) => tf.sub(1, tf.mul(2, tf.cast(tf.less(x, 0), "float32"))); // −1 where x < 0, else +1
    default: throw unsupported(node, "op");
  }
}

function num(at: Attrs, name: string, fallback?: number): number {
  const v = at[name];
  if (typeof v === "number") return v;
  if (v === undefined && fallback !== undefined) return fallback;
  throw new Error(`tfjs peer: attribute "${name}" is missing or not a number`);
}

const unsupported = (node: Node, what: string): Error =>
  new Error(`tfjs peer: node "${node.name}" (${node.op}): ${what} is not translated`);

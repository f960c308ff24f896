// A zoo graph (Gemm / Conv / MaxPool / flatten Reshape) as a trainable TF.js model: one
// tf.variable per IR weight, laid out as tfjs-layers would hold them (Dense kernel [in, out],
// Conv2D kernel [kh, kw, C, F]), activations NHWC, and the ops tfjs-layers calls
// (tf.fused.matMul / tf.fused.conv2d with bias and ReLU, tf.maxPool, tf.reshape). The flatten
// after the last conv runs in NHWC order, so the next Dense kernel's rows are permuted once at
// build time: the function computed is exactly the IR graph's, on the IR's weights.
import type * as Tf from "@tensorflow/tfjs-core";
import type { Attrs, Graph } from "../../src/ir/graph.js";

type TF = typeof Tf;
type T = Tf.Tensor;

export interface TfTrainable {
  /** One SGD-momentum step on a batch; returns the batch's mean cross-entropy (before the update). */
  step(x: Float32Array, labels: Int32Array): number;
  /** Trainable variables (for a sanity count). */
  variables: Tf.Variable[];
  dispose(): void;
}

/** Where an activation lives: NHWC rank 4 (c, h, w in IR terms), or rank 2 (possibly an NHWC flatten). */
interface Meta {
  nhwc?: { c: number; h: number; w: number };
  /** Rank-2 value that is the NHWC flatten of an NCHW [c, h, w] IR tensor. */
  flatFrom?: { c: number; h: number; w: number };
}

const num = (at: Attrs, name: string, fallback?: number): number => {
  const v = at[name];
  if (typeof v === "number") return v;
  if (v === undefined && fallback !== undefined) return fallback;
  throw new Error(`tfjs trainer: attribute "${name}" is missing`);
};

const act = (at: Attrs): "linear" | "relu" => {
  const code = num(at, "act", 0);
  if (code === 0) return "linear";
  if (code === 1) return "relu";
  throw new Error(`tfjs trainer: fused activation ${code} is not translated`);
};

export function trainable(tf: TF, graph: Graph, o: { lr: number; momentum: number; classes: number }): TfTrainable {
  if (graph.inputs.length !== 1 || graph.outputs.length !== 1) throw new Error(`tfjs trainer: ${graph.name} needs one input and one output`);
  const tensor = (name: string) => {
    const t = graph.tensors.get(name);
    if (!t) throw new Error(`tfjs trainer: no tensor "${name}" in ${graph.name}`);
    return t;
  };
  const variables: Tf.Variable[] = [];
  const variable = (name: string, data: Float32Array, shape: number[]): Tf.Variable => {
    const v = tf.variable(tf.tensor(data, shape), true, name);
    variables.push(v);
    return v;
  };
  const input = graph.inputs[0];
  const inShape = tensor(input).shape;
  const meta = new Map<string, Meta>();
  meta.set(input, inShape.length === 4 ? { nhwc: { c: inShape[1], h: inShape[2], w: inShape[3] } } : {});
  type Fn = (env: Map<string, T>) => void;
  const fns: Fn[] = [];

  for (const node of graph.nodes) {
    const [a, b, bias] = node.inputs;
    const out = node.outputs[0];
    const m = meta.get(a);
    if (!m) throw new Error(`tfjs trainer: "${a}" is not computed before ${node.name}`);
    const at = node.attrs;
    switch (node.op) {
      case "Gemm": {
        const W = tensor(b), [N, K] = W.shape, src = W.data!;
        // IR W [N, K] → Dense kernel [K, N]; an NHWC flatten reorders K.
        const kernel = new Float32Array(K * N);
        const f = m.flatFrom;
        for (let k = 0; k < K; k++) {
          let irK = k;
          if (f) {
            const c = k % f.c, hw = (k - c) / f.c; // NHWC index k = (h·w + w)·C + c
            irK = c * f.h * f.w + hw;
          }
          for (let n = 0; n < N; n++) kernel[k * N + n] = src[n * K + irK];
        }
        const kv = variable(`${b}`, kernel, [K, N]);
        const bv = variable(`${bias}`, tensor(bias).data!, [N]);
        const activation = act(at);
        fns.push((env) => env.set(out, tf.fused.matMul({ a: env.get(a) as Tf.Tensor2D, b: kv as Tf.Tensor2D, bias: bv, activation })));
        meta.set(out, {});
        break;
      }
      case "Conv": {
        if (num(at, "group", 1) !== 1) throw new Error(`tfjs trainer: grouped Conv ${node.name} is not translated`);
        if (!m.nhwc) throw new Error(`tfjs trainer: Conv ${node.name} on a non-image value`);
        const W = tensor(b), [F, C, kh, kw] = W.shape, src = W.data!;
        const filter = new Float32Array(F * C * kh * kw); // [kh, kw, C, F]
        for (let f = 0; f < F; f++) for (let c = 0; c < C; c++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++)
          filter[((y * kw + x) * C + c) * F + f] = src[((f * C + c) * kh + y) * kw + x];
        const fv = variable(b, filter, [kh, kw, C, F]);
        const bv = variable(bias, tensor(bias).data!, [F]);
        const strides: [number, number] = [num(at, "sh", 1), num(at, "sw", 1)];
        const pads = [num(at, "padTop", 0), num(at, "padBottom", 0), num(at, "padLeft", 0), num(at, "padRight", 0)];
        if (pads.some((p) => p !== 0) || num(at, "dh", 1) !== 1 || num(at, "dw", 1) !== 1)
          throw new Error(`tfjs trainer: padded or dilated Conv ${node.name} is not translated`);
        const activation = act(at);
        fns.push((env) => env.set(out, tf.fused.conv2d({ x: env.get(a) as Tf.Tensor4D, filter: fv as Tf.Tensor4D, strides, pad: "valid", bias: bv, activation })));
        const s = tensor(out).shape;
        meta.set(out, { nhwc: { c: s[1], h: s[2], w: s[3] } });
        break;
      }
      case "MaxPool": {
        if (!m.nhwc) throw new Error(`tfjs trainer: MaxPool ${node.name} on a non-image value`);
        const size: [number, number] = [num(at, "kh"), num(at, "kw")];
        const strides: [number, number] = [num(at, "sh"), num(at, "sw")];
        if (["padTop", "padBottom", "padLeft", "padRight"].some((p) => num(at, p, 0) !== 0))
          throw new Error(`tfjs trainer: padded MaxPool ${node.name} is not translated`);
        fns.push((env) => env.set(out, tf.maxPool(env.get(a) as Tf.Tensor4D, size, strides, "valid")));
        const s = tensor(out).shape;
        meta.set(out, { nhwc: { c: s[1], h: s[2], w: s[3] } });
        break;
      }
      case "Reshape": {
        const s = tensor(out).shape;
        if (s.length !== 2) throw new Error(`tfjs trainer: Reshape ${node.name} to rank ${s.length} is not translated`);
        fns.push((env) => env.set(out, tf.reshape(env.get(a)!, [-1, s[1]])));
        meta.set(out, m.nhwc ? { flatFrom: m.nhwc } : {});
        break;
      }
      default:
        throw new Error(`tfjs trainer: ${node.op} (${node.name}) is not translated`);
    }
  }

  const output = graph.outputs[0];
  const sample = inShape.slice(1);
  const xShape = (n: number): number[] => (sample.length === 3 ? [n, sample[1], sample[2], sample[0]] : [n, ...sample]);
  if (sample.length === 3 && sample[0] !== 1) throw new Error(`tfjs trainer: ${sample[0]}-channel images would need an NCHW→NHWC copy`);
  const optimizer = tf.train.momentum(o.lr, o.momentum);

  return {
    variables,
    step(x, labels) {
      const n = labels.length;
      const cost = tf.tidy(() => {
        const xs = tf.tensor(x, xShape(n));
        const ys = tf.oneHot(tf.tensor1d(labels, "int32"), o.classes);
        return optimizer.minimize(() => {
          const env = new Map<string, T>([[input, xs]]);
          for (const f of fns) f(env);
          return tf.losses.softmaxCrossEntropy(ys, env.get(output)!) as Tf.Scalar;
        }, true, variables)!;
      });
      const loss = cost.dataSync()[0];
      cost.dispose();
      return loss;
    },
    dispose() {
      optimizer.dispose();
      for (const v of variables) v.dispose();
    },
  };
}

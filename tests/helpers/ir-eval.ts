// A plain-JS interpreter of the IR for tests only: scalar loops written from docs/FORMAT.md
// §4.1, independent of the wasm runtime, so import can be checked against onnxruntime-web
// while the runtime is being written (and the runtime later checked against this).
import type { Graph, Node } from "../../src/ir/graph.js";
import { inferShapes } from "../../src/ir/analysis.js";

export interface Value { data: Float32Array; shape: number[] }
const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const strides = (s: readonly number[]): number[] => {
  const r = new Array<number>(s.length).fill(1);
  for (let i = s.length - 2; i >= 0; i--) r[i] = r[i + 1] * s[i + 1];
  return r;
};

function act(v: number, a: Record<string, number | number[]>): number {
  switch (a.act) {
    case 1: return Math.max(v, 0);
    case 2: return Math.min(Math.max(v, a.actA as number), a.actB as number);
    case 3: return v < 0 ? v * (a.actA as number) : v;
    default: return v;
  }
}

/** Elementwise f over numpy-broadcast inputs. */
function broadcast(xs: Value[], out: number[], f: (...v: number[]) => number): Float32Array {
  const r = out.length, os = strides(out), y = new Float32Array(numel(out));
  const st = xs.map((x) => { const s = strides(x.shape); return out.map((_, i) => { const j = i - (r - x.shape.length); return j < 0 || x.shape[j] === 1 ? 0 : s[j]; }); });
  for (let k = 0; k < y.length; k++) {
    const args = xs.map((x, m) => { let off = 0; for (let i = 0; i < r; i++) off += (Math.floor(k / os[i]) % out[i]) * st[m][i]; return x.data[off]; });
    y[k] = f(...args);
  }
  return y;
}

type Kernel = (ins: Value[], out: number[], a: Record<string, any>) => Float32Array;

function window(x: Value, out: number[], a: Record<string, any>, cell: (c: number, n: number, oy: number, ox: number) => number): Float32Array {
  const y = new Float32Array(numel(out));
  let k = 0;
  for (let n = 0; n < out[0]; n++) for (let c = 0; c < out[1]; c++) for (let oy = 0; oy < out[2]; oy++) for (let ox = 0; ox < out[3]; ox++) y[k++] = cell(c, n, oy, ox);
  return y;
}

function pool(kind: "max" | "avg"): Kernel {
  return ([x], out, a) => {
    const [, C, H, W] = x.shape;
    return window(x, out, a, (c, n, oy, ox) => {
      let acc = kind === "max" ? -Infinity : 0, cnt = 0;
      for (let i = 0; i < a.kh; i++) for (let j = 0; j < a.kw; j++) {
        const iy = oy * a.sh - a.padTop + i * a.dh, ix = ox * a.sw - a.padLeft + j * a.dw;
        if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
        const v = x.data[((n * C + c) * H + iy) * W + ix];
        acc = kind === "max" ? Math.max(acc, v) : acc + v;
        cnt++;
      }
      return kind === "max" ? acc : acc / (a.countIncludePad ? a.kh * a.kw : cnt);
    });
  };
}

function softmax(log: boolean): Kernel {
  return ([x], _out, a) => {
    const s = x.shape, ax = a.axis as number;
    const outer = numel(s.slice(0, ax)), len = a.toEnd ? numel(s.slice(ax)) : s[ax], inner = a.toEnd ? 1 : numel(s.slice(ax + 1));
    const y = new Float32Array(x.data.length);
    for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
      const at = (k: number): number => (o * len + k) * inner + i;
      let m = -Infinity, sum = 0;
      for (let k = 0; k < len; k++) m = Math.max(m, x.data[at(k)]);
      for (let k = 0; k < len; k++) sum += Math.exp(x.data[at(k)] - m);
      for (let k = 0; k < len; k++) y[at(k)] = log ? x.data[at(k)] - m - Math.log(sum) : Math.exp(x.data[at(k)] - m) / sum;
    }
    return y;
  };
}

const unary = (f: (v: number, a: Record<string, any>) => number): Kernel => ([x], _o, a) => x.data.map((v) => f(v, a));
const binary = (f: (p: number, q: number) => number): Kernel => (xs, out) => broadcast(xs, out, f);

const KERNELS: Record<string, Kernel> = {
  Gemm([x, w, b], [M, N], a) {
    const K = x.shape[1], y = new Float32Array(M * N);
    for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
      let s = b.data[n];
      for (let k = 0; k < K; k++) s += x.data[m * K + k] * w.data[n * K + k];
      y[m * N + n] = act(s, a);
    }
    return y;
  },
  MatMul([p, q], out) {
    const r = out.length, M = out[r - 2], N = out[r - 1], K = p.shape[p.shape.length - 1], batch = out.slice(0, -2);
    const bs = strides(batch), y = new Float32Array(numel(out));
    const off = (v: Value, k: number, mat: number): number => {
      const vb = v.shape.slice(0, -2), vs = strides(vb); let o = 0;
      vb.forEach((d, i) => { const j = i + batch.length - vb.length; o += d === 1 ? 0 : (Math.floor(k / bs[j]) % batch[j]) * vs[i]; });
      return o * mat;
    };
    for (let k = 0; k < numel(batch); k++) {
      const po = off(p, k, M * K), qo = off(q, k, K * N);
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
        let s = 0;
        for (let t = 0; t < K; t++) s += p.data[po + m * K + t] * q.data[qo + t * N + n];
        y[(k * M + m) * N + n] = s;
      }
    }
    return y;
  },
  Conv([x, w, b], out, a) {
    const [, C, H, W] = x.shape, cg = C / a.group, fg = out[1] / a.group;
    return window(x, out, a, (f, n, oy, ox) => {
      const g = Math.floor(f / fg);
      let s = b.data[f];
      for (let c = 0; c < cg; c++) for (let i = 0; i < a.kh; i++) for (let j = 0; j < a.kw; j++) {
        const iy = oy * a.sh - a.padTop + i * a.dh, ix = ox * a.sw - a.padLeft + j * a.dw;
        if (iy < 0 || iy >= H || ix < 0 || ix >= W) continue;
        s += x.data[((n * C + g * cg + c) * H + iy) * W + ix] * w.data[((f * cg + c) * a.kh + i) * a.kw + j];
      }
      return act(s, a);
    });
  },
  MaxPool: pool("max"),
  AveragePool: pool("avg"),
  GlobalAveragePool([x], out) {
    const n = numel(x.shape.slice(2)), y = new Float32Array(numel(out));
    for (let k = 0; k < y.length; k++) { let s = 0; for (let i = 0; i < n; i++) s += x.data[k * n + i]; y[k] = s / n; }
    return y;
  },
  GlobalMaxPool([x], out) {
    const n = numel(x.shape.slice(2)), y = new Float32Array(numel(out));
    for (let k = 0; k < y.length; k++) { let s = -Infinity; for (let i = 0; i < n; i++) s = Math.max(s, x.data[k * n + i]); y[k] = s; }
    return y;
  },
  ChannelAffine([x, s, t]) {
    const C = x.shape[1], inner = numel(x.shape.slice(2));
    return x.data.map((v, i) => { const c = Math.floor(i / inner) % C; return v * s.data[c] + t.data[c]; });
  },
  BatchNormalization([x, g, b, m, v], _out, a) { // inference form: running statistics
    const C = x.shape[1], inner = numel(x.shape.slice(2));
    return x.data.map((u, i) => { const c = Math.floor(i / inner) % C; return g.data[c] * (u - m.data[c]) / Math.sqrt(v.data[c] + a.epsilon) + b.data[c]; });
  },
  Dropout: ([x]) => x.data.slice(), // inference: a copy
  Relu: unary((v) => Math.max(v, 0)),
  LeakyRelu: unary((v, a) => (v < 0 ? v * a.alpha : v)),
  PRelu: (xs, out) => broadcast(xs, out, (v, s) => (v < 0 ? v * s : v)),
  Clip: unary((v, a) => Math.min(Math.max(v, a.min), a.max)),
  Sigmoid: unary((v) => 1 / (1 + Math.exp(-v))),
  Tanh: unary(Math.tanh),
  HardSigmoid: unary((v, a) => Math.min(1, Math.max(0, a.alpha * v + a.beta))),
  HardSwish: unary((v) => v * Math.min(1, Math.max(0, v / 6 + 0.5))),
  Softmax: softmax(false),
  LogSoftmax: softmax(true),
  Add: binary((p, q) => p + q),
  Sub: binary((p, q) => p - q),
  Mul: binary((p, q) => p * q),
  Div: binary((p, q) => p / q),
  Concat(xs, out, a) {
    const ax = a.axis as number, outer = numel(out.slice(0, ax)), y = new Float32Array(numel(out));
    let k = 0;
    for (let o = 0; o < outer; o++) for (const x of xs) { const blk = numel(x.shape.slice(ax)); y.set(x.data.subarray(o * blk, (o + 1) * blk), k); k += blk; }
    return y;
  },
  Reshape: ([x]) => x.data.slice(),
  Transpose([x], out, a) {
    const xs = strides(x.shape), os = strides(out), y = new Float32Array(numel(out));
    for (let k = 0; k < y.length; k++) { let off = 0; for (let i = 0; i < out.length; i++) off += (Math.floor(k / os[i]) % out[i]) * xs[a.perm[i]]; y[k] = x.data[off]; }
    return y;
  },
  ChannelShuffle([x], out, a) { // output channel j·g + i is input channel i·(C/g) + j
    const [n, c] = out, hw = numel(out.slice(2)), g = a.groups as number, cg = c / g, y = new Float32Array(numel(out));
    for (let b = 0; b < n; b++) for (let i = 0; i < g; i++) for (let j = 0; j < cg; j++)
      y.set(x.data.subarray((b * c + i * cg + j) * hw, (b * c + i * cg + j + 1) * hw), (b * c + j * g + i) * hw);
    return y;
  },
  Pad([x], out, a) {
    const r = out.length, xs = strides(x.shape), os = strides(out), y = new Float32Array(numel(out));
    for (let k = 0; k < y.length; k++) {
      let off = 0, inside = true;
      for (let i = 0; i < r; i++) {
        const d = x.shape[i];
        let c = (Math.floor(k / os[i]) % out[i]) - a.pads[i];
        if (c < 0 || c >= d) {
          if (a.mode === 0) { inside = false; break; }
          if (a.mode === 1) { const p = 2 * (d - 1) || 1; c = Math.abs(((c % p) + p) % p); if (c >= d) c = p - c; }
          else if (a.mode === 2) c = Math.min(Math.max(c, 0), d - 1);
          else c = ((c % d) + d) % d;
        }
        off += c * xs[i];
      }
      y[k] = inside ? x.data[off] : a.value;
    }
    return y;
  },
};

/** Runs the graph; feeds by input name (shape gives the batch for batch-dynamic graphs). */
export function evalGraph(g: Graph, feeds: Record<string, Value>): Record<string, Value> {
  const first = feeds[g.inputs[0]], batch = g.batchDynamic ? first.shape[0] / g.tensors.get(g.inputs[0])!.shape[0] : 1;
  const shapes = inferShapes(g, batch), vals = new Map<string, Value>();
  for (const [name, t] of g.tensors) if (t.data) vals.set(name, { data: t.data, shape: t.shape });
  for (const name of g.inputs) {
    const f = feeds[name];
    if (f.shape.join() !== shapes.get(name)!.join()) throw new Error(`feed ${name}: shape [${f.shape}] vs [${shapes.get(name)}]`);
    vals.set(name, f);
  }
  for (const n of g.nodes as Node[]) {
    const out = shapes.get(n.outputs[0])!;
    const data = KERNELS[n.op](n.inputs.map((i) => vals.get(i)!), out, n.attrs);
    if (data.length !== numel(out)) throw new Error(`${n.name} (${n.op}): ${data.length} values for [${out}]`);
    vals.set(n.outputs[0], { data, shape: out });
  }
  return Object.fromEntries(g.outputs.map((o) => [o, vals.get(o)!]));
}

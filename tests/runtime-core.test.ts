// Runtime core (assembly/runtime.ts, format/reader.ts, the non-GEMM ops): .slim files are built
// byte by byte here from docs/FORMAT.md (no dependency on src/format), run in both wasm builds
// and compared with plain-JS oracles written below; malformed files must be rejected by name.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { execFileSync } from "node:child_process";

// ---------- .slim byte builder (docs/FORMAT.md) ----------

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(b: Uint8Array, crc = 0xffffffff): number {
  for (const x of b) crc = CRC_TABLE[(crc ^ x) & 0xff] ^ (crc >>> 8);
  return crc >>> 0;
}
const fbits = (x: number): number => new Int32Array(new Float32Array([x]).buffer)[0];

interface TSpec { name: string; dims: number[]; data?: Float32Array; offset?: number; rank?: number; encoding?: number }
interface NSpec { name: string; op: number; ins: number[]; outs: number[]; attrs?: number[] }
interface Spec {
  tensors: TSpec[]; nodes: NSpec[]; inputs: number[]; outputs: number[];
  flags?: number; version?: number; arenaBytes?: number; exitCount?: number;
}

const align16 = (n: number): number => (n + 15) & ~15;

/** Bytes of a v1 file. Activations without an explicit offset each get their own arena slot. */
function build(s: Spec): Uint8Array {
  const strs: number[] = [];
  const str = (name: string): number => {
    const at = strs.length, u = new TextEncoder().encode(name);
    strs.push(...new Uint8Array(new Uint32Array([u.length]).buffer), ...u);
    return at;
  };
  const numel = (d: number[]) => d.reduce((a, b) => a * b, 1);
  let arena = 0, wgts: number[] = [];
  const tens = new DataView(new ArrayBuffer(4 + 48 * s.tensors.length));
  tens.setUint32(0, s.tensors.length, true);
  s.tensors.forEach((t, i) => {
    const r = 4 + 48 * i, n = numel(t.dims);
    tens.setUint32(r, str(t.name), true);
    tens.setUint8(r + 4, t.data ? 1 : 0);
    tens.setUint8(r + 5, 1);
    tens.setUint8(r + 6, t.rank ?? t.dims.length);
    tens.setUint8(r + 7, t.encoding ?? 0);
    t.dims.forEach((d, k) => tens.setUint32(r + 8 + 4 * k, d, true));
    let off: number;
    if (t.data) {
      off = wgts.length;
      wgts.push(...new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
      while (wgts.length % 16) wgts.push(0);
    } else {
      off = t.offset ?? arena;
      arena = Math.max(arena, align16(off + 4 * n));
    }
    tens.setUint32(r + 32, off, true);
    tens.setUint32(r + 36, (4 * n) >>> 0, true);
  });
  const nodeWords: number[] = [s.nodes.length];
  const nodeBytes: number[] = [];
  const u32 = (v: number) => nodeBytes.push(...new Uint8Array(new Uint32Array([v >>> 0]).buffer));
  u32(s.nodes.length);
  for (const n of s.nodes) {
    u32(str(n.name));
    nodeBytes.push(n.op & 0xff, n.op >> 8, n.ins.length, n.outs.length);
    const attrs = n.attrs ?? [];
    u32(attrs.length);
    [...n.ins, ...n.outs, ...attrs].forEach(u32);
  }
  void nodeWords;
  const grph = new Uint32Array([s.inputs.length, ...s.inputs, s.outputs.length, ...s.outputs]);
  const plan = new Uint32Array([s.arenaBytes ?? arena, 0, 0, 0]);
  const sections: [string, Uint8Array][] = [
    ["STRS", new Uint8Array(strs)],
    ["TENS", new Uint8Array(tens.buffer)],
    ["NODE", new Uint8Array(nodeBytes)],
    ["GRPH", new Uint8Array(grph.buffer)],
    ["PLAN", new Uint8Array(plan.buffer)],
  ];
  if (wgts.length) sections.push(["WGTS", new Uint8Array(wgts)]);
  if (s.exitCount !== undefined) sections.push(["EXIT", new Uint8Array(new Uint32Array([s.exitCount]).buffer)]);
  let at = align16(32 + 16 * sections.length);
  const placed = sections.map(([k, b]) => { const o = at; at = align16(at + b.length); return [k, b, o] as const; });
  const out = new Uint8Array(at);
  const dv = new DataView(out.buffer);
  out.set([0x53, 0x4c, 0x49, 0x4d]);
  dv.setUint16(4, s.version ?? 1, true);
  dv.setUint16(6, s.flags ?? 0, true);
  dv.setUint32(8, sections.length, true);
  dv.setUint32(12, out.length, true);
  placed.forEach(([k, b, o], i) => {
    const e = 32 + 16 * i;
    out.set(new TextEncoder().encode(k), e);
    dv.setUint32(e + 4, o, true);
    dv.setUint32(e + 8, b.length, true);
    out.set(b, o);
  });
  return refresh(out);
}

/** Recompute every section CRC (where in bounds) and the header CRC after a mutation. */
function refresh(out: Uint8Array): Uint8Array {
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const count = dv.getUint32(8, true);
  for (let i = 0; i < count; i++) {
    const e = 32 + 16 * i, o = dv.getUint32(e + 4, true), l = dv.getUint32(e + 8, true);
    if (o + l <= out.length) dv.setUint32(e + 12, crc32(out.subarray(o, o + l)) ^ 0xffffffff, true);
  }
  const h = crc32(out.subarray(16 + 16, 32 + 16 * count), crc32(out.subarray(0, 16)));
  dv.setUint32(16, (h ^ 0xffffffff) >>> 0, true);
  return out;
}

/** Byte offset of section `kind` in a built file. */
function sectionAt(b: Uint8Array, kind: string): { entry: number; offset: number } {
  const dv = new DataView(b.buffer, b.byteOffset);
  for (let i = 0; i < dv.getUint32(8, true); i++) {
    const e = 32 + 16 * i;
    if (new TextDecoder().decode(b.subarray(e, e + 4)) === kind) return { entry: e, offset: dv.getUint32(e + 4, true) };
  }
  throw new Error(kind);
}

// ---------- runtime harness ----------

interface Exports {
  memory: WebAssembly.Memory;
  reserve(n: number): number; load(n: number, maxEl: number, maxArena: number): number;
  plan(b: number): number; run(): number; errorPtr(): number; errorLen(): number;
  inputCount(): number; outputCount(): number; inputId(i: number): number; outputId(i: number): number;
  tensorNamePtr(id: number): number; tensorNameLen(id: number): number;
  tensorRank(id: number): number; tensorDim(id: number, a: number): number; tensorData(id: number): number;
  batchDynamic(): number; macs(): number;
}
const BUILDS = ["simd", "scalar"] as const;
const modules = new Map<string, WebAssembly.Module>();

/** Newest modification time under assembly/ (rebuild the wasm when a source is newer). */
const newestSource = (dir = "assembly"): number => Math.max(...readdirSync(dir, { withFileTypes: true })
  .map((d) => (d.isDirectory() ? newestSource(`${dir}/${d.name}`) : statSync(`${dir}/${d.name}`).mtimeMs)));

before(() => {
  for (const b of BUILDS) {
    const file = `dist/runtime.${b}.wasm`;
    if (!existsSync(file) || statSync(file).mtimeMs < newestSource()) execFileSync("node", ["scripts/build.mjs"], { stdio: "inherit" });
    modules.set(b, new WebAssembly.Module(readFileSync(file)));
  }
});

function errorOf(e: Exports): string {
  return new TextDecoder().decode(new Uint8Array(e.memory.buffer, e.errorPtr(), e.errorLen()));
}

/** Load + plan; returns the exports or throws with the runtime's message. */
function open(build: string, bytes: Uint8Array, batch = 1, maxElements = 2 ** 28): Exports {
  const e = new WebAssembly.Instance(modules.get(build)!, {}).exports as unknown as Exports;
  const p = e.reserve(bytes.length);
  new Uint8Array(e.memory.buffer, p, bytes.length).set(bytes);
  if (e.load(bytes.length, maxElements, 2 ** 30)) throw new Error(errorOf(e));
  if (e.plan(batch)) throw new Error(errorOf(e));
  return e;
}

function shapeOf(e: Exports, id: number): number[] {
  return Array.from({ length: e.tensorRank(id) }, (_, a) => e.tensorDim(id, a));
}

/** Run with inputs (in GRPH order); returns outputs with shapes. */
function exec(build: string, bytes: Uint8Array, inputs: Float32Array[], batch = 1): { data: Float32Array; shape: number[] }[] {
  const e = open(build, bytes, batch);
  inputs.forEach((x, i) => new Float32Array(e.memory.buffer, e.tensorData(e.inputId(i)), x.length).set(x));
  assert.equal(e.run(), 0, errorOf(e));
  return Array.from({ length: e.outputCount() }, (_, i) => {
    const id = e.outputId(i), shape = shapeOf(e, id);
    const n = shape.reduce((a, b) => a * b, 1);
    return { data: new Float32Array(e.memory.buffer, e.tensorData(id), n).slice(), shape };
  });
}

// ---------- plain-JS oracles ----------

let seed = 12345;
const rand = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff * 2 - 1; };
const randArr = (n: number, scale = 3): Float32Array => Float32Array.from({ length: n }, () => rand() * scale);
const numel = (d: number[]) => d.reduce((a, b) => a * b, 1);
const stridesOf = (d: number[]) => d.map((_, i) => numel(d.slice(i + 1)));
const unravel = (k: number, d: number[]) => d.map((_, i) => Math.floor(k / numel(d.slice(i + 1))) % d[i]);

function broadcastRef(a: Float32Array, da: number[], b: Float32Array, db: number[], f: (x: number, y: number) => number): { data: Float32Array; shape: number[] } {
  const r = Math.max(da.length, db.length);
  const pa = [...Array(r - da.length).fill(1), ...da], pb = [...Array(r - db.length).fill(1), ...db];
  const shape = pa.map((x, i) => Math.max(x, pb[i]));
  const sa = stridesOf(pa), sb = stridesOf(pb);
  const data = new Float32Array(numel(shape));
  for (let k = 0; k < data.length; k++) {
    const idx = unravel(k, shape);
    let oa = 0, ob = 0;
    idx.forEach((v, i) => { oa += (pa[i] === 1 ? 0 : v) * sa[i]; ob += (pb[i] === 1 ? 0 : v) * sb[i]; });
    data[k] = f(a[oa], b[ob]);
  }
  return { data, shape };
}

function softmaxRef(x: Float32Array, d: number[], axis: number, toEnd: boolean, log: boolean): Float32Array {
  const outer = numel(d.slice(0, axis));
  const len = toEnd ? numel(d.slice(axis)) : d[axis];
  const inner = toEnd ? 1 : numel(d.slice(axis + 1));
  const y = new Float32Array(x.length);
  for (let o = 0; o < outer; o++) for (let i = 0; i < inner; i++) {
    const at = (k: number) => o * len * inner + k * inner + i;
    let m = -Infinity;
    for (let k = 0; k < len; k++) m = Math.max(m, x[at(k)]);
    let s = 0;
    for (let k = 0; k < len; k++) s += Math.exp(x[at(k)] - m);
    for (let k = 0; k < len; k++) y[at(k)] = log ? x[at(k)] - m - Math.log(s) : Math.exp(x[at(k)] - m) / s;
  }
  return y;
}

function transposeRef(x: Float32Array, d: number[], perm: number[]): { data: Float32Array; shape: number[] } {
  const shape = perm.map((p) => d[p]), sx = stridesOf(d);
  const data = new Float32Array(x.length);
  for (let k = 0; k < data.length; k++) {
    const idx = unravel(k, shape);
    data[k] = x[idx.reduce((s, v, i) => s + v * sx[perm[i]], 0)];
  }
  return { data, shape };
}

function padRef(x: Float32Array, d: number[], mode: number, value: number, pads: number[]): { data: Float32Array; shape: number[] } {
  const r = d.length, shape = d.map((v, i) => v + pads[i] + pads[r + i]), sx = stridesOf(d);
  const data = new Float32Array(numel(shape));
  for (let k = 0; k < data.length; k++) {
    const idx = unravel(k, shape);
    let off = 0, inside = true;
    idx.forEach((o, i) => {
      let j = o - pads[i];
      const n = d[i];
      if (j < 0 || j >= n) {
        if (mode === 0) inside = false;
        else if (mode === 2) j = j < 0 ? 0 : n - 1;
        else if (mode === 3) j = ((j % n) + n) % n;
        else { while (j < 0 || j >= n) j = j < 0 ? -j : 2 * (n - 1) - j; }
      }
      off += j * sx[i];
    });
    data[k] = inside ? x[off] : value;
  }
  return { data, shape };
}

function close(got: Float32Array, want: Float32Array, tol: number, what: string): void {
  assert.equal(got.length, want.length, `${what}: length`);
  for (let i = 0; i < got.length; i++) {
    const err = Math.abs(got[i] - want[i]);
    if (!(err <= tol * (1 + Math.abs(want[i])))) assert.fail(`${what}: element ${i} is ${got[i]}, expected ${want[i]} (err ${err})`);
  }
}

// ---------- one-node graphs ----------

const OP = { GlobalAveragePool: 6, GlobalMaxPool: 7, ChannelAffine: 8, Relu: 9, LeakyRelu: 10, PRelu: 11, Clip: 12, Sigmoid: 13, Tanh: 14, HardSigmoid: 15, HardSwish: 16, Softmax: 17, LogSoftmax: 18, Add: 19, Sub: 20, Mul: 21, Div: 22, Concat: 23, Reshape: 24, Transpose: 25, Pad: 26 };

/** A graph with activations `xs` as inputs (constants where data is given) feeding one node. */
function oneNode(op: number, ins: TSpec[], outDims: number[], attrs: number[] = [], flags = 0): Uint8Array {
  const tensors: TSpec[] = [...ins, { name: "y", dims: outDims }];
  return build({
    tensors, flags,
    nodes: [{ name: "n0", op, ins: ins.map((_, i) => i), outs: [ins.length], attrs }],
    inputs: ins.flatMap((t, i) => (t.data ? [] : [i])), outputs: [ins.length],
  });
}

/** Check one node in both builds against `want`, and the builds against each other. */
function check(what: string, bytes: Uint8Array, inputs: Float32Array[], want: Float32Array, wantShape: number[], tol = 2e-6): void {
  const got = BUILDS.map((b) => exec(b, bytes, inputs)[0]);
  got.forEach((g, i) => {
    assert.deepEqual(g.shape, wantShape, `${what} (${BUILDS[i]}): shape`);
    close(g.data, want, tol, `${what} (${BUILDS[i]})`);
  });
  close(got[0].data, got[1].data, 2e-6, `${what}: simd vs scalar`);
}

test("unary ops match the JS oracle (odd lengths exercise SIMD tails)", () => {
  const dims = [2, 3, 7];
  const x = randArr(numel(dims), 6);
  const cases: [string, number, number[], (v: number) => number][] = [
    ["Relu", OP.Relu, [], (v) => Math.max(v, 0)],
    ["LeakyRelu", OP.LeakyRelu, [fbits(0.1)], (v) => (v < 0 ? 0.1 * v : v)],
    ["Clip", OP.Clip, [fbits(-1), fbits(6)], (v) => Math.min(Math.max(v, -1), 6)],
    ["Sigmoid", OP.Sigmoid, [], (v) => 1 / (1 + Math.exp(-v))],
    ["Tanh", OP.Tanh, [], Math.tanh],
    ["HardSigmoid", OP.HardSigmoid, [fbits(0.2), fbits(0.5)], (v) => Math.min(Math.max(0.2 * v + 0.5, 0), 1)],
    ["HardSwish", OP.HardSwish, [], (v) => v * Math.min(Math.max(v / 6 + 0.5, 0), 1)],
  ];
  for (const [name, op, attrs, f] of cases) {
    check(name, oneNode(op, [{ name: "x", dims }], dims, attrs), [x], Float32Array.from(x, f), dims);
  }
  // extremes: exp must not overflow into NaN
  const big = Float32Array.from([-100, -30, -1e-6, 0, 1e-6, 30, 100, 88.5]);
  check("Sigmoid extremes", oneNode(OP.Sigmoid, [{ name: "x", dims: [8] }], [8]), [big], Float32Array.from(big, (v) => 1 / (1 + Math.exp(-v))), [8]);
  check("Tanh extremes", oneNode(OP.Tanh, [{ name: "x", dims: [8] }], [8]), [big], Float32Array.from(big, Math.tanh), [8]);
});

test("binary ops broadcast like numpy: same shape, scalar, per-channel, general rank 6", () => {
  const fs: [string, number, (a: number, b: number) => number][] = [
    ["Add", OP.Add, (a, b) => a + b], ["Sub", OP.Sub, (a, b) => a - b],
    ["Mul", OP.Mul, (a, b) => a * b], ["Div", OP.Div, (a, b) => a / b],
  ];
  const shapes: [number[], number[]][] = [
    [[2, 3, 5], [2, 3, 5]],          // same shape
    [[2, 3, 5], [1]],                // scalar
    [[1], [4, 9]],                   // scalar on the left
    [[2, 4, 3, 3], [4, 1, 1]],       // per-channel NCHW
    [[2, 3, 3, 4], [4]],             // per-channel NHWC
    [[3, 1, 5], [1, 4, 1]],          // both sides broadcast
    [[2, 1, 3, 1, 2, 5], [1, 4, 1, 2, 1, 5]], // rank 6
    [[5], [3, 1]],
  ];
  for (const [name, op, f] of fs) {
    for (const [da, db] of shapes) {
      const a = randArr(numel(da)), b = Float32Array.from(randArr(numel(db)), (v) => (Math.abs(v) < 0.1 ? 0.5 : v));
      const want = broadcastRef(a, da, b, db, f);
      check(`${name} ${JSON.stringify(da)} ${JSON.stringify(db)}`, oneNode(op, [{ name: "a", dims: da }, { name: "b", dims: db }], want.shape), [a, b], want.data, want.shape);
      // constant right-hand side (weights), the usual case for bias/scale
      check(`${name} const ${JSON.stringify(db)}`, oneNode(op, [{ name: "a", dims: da }, { name: "b", dims: db, data: b }], want.shape), [a], want.data, want.shape);
    }
  }
  const x = randArr(2 * 4 * 3 * 3), slope = randArr(4, 0.5);
  const want = broadcastRef(x, [2, 4, 3, 3], slope, [4, 1, 1], (v, s) => (v < 0 ? v * s : v));
  check("PRelu per-channel", oneNode(OP.PRelu, [{ name: "x", dims: [2, 4, 3, 3] }, { name: "s", dims: [4, 1, 1], data: slope }], [2, 4, 3, 3]), [x], want.data, want.shape);
});

test("Softmax / LogSoftmax over an axis and over axis..end", () => {
  const dims = [2, 3, 4, 5];
  const x = randArr(numel(dims), 8);
  for (const [op, log] of [[OP.Softmax, false], [OP.LogSoftmax, true]] as const) {
    for (const axis of [0, 1, 2, 3, -1]) {
      for (const toEnd of [0, 1]) {
        const a = axis < 0 ? axis + dims.length : axis;
        check(`${log ? "Log" : ""}Softmax axis ${axis} toEnd ${toEnd}`, oneNode(op, [{ name: "x", dims }], dims, [axis, toEnd]), [x],
          softmaxRef(x, dims, a, toEnd === 1, log), dims, 1e-5);
      }
    }
  }
  const row = randArr(1000, 20);
  check("Softmax 1x1000", oneNode(OP.Softmax, [{ name: "x", dims: [1, 1000] }], [1, 1000], [1, 0]), [row], softmaxRef(row, [1, 1000], 1, false, false), [1, 1000], 1e-5);
});

/** |got - want| in units of the f32 spacing at `want` (subnormal spacing 2^-149 below 2^-126). */
const ulpErr = (got: number, want: number): number =>
  got === want ? 0 : Math.abs(got - want) / Math.max(2 ** (Math.floor(Math.log2(Math.abs(want))) - 23), 2 ** -149);

/** Largest ulp error of `got` against f64 `want`, with the input that produced it. */
function worstUlps(got: Float32Array, want: ArrayLike<number>, x: ArrayLike<number>): { ulps: number; at: number } {
  let w = { ulps: 0, at: NaN };
  for (let i = 0; i < got.length; i++) {
    const e = ulpErr(got[i], want[i]);
    if (!(e <= w.ulps)) w = { ulps: e, at: x[i] };
  }
  return w;
}

test("exp-based kernels are within 2-4 f32 ulps of f64 Math.exp / Math.log, from subnormal results to 1e4 logits", () => {
  // e^x itself: Softmax of [0, x1..xn] with every x ≤ -30 sums to exactly 1 in f32, so y_k is the
  // kernel's e^(x_k), down to subnormals and past the underflow to 0 (x < -103.97).
  const n = 4003, tiny = new Float32Array(n + 1);
  for (let k = 1; k <= n; k++) tiny[k] = -30 - 80 * (k - 1) / (n - 1) + (k % 7) * 1e-3;
  const sm = (b: string, x: Float32Array, op = OP.Softmax) => exec(b, oneNode(op, [{ name: "x", dims: [1, x.length] }], [1, x.length], [1, 0]), [x])[0].data;
  // Sigmoid over [-110, 40]: e^-|v| / (1 + e^-|v|) or its complement.
  const sx = Float32Array.from({ length: 3001 }, (_, i) => -110 + 150 * i / 3000);
  // LogSoftmax of large logits (ONNX test_logsoftmax_large_number): x - max - ln Σ in f64.
  const big = Float32Array.from([10000, 10001, 10002, 10003, 10000.5, 9990, 10003, 1e4 - 0.25, 10002.75]);
  const logRef = (x: Float32Array): number[] => {
    const m = Math.max(...x), s = x.reduce((a, v) => a + Math.exp(v - m), 0);
    return Array.from(x, (v) => v - m - Math.log(s));
  };
  const mid = Float32Array.from({ length: 41 }, (_, i) => -20 + 0.5 * i + ((i + 2) % 3) * 1e-4); // max 0: x - max is exact
  for (const b of BUILDS) {
    const e = worstUlps(sm(b, tiny).subarray(1), Array.from(tiny.subarray(1), Math.exp), tiny.subarray(1));
    assert.ok(e.ulps <= 2, `${b}: exp(${e.at}) is ${e.ulps.toFixed(2)} ulps off`);
    const y = exec(b, oneNode(OP.Sigmoid, [{ name: "x", dims: [sx.length] }], [sx.length]), [sx])[0].data;
    const s = worstUlps(y, Array.from(sx, (v) => 1 / (1 + Math.exp(-v))), sx);
    assert.ok(s.ulps <= 3, `${b}: sigmoid(${s.at}) is ${s.ulps.toFixed(2)} ulps off`);
    const l = worstUlps(sm(b, big, OP.LogSoftmax), logRef(big), big);
    assert.ok(l.ulps <= 2, `${b}: LogSoftmax of large logits: input ${l.at} is ${l.ulps.toFixed(2)} ulps off`);
    const lm = worstUlps(sm(b, mid, OP.LogSoftmax), logRef(mid), mid);
    assert.ok(lm.ulps <= 2, `${b}: LogSoftmax over [-20, 0]: input ${lm.at} is ${lm.ulps.toFixed(2)} ulps off`);
    const m = Math.max(...mid), z = mid.reduce((a, v) => a + Math.exp(v - m), 0);
    const sp = worstUlps(sm(b, mid), Array.from(mid, (v) => Math.exp(v - m) / z), mid);
    assert.ok(sp.ulps <= 4, `${b}: Softmax over [-20, 0]: input ${sp.at} is ${sp.ulps.toFixed(2)} ulps off`);
  }
});

test("Concat, Reshape, Transpose, Pad, ChannelAffine, global pools", () => {
  const a = randArr(2 * 3 * 4), b = randArr(2 * 1 * 4), c = randArr(2 * 2 * 4);
  const cat = new Float32Array(2 * 6 * 4);
  for (let n = 0; n < 2; n++) cat.set([...a.slice(n * 12, n * 12 + 12), ...b.slice(n * 4, n * 4 + 4), ...c.slice(n * 8, n * 8 + 8)], n * 24);
  check("Concat axis 1", oneNode(OP.Concat, [{ name: "a", dims: [2, 3, 4] }, { name: "b", dims: [2, 1, 4] }, { name: "c", dims: [2, 2, 4] }], [2, 6, 4], [1]), [a, b, c], cat, [2, 6, 4]);
  const l = a.slice(0, 12), r = a.slice(12, 24);
  check("Concat axis -1", oneNode(OP.Concat, [{ name: "a", dims: [3, 4] }, { name: "b", dims: [3, 4] }], [3, 8], [-1]), [l, r],
    Float32Array.from({ length: 24 }, (_, k) => (k % 8 < 4 ? l : r)[Math.floor(k / 8) * 4 + (k % 4)]), [3, 8]);

  check("Reshape", oneNode(OP.Reshape, [{ name: "x", dims: [2, 3, 4] }], [6, 4]), [a], a, [6, 4]);

  const d6 = [2, 3, 1, 4, 2, 3], x6 = randArr(numel(d6));
  for (const perm of [[1, 0], [0, 2, 1], [2, 0, 1], [0, 1, 3, 2], [0, 2, 3, 1], [5, 4, 3, 2, 1, 0], [0, 1, 2, 4, 5, 3]]) {
    const dims = d6.slice(0, perm.length), x = x6.slice(0, numel(dims));
    const want = transposeRef(x, dims, perm);
    check(`Transpose ${perm}`, oneNode(OP.Transpose, [{ name: "x", dims }], want.shape, perm), [x], want.data, want.shape);
  }

  const dp = [2, 3, 4, 5], xp = randArr(numel(dp));
  const pads = [0, 1, 2, 3, 0, 0, 1, 4];
  for (const mode of [0, 1, 2, 3]) {
    const want = padRef(xp, dp, mode, 1.5, pads);
    check(`Pad mode ${mode}`, oneNode(OP.Pad, [{ name: "x", dims: dp }], want.shape, [mode, fbits(1.5), ...pads]), [xp], want.data, want.shape);
  }

  const dx = [2, 3, 5, 3], xa = randArr(numel(dx)), scale = randArr(3), shift = randArr(3);
  check("ChannelAffine", oneNode(OP.ChannelAffine, [{ name: "x", dims: dx }, { name: "s", dims: [3], data: scale }, { name: "b", dims: [3], data: shift }], dx),
    [xa], Float32Array.from(xa, (v, k) => v * scale[Math.floor(k / 15) % 3] + shift[Math.floor(k / 15) % 3]), dx);

  const gsum = Array.from({ length: 6 }, (_, r) => xa.slice(r * 15, r * 15 + 15));
  check("GlobalAveragePool", oneNode(OP.GlobalAveragePool, [{ name: "x", dims: dx }], [2, 3, 1, 1]), [xa],
    Float32Array.from(gsum, (r) => r.reduce((s, v) => s + v, 0) / 15), [2, 3, 1, 1]);
  check("GlobalMaxPool", oneNode(OP.GlobalMaxPool, [{ name: "x", dims: dx }], [2, 3, 1, 1]), [xa],
    Float32Array.from(gsum, (r) => Math.max(...r)), [2, 3, 1, 1]);
});

test("a multi-node graph with arena reuse runs; ABI reports names, shapes, MACs", () => {
  // x -> Relu(a) -> Add(b = a + c0) -> Softmax(y); a reuses nothing, y reuses a's slot (a dead after node 1)
  const bytes = build({
    tensors: [
      { name: "x", dims: [1, 8] }, { name: "a", dims: [1, 8], offset: 32 },
      { name: "c0", dims: [8], data: randArr(8) }, { name: "b", dims: [1, 8], offset: 64 },
      { name: "y", dims: [1, 8], offset: 32 },
    ],
    nodes: [
      { name: "relu", op: OP.Relu, ins: [0], outs: [1] },
      { name: "add", op: OP.Add, ins: [1, 2], outs: [3] },
      { name: "sm", op: OP.Softmax, ins: [3], outs: [4], attrs: [1, 0] },
    ],
    inputs: [0], outputs: [4],
  });
  const x = randArr(8);
  for (const b of BUILDS) {
    const e = open(b, bytes);
    assert.equal(e.inputCount(), 1);
    const name = new TextDecoder().decode(new Uint8Array(e.memory.buffer, e.tensorNamePtr(e.outputId(0)), e.tensorNameLen(e.outputId(0))));
    assert.equal(name, "y");
    assert.equal(e.macs(), 24);
    assert.equal(e.batchDynamic(), 0);
  }
  const c0 = new Float32Array(bytes.buffer.slice(0)); void c0;
  const out = exec("simd", bytes, [x])[0].data;
  assert.ok(Math.abs(out.reduce((s, v) => s + v, 0) - 1) < 1e-5);
});

test("batch-dynamic files scale dim 0 and arena offsets by the batch", () => {
  const bias = randArr(4);
  const bytes = build({
    flags: 1,
    tensors: [{ name: "x", dims: [1, 4] }, { name: "b", dims: [4], data: bias }, { name: "h", dims: [1, 4] }, { name: "y", dims: [1, 4] }],
    nodes: [{ name: "add", op: OP.Add, ins: [0, 1], outs: [2] }, { name: "sm", op: OP.Softmax, ins: [2], outs: [3], attrs: [1, 0] }],
    inputs: [0], outputs: [3],
  });
  const x = randArr(12);
  for (const b of BUILDS) {
    const [y] = exec(b, bytes, [x], 3);
    assert.deepEqual(y.shape, [3, 4]);
    const want = softmaxRef(broadcastRef(x, [3, 4], bias, [4], (p, q) => p + q).data, [3, 4], 1, false, false);
    close(y.data, want, 1e-5, `batch 3 (${b})`);
  }
  assert.throws(() => open("simd", oneNode(OP.Relu, [{ name: "x", dims: [1, 4] }], [1, 4]), 2), /not batch-dynamic/);
});

// ---------- malformed files ----------

const good = (): Uint8Array => oneNode(OP.Relu, [{ name: "x", dims: [2, 4] }], [2, 4]);
const rejects = (bytes: Uint8Array, re: RegExp, maxElements?: number): void => {
  for (const b of BUILDS) assert.throws(() => open(b, bytes, 1, maxElements), re);
};

test("load rejects malformed files with a message naming the place", () => {
  assert.doesNotThrow(() => open("simd", good()));

  const magic = good(); magic[0] = 0x58;
  rejects(magic, /header at offset 0x0: bad magic "XLIM"/);

  rejects(build({ ...reluSpec(), version: 3 }), /file version 3 is newer than this runtime \(2\); upgrade slimnet/);

  const g = good();
  rejects(g.slice(0, g.length - 16), /fileLength says \d+ bytes but the file has \d+ \(truncated\)/);
  rejects(g.slice(0, 20), /truncated: 20 bytes/);

  const crc = good(); crc[sectionAt(crc, "TENS").offset + 10] ^= 1;
  rejects(crc, /section "TENS" at offset 0x[0-9a-f]+: CRC 0x[0-9a-f]+ does not match/);

  const hdr = good(); hdr[22] = 0; hdr[16] ^= 0xff;
  rejects(hdr, /header at offset 0x10: header CRC/);

  const past = good(); new DataView(past.buffer).setUint32(sectionAt(past, "PLAN").entry + 8, 0xfffffff0, true);
  rejects(refresh(past), /section PLAN at 0x[0-9a-f]+ of 4294967280 bytes ends past the file/);

  rejects(oneNode(OP.Relu, [{ name: "x", dims: [65536, 65536, 65536] }], [2, 4]), /section "TENS" at offset 0x[0-9a-f]+: tensor 0 element count exceeds the limit 268435456/);
  rejects(oneNode(OP.Relu, [{ name: "x", dims: [1000, 1000] }], [2, 4]), /exceeds the limit 1000/, 1000);
  const rank9 = oneNode(OP.Relu, [{ name: "x", dims: [2, 4], rank: 9 }], [2, 4]);
  const rankAt = (sectionAt(rank9, "TENS").offset + 4 + 6).toString(16); // count, then record 0's rank byte
  rejects(rank9, new RegExp(`section "TENS" at offset 0x${rankAt}: tensor 0 rank 9 exceeds 6`));
  rejects(oneNode(OP.Relu, [{ name: "x", dims: [2, 0] }], [2, 4]), /tensor 0 dim 1 expected >= 1, got 0/);
  rejects(oneNode(OP.Add, [{ name: "x", dims: [4] }, { name: "w", dims: [4], data: randArr(4), encoding: 1 }], [4]),
    /tensor 1 "w": byteLength 16, expected 2 × 4 elements \(f16\)/); // f32 bytes tagged f16 (§3.6)

  // node 0 reads the output of node 1: not in topological order
  rejects(build({
    tensors: [{ name: "x", dims: [4] }, { name: "a", dims: [4] }, { name: "y", dims: [4] }],
    nodes: [{ name: "n0", op: OP.Relu, ins: [1], outs: [2] }, { name: "n1", op: OP.Relu, ins: [0], outs: [1] }],
    inputs: [0], outputs: [2],
  }), /section "NODE" at offset 0x[0-9a-f]+: node 0 \(Relu\) reads tensor 1 before any node writes it/);

  rejects(build({ ...reluSpec(), nodes: [{ name: "n0", op: 99, ins: [0], outs: [1] }] }), /node 0 opcode 99 is unknown/);
  rejects(build({ ...reluSpec(), nodes: [{ name: "n0", op: OP.Relu, ins: [0, 0], outs: [1] }] }), /node 0 \(Relu\) has 2 inputs, expected 1/);
  rejects(build({ ...reluSpec(), nodes: [{ name: "n0", op: OP.Relu, ins: [7], outs: [1] }] }), /input 0 tensor id 7 is not below the tensor count 2/);
  rejects(build({ ...reluSpec(), nodes: [{ name: "n0", op: OP.Relu, ins: [0], outs: [0] }] }), /writes tensor 0 which is a graph input/);
  rejects(build({ ...reluSpec(), exitCount: 2 }), /section "EXIT" .*exit count expected 0/);

  // x and a are both live during node 1 (a written by node 0, x read by node 1): same arena bytes
  const overlap = (aOffset: number) => build({
    tensors: [{ name: "x", dims: [4], offset: 0 }, { name: "a", dims: [4], offset: aOffset }, { name: "y", dims: [4], offset: 32 }],
    nodes: [{ name: "n0", op: OP.Relu, ins: [0], outs: [1] }, { name: "n1", op: OP.Add, ins: [1, 0], outs: [2] }],
    inputs: [0], outputs: [2],
  });
  rejects(overlap(0), /section "PLAN" at offset 0x[0-9a-f]+: tensors 0 and 1 are live at the same time .* overlap in the arena/);
  assert.doesNotThrow(() => open("simd", overlap(16)));
  rejects(build({ ...reluSpec(), arenaBytes: 16 }), /section "TENS" at offset 0x[0-9a-f]+: tensor 0 arena range 0x0\+32 exceeds arenaBytes 16/);

  // prepare: shapes that do not fit the op name the node
  rejects(oneNode(OP.Add, [{ name: "a", dims: [2, 3] }, { name: "b", dims: [4] }], [2, 3]), /node n0 \(Add\): shapes \[2,3\] and \[4\] do not broadcast/);
  rejects(oneNode(OP.Transpose, [{ name: "x", dims: [2, 3] }], [2, 3], [0, 0]), /node n0 \(Transpose\): perm is not a permutation/);
});

function reluSpec(): Spec {
  return {
    tensors: [{ name: "x", dims: [2, 4] }, { name: "y", dims: [2, 4] }],
    nodes: [{ name: "n0", op: OP.Relu, ins: [0], outs: [1] }], inputs: [0], outputs: [1],
  };
}

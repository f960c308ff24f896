// Micro benchmark of the f32 kernels on the layer shapes of the three bench models
// (MLP 784-300-100-10, LeNet-5-like, MobileNet-like 32×32): GFLOP/s (2 FLOP per MAC) of the
// SIMD kernel and of its scalar twin, best of timed batches. Not a test.
//   node --import tsx bench/kernels.ts [filter]
import { buildKernels, type KernelWasm } from "../tests/kernels-wasm.js";

interface Case { name: string; macs: number; setup(kw: KernelWasm): (fn: string) => void }

const rand = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 0.5);

function gemv(n: number, k: number): Case {
  return {
    name: `gemv ${n}×${k}`, macs: n * k,
    setup: (kw) => {
      const x = kw.put(rand(k)), w = kw.put(rand(n * k)), b = kw.put(rand(n)), y = kw.alloc(n);
      return (fn) => kw.k[fn](n, k, x, w, b, y, 1, 0, 0);
    },
  };
}
function gemm(m: number, n: number, k: number): Case {
  return {
    name: `gemm ${m}×${n}×${k}`, macs: m * n * k,
    setup: (kw) => {
      const x = kw.put(rand(m * k)), w = kw.put(rand(n * k)), b = kw.put(rand(n)), y = kw.alloc(m * n);
      return (fn) => kw.k[fn](m, n, k, x, w, b, y, 1, 0, 0);
    },
  };
}
/** Convolution as the Conv op runs it: im2col (unless 1×1) + GEMM-NN. */
function conv(c: number, hw: number, f: number, kk: number, s: number): Case {
  const pad = kk >> 1, o = Math.floor((hw + 2 * pad - kk) / s) + 1, k = c * kk * kk, p = o * o;
  return {
    name: `conv ${kk}×${kk}/${s} ${c}→${f} @${hw}²`, macs: f * k * p,
    setup: (kw) => {
      const x = kw.put(rand(c * hw * hw)), w = kw.put(rand(f * k)), b = kw.put(rand(f)), y = kw.alloc(f * p);
      const col = kk === 1 && s === 1 ? x : kw.alloc(k * p);
      const pack = kw.alloc(k * p);
      return (fn) => {
        const ref = fn.startsWith("ref");
        if (col !== x) kw.k[ref ? "refIm2col" : "f32Im2col"](c, hw, hw, kk, kk, s, s, 1, 1, pad, pad, o, o, x, col);
        kw.k[ref ? "refGemmNN" : "f32GemmNN"](f, p, k, w, col, b, y, p, 1, 0, 0, pack);
      };
    },
  };
}
function dw3x3(c: number, hw: number, s: number): Case {
  const o = Math.floor((hw + 2 - 3) / s) + 1;
  return {
    name: `dwconv3x3/${s} ${c} @${hw}²`, macs: c * 9 * o * o,
    setup: (kw) => {
      const x = kw.put(rand(c * hw * hw)), w = kw.put(rand(c * 9)), b = kw.put(rand(c)), y = kw.alloc(c * o * o);
      const buf = kw.alloc(kw.k.dwconv3x3Scratch(o, o, s) / 4);
      return (fn) => kw.k[fn.startsWith("ref") ? "refDwconv3x3" : "f32Dwconv3x3"](c, hw, hw, o, o, s, 1, 1, x, w, b, y, 1, 0, 0, buf);
    },
  };
}
function maxpool(c: number, hw: number): Case {
  const o = hw >> 1;
  return {
    name: `maxpool 2×2/2 ${c} @${hw}²`, macs: c * o * o * 4,
    setup: (kw) => {
      const x = kw.put(rand(c * hw * hw)), y = kw.alloc(c * o * o);
      return (fn) => kw.k[fn.startsWith("ref") ? "refMaxPool" : "f32MaxPool"](c, hw, hw, o, o, 2, 2, 2, 2, 1, 1, 0, 0, x, y);
    },
  };
}

const CASES: Case[] = [
  gemv(300, 784), gemv(100, 300), gemv(10, 100), gemm(64, 300, 784), gemm(64, 100, 300),
  conv(1, 28, 6, 5, 1), maxpool(6, 28), conv(6, 14, 16, 5, 1), gemv(120, 400), gemv(84, 120),
  conv(3, 32, 32, 3, 1), dw3x3(32, 32, 1), conv(32, 32, 64, 1, 1), dw3x3(64, 32, 2), conv(64, 16, 128, 1, 1),
  dw3x3(128, 16, 1), conv(128, 16, 128, 1, 1), dw3x3(128, 16, 2), conv(128, 8, 256, 1, 1), dw3x3(256, 8, 1),
  conv(256, 8, 256, 1, 1), dw3x3(256, 8, 2), conv(256, 4, 512, 1, 1),
];

// Best (minimum) per-call time over timed batches: the machine is shared, the minimum is the
// least disturbed measurement.
function time(run: () => void, macs: number): { us: number; gflops: number } {
  const reps = Math.max(1, Math.round(1e6 / macs));
  for (let i = 0; i < 20; i++) run();
  let best = Infinity;
  const end = performance.now() + 300;
  for (let n = 0; performance.now() < end || n < 5; n++) {
    const t0 = performance.now();
    for (let i = 0; i < reps; i++) run();
    best = Math.min(best, (performance.now() - t0) / reps);
  }
  return { us: best * 1000, gflops: (2 * macs) / (best * 1e6) };
}

const filter = process.argv[2] ?? "";
const kw = await buildKernels(true);
const pad = (s: string, n: number) => s.padEnd(n);
console.log(`${pad("kernel", 30)} ${"MMAC".padStart(6)} ${"µs simd".padStart(9)} ${"GFLOP/s".padStart(8)} ${"µs ref".padStart(9)} ${"GFLOP/s".padStart(8)}`);
for (const c of CASES.filter((c) => c.name.includes(filter))) {
  kw.reset();
  const run = c.setup(kw);
  const fast = c.name.startsWith("gemv") ? "f32Gemv" : c.name.startsWith("gemm") ? "f32Gemm" : "f32";
  const ref = "ref" + fast.slice(3);
  const a = time(() => run(fast), c.macs), b = time(() => run(ref), c.macs);
  console.log(`${pad(c.name, 30)} ${(c.macs / 1e6).toFixed(3).padStart(6)} ${a.us.toFixed(1).padStart(9)} ${a.gflops.toFixed(2).padStart(8)} ${b.us.toFixed(1).padStart(9)} ${b.gflops.toFixed(2).padStart(8)}`);
}

// Backward kernels (assembly/kernels/f32-conv-grad.ts, f32-pool-grad.ts) on the LeNet-5 (Caffe)
// training shapes: conv 20@5×5 on 1×28² (dW, dB only: nothing needs the input's gradient), conv
// 50@5×5 on 20×12² (dX, dW, dB), the two 2×2/2 max pools. SIMD at batch 64, the direct-loop
// twin at batch 4; µs per image, GFLOP/s over the gradient MACs (dW and dX each F·K·P per image).
interface GradCase { name: string; macs: number; extra?: boolean; setup(kw: KernelWasm, batch: number): (ref: boolean) => void }

function convGrad(c: number, hw: number, f: number, k: number, withDx: boolean): GradCase {
  const o = hw - k + 1, kk = c * k * k, p = o * o;
  return {
    name: `conv-grad ${k}×${k} ${c}→${f} @${hw}²${withDx ? " +dX" : ""}`, macs: f * kk * p * (withDx ? 2 : 1),
    setup: (kw, batch) => {
      const geo = [c, hw, hw, f, 1, k, k, 1, 1, 1, 1, 0, 0, 0, 0, o, o, o];
      const x = kw.put(rand(batch * c * hw * hw)), w = kw.put(rand(f * kk)), y = kw.put(rand(batch * f * p)), dy = kw.put(rand(batch * f * p));
      const dx = kw.alloc(batch * c * hw * hw), dw = kw.alloc(f * kk), db = kw.alloc(f);
      const buf = kw.alloc(kw.k.convBackwardScratch(...geo) / 4);
      return (ref) => kw.k[ref ? "refConvBackward" : "f32ConvBackward"](batch, ...geo, 1, 0, 0, x, w, y, dy, withDx ? dx : 0, dw, db, buf);
    },
  };
}
function maxpoolGrad(c: number, hw: number): GradCase {
  const o = hw >> 1;
  return {
    name: `maxpool-grad 2×2/2 ${c} @${hw}²`, macs: c * o * o * 4,
    setup: (kw, batch) => {
      const x = kw.put(rand(batch * c * hw * hw)), dy = kw.put(rand(batch * c * o * o)), dx = kw.alloc(batch * c * hw * hw);
      return (ref) => kw.k[ref ? "refMaxPoolGrad" : "f32MaxPoolGrad"](batch * c, hw, hw, o, o, 2, 2, 2, 2, 1, 1, 0, 0, x, dy, dx);
    },
  };
}

// The dW-only run of conv 2 is for comparison (what dX costs); the sum is one training step's.
const GRAD_CASES: GradCase[] = [convGrad(1, 28, 20, 5, false), maxpoolGrad(20, 24), { ...convGrad(20, 12, 50, 5, false), extra: true },
  convGrad(20, 12, 50, 5, true), maxpoolGrad(50, 8)];
const gradCases = GRAD_CASES.filter((c) => c.name.includes(filter));
if (gradCases.length) {
  console.log(`\n${pad("backward (per image)", 34)} ${"MMAC".padStart(6)} ${"µs simd".padStart(9)} ${"GFLOP/s".padStart(8)} ${"µs ref".padStart(9)} ${"GFLOP/s".padStart(8)}`);
  let total = 0;
  for (const c of gradCases) {
    kw.reset();
    const fast = c.setup(kw, 64);
    const a = time(() => fast(false), c.macs * 64);
    kw.reset();
    const slow = c.setup(kw, 4);
    const b = time(() => slow(true), c.macs * 4);
    if (!c.extra) total += a.us / 64;
    console.log(`${pad(c.name, 34)} ${(c.macs / 1e6).toFixed(3).padStart(6)} ${(a.us / 64).toFixed(1).padStart(9)} ${a.gflops.toFixed(2).padStart(8)} ${(b.us / 4).toFixed(1).padStart(9)} ${b.gflops.toFixed(2).padStart(8)}`);
  }
  console.log(`${pad("sum of a training step (µs/image)", 34)} ${"".padStart(6)} ${total.toFixed(1).padStart(9)}`);
}

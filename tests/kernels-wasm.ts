// Builds assembly/kernels/test-exports.ts (every kernel + its scalar twin) with asc, apart
// from asconfig.json, and wraps the instance with a bump allocator over its memory.
// Shared by tests/kernels.test.ts, tests/grad-kernels.test.ts and bench/kernels.ts.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export type KernelExports = Record<string, (...args: number[]) => number> & {
  memory: WebAssembly.Memory;
  heapBase(): number;
};

export class KernelWasm {
  private top: number;
  constructor(readonly k: KernelExports) { this.top = k.heapBase(); }

  /** 16-aligned room for n floats; the memory grows as needed. */
  alloc(n: number): number {
    const ptr = this.top;
    this.top = (ptr + n * 4 + 15) & ~15;
    const need = this.top - this.k.memory.buffer.byteLength;
    if (need > 0) this.k.memory.grow(Math.ceil(need / 65536));
    return ptr;
  }
  put(data: ArrayLike<number>): number {
    const ptr = this.alloc(data.length);
    this.view(ptr, data.length).set(data);
    return ptr;
  }
  view(ptr: number, n: number): Float32Array { return new Float32Array(this.k.memory.buffer, ptr, n); }
  read(ptr: number, n: number): Float32Array { return this.view(ptr, n).slice(); }
  reset(): void { this.top = this.k.heapBase(); }
}

/** Compiles the kernel entry (SIMD or scalar build) and instantiates it. */
export async function buildKernels(simd: boolean): Promise<KernelWasm> {
  const dir = mkdtempSync(join(tmpdir(), "slimnet-kernels-"));
  const out = join(dir, simd ? "simd.wasm" : "scalar.wasm");
  const asc = join(root, "node_modules/assemblyscript/bin/asc.js");
  const args = [asc, join(root, "assembly/kernels/test-exports.ts"), "-o", out,
    "--runtime", "stub", "-O3", "--noAssert", "--use", "abort="];
  if (simd) args.push("--enable", "simd");
  // cwd outside the project: asc would otherwise add asconfig.json's runtime entries.
  execFileSync(process.execPath, args, { cwd: dir, stdio: ["ignore", "inherit", "inherit"] });
  const { instance } = await WebAssembly.instantiate(readFileSync(out), {});
  return new KernelWasm(instance.exports as unknown as KernelExports);
}

/** The SIMD and the scalar build. */
export const bothBuilds = (): Promise<[KernelWasm, KernelWasm]> => Promise.all([buildKernels(true), buildKernels(false)]);

// Shared by tests/kernels.test.ts and tests/grad-kernels.test.ts: seeded random shapes and data,
// the fused activations and the oracle values they are checked against.

/** Seeded random numbers in [0, 1) (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
/** One seeded stream: rand, an int in [lo, hi], a pick from xs, n floats in [-1, 1). */
export function randomKit(seed: number) {
  const rand = rng(seed);
  return {
    rand,
    int: (lo: number, hi: number) => lo + Math.floor(rand() * (hi - lo + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)],
    randn: (n: number) => Float32Array.from({ length: n }, () => rand() * 2 - 1),
  };
}
export const f32 = Math.fround;

/** A fused activation: 0 none, 1 relu, 2 clip(a, b), 3 leaky relu(a). */
export interface Act { act: number; a: number; b: number }
export const ACTS: Act[] = [{ act: 0, a: 0, b: 0 }, { act: 1, a: 0, b: 0 }, { act: 2, a: -0.3, b: 0.4 }, { act: 3, a: 0.1, b: 0 }];
export function applyAct(v: number, { act, a, b }: Act): number {
  if (act === 1) return v > 0 ? v : 0;
  if (act === 2) return Math.min(Math.max(v, f32(a)), f32(b));
  if (act === 3) return v >= 0 ? v : v * f32(a);
  return v;
}

/** Oracle values with the magnitude each was summed from. */
export interface Want { v: Float64Array; mag: Float64Array }

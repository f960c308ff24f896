// Builds assembly/kernels/test-exports.ts (every kernel + its scalar twin) with asc, apart
// from asconfig.json, and wraps the instance with a bump allocator over its memory.
// Shared by tests/kernels.test.ts and bench/kernels.ts.
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

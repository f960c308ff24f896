// Everything that depends on the engine: SIMD probing, compiling runtime.*.wasm (or the wasm2js
// build where WebAssembly does not exist), reading local files in Node, decoding UTF-8 without
// TextDecoder. Where the runtime files are is the host's business (./host.ts, replaced per
// bundle by src/runtime/hosts/*.ts in scripts/build.mjs). Node-only modules are reached through
// a dynamic import of a computed specifier, so browsers, Workers and bundlers never see `node:fs`.
import { SlimnetError } from "./errors.js";
import { jsRuntime, wasmSource } from "./host.js";

/** The raw-pointer ABI of docs/RUNTIME.md. */
export interface RuntimeExports {
  /** A WebAssembly.Memory, or wasm2js's stand-in: only `buffer` is used. */
  memory: { readonly buffer: ArrayBuffer };
  reserve(fileBytes: number): number;
  /** expand: 0 auto (also when omitted), 1 always, 2 never (docs/RUNTIME.md). */
  load(fileBytes: number, maxTensorElements: number, maxArenaBytes: number, expand?: number): number;
  plan(batch: number): number;
  run(): number;
  errorPtr(): number;
  errorLen(): number;
  inputCount(): number;
  outputCount(): number;
  inputId(i: number): number;
  outputId(i: number): number;
  tensorNamePtr(id: number): number;
  tensorNameLen(id: number): number;
  tensorRank(id: number): number;
  tensorDim(id: number, axis: number): number;
  tensorData(id: number): number;
  batchDynamic(): number;
  macs(): number;
  exitCount(): number;
  exitTensor(k: number): number;
  exitRule(k: number): number;
  exitValues(k: number): number;
  exitMacs(k: number): number;
  thresholds(): number;
  setExit(target: number, heads: number): number;
  exitTaken(): number;
  runMacs(): number;
}

export type WasmSource = WebAssembly.Module | BufferSource | URL;

/** dist/runtime.js: runtime.scalar.wasm as plain JS (wasm2js); each call is a fresh instance. */
export interface JsRuntime {
  instantiate(): RuntimeExports;
}

/** Which runtime build a load uses. */
export type Backend = "simd" | "scalar" | "js" | "custom";

// 70 bytes: v128.load, f32x4.splat, f32x4.mul, v128.const, f32x4.add, f32x4.extract_lane —
// the SIMD opcodes the kernels emit. Engines without SIMD reject it in validate().
const SIMD_PROBE = new Uint8Array([
  0, 97, 115, 109, 1, 0, 0, 0, 1, 5, 1, 96, 0, 1, 125, 3, 2, 1, 0, 5, 3, 1, 0, 1, 10, 44, 1, 42,
  0, 65, 0, 253, 0, 4, 0, 67, 0, 0, 0, 64, 253, 19, 253, 230, 1, 253, 12, 0, 0, 128, 63, 0, 0,
  128, 63, 0, 0, 128, 63, 0, 0, 128, 63, 253, 228, 1, 253, 31, 0, 11,
]);

let simdSupported: boolean | undefined;
/** True when the engine validates the SIMD opcodes runtime.simd.wasm uses. */
export function hasSimd(): boolean {
  simdSupported ??= hasWebAssembly() && WebAssembly.validate(SIMD_PROBE);
  return simdSupported;
}

const hasWebAssembly = (): boolean => typeof WebAssembly === "object";

/** `wasm` given → custom; no WebAssembly → js (wasm2js); else SIMD unless absent or `simd: false`. */
export function chooseBackend(options: { wasm?: WasmSource; simd?: boolean }): Backend {
  if (options.wasm !== undefined) return "custom";
  if (!hasWebAssembly()) {
    if (options.simd) throw new SlimnetError("simd: true was requested but this engine has no WebAssembly");
    return "js";
  }
  const simd = options.simd ?? hasSimd();
  if (simd && !hasSimd()) throw new SlimnetError("simd: true was requested but this engine has no WebAssembly SIMD");
  return simd ? "simd" : "scalar";
}

export const isNode = (): boolean =>
  typeof process === "object" && typeof process.versions?.node === "string";

export const nodeModule = <T>(name: string): Promise<T> => import(/* @vite-ignore */ name) as Promise<T>;

/** Reads a local file in Node (a path or a file: URL). */
export async function readLocalFile(path: string | URL): Promise<Uint8Array<ArrayBuffer>> {
  const fs = await nodeModule<typeof import("node:fs/promises")>("node:fs/promises");
  try {
    return new Uint8Array(await fs.readFile(path));
  } catch (e) {
    const where = path instanceof URL ? decodeURIComponent(path.pathname) : path;
    throw new SlimnetError(`cannot read ${where}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
}

/** Bytes behind a URL: file: URLs are read from disk in Node, anything else is fetched. */
export async function fetchBytes(url: URL): Promise<Uint8Array<ArrayBuffer>> {
  if (url.protocol === "file:" && isNode()) return readLocalFile(url);
  let response: Response;
  try {
    response = await fetch(url);
  } catch (e) {
    throw new SlimnetError(`cannot fetch ${url.href}: ${(e as Error).message}`);
  }
  return responseBytes(response);
}

export async function responseBytes(response: Response): Promise<Uint8Array<ArrayBuffer>> {
  if (!response.ok) {
    throw new SlimnetError(`cannot fetch ${response.url || "response"}: HTTP ${response.status} ${response.statusText}`);
  }
  return new Uint8Array(await response.arrayBuffer());
}

async function compile(source: WasmSource): Promise<WebAssembly.Module> {
  if (source instanceof WebAssembly.Module) return source;
  const bytes = source instanceof URL ? await fetchBytes(source) : source;
  try {
    return await WebAssembly.compile(bytes);
  } catch (e) {
    throw new SlimnetError(`cannot compile the slimnet runtime: ${(e as Error).message}`);
  }
}

const compiled = new Map<boolean, Promise<WebAssembly.Module>>();

/** Compiles (once per flavour) and instantiates a fresh runtime of the backend chooseBackend picks. */
export async function instantiateRuntime(options: { wasm?: WasmSource; simd?: boolean }): Promise<RuntimeExports> {
  const backend = chooseBackend(options);
  if (backend === "js") return (await jsRuntime()).instantiate();
  let module: WebAssembly.Module;
  if (options.wasm !== undefined) {
    module = await compile(options.wasm);
  } else {
    const simd = backend === "simd";
    let pending = compiled.get(simd);
    if (!pending) {
      pending = wasmSource(simd).then(compile);
      pending.catch(() => compiled.delete(simd));
      compiled.set(simd, pending);
    }
    module = await pending;
  }
  // No imports: AssemblyScript's env.abort is the module's own trap (asconfig.json `use`).
  const instance = await WebAssembly.instantiate(module, {});
  return instance.exports as unknown as RuntimeExports;
}

const utf8 = typeof TextDecoder === "function" ? new TextDecoder() : undefined;
/** UTF-8 bytes → string; engines without TextDecoder (QuickJS, IoT hosts) go through decodeURIComponent. */
export function decodeUtf8(bytes: Uint8Array): string {
  if (utf8) return utf8.decode(bytes);
  let escaped = "";
  for (const b of bytes) escaped += (b < 16 ? "%0" : "%") + b.toString(16);
  try {
    return decodeURIComponent(escaped);
  } catch {
    return String.fromCharCode(...bytes);
  }
}

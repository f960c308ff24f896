// dist/slimnet.mjs and dist/slimnet.cjs: the runtime files beside the bundle, named by literal
// `new URL("./…", import.meta.url)` so bundlers (Vite, webpack) copy them as assets; fetched in
// browsers, read from disk in Node (fetchBytes). runtime.js is imported only without WebAssembly.
import type { JsRuntime, WasmSource } from "../wasm.js";

export const wasmSource = async (simd: boolean): Promise<WasmSource> =>
  simd ? new URL("./runtime.simd.wasm", import.meta.url) : new URL("./runtime.scalar.wasm", import.meta.url);

export const jsRuntime = (): Promise<JsRuntime> => import("./runtime.js");

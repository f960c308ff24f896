// dist/slimnet.workerd.mjs: Workers forbid compiling bytes, so the SIMD runtime is imported as a
// WebAssembly.Module (wrangler and workerd's module rules turn `*.wasm` imports into Modules).
// workerd's V8 always has SIMD: the scalar and JS builds are not shipped to Workers.
import simd from "./runtime.simd.wasm";
import { SlimnetError } from "../errors.js";
import type { JsRuntime, WasmSource } from "../wasm.js";

export const wasmSource = async (wantSimd: boolean): Promise<WasmSource> => {
  if (!wantSimd) throw new SlimnetError("the Workers build ships runtime.simd.wasm only: drop simd: false");
  return simd;
};

export const jsRuntime = (): Promise<JsRuntime> =>
  Promise.reject(new SlimnetError("the Workers build needs WebAssembly (workerd has it)"));

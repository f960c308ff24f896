// dist/slimnet.iife.js (global `slimnet`, one <script>): the SIMD runtime inlined as bytes. An
// engine without SIMD fetches runtime.scalar.wasm beside the script; one without WebAssembly is
// told to use dist/slimnet.mjs, whose fallback imports runtime.js (not inlined: it is 160 KB).
import simd from "../../../dist/runtime.simd.wasm";
import { SlimnetError } from "../errors.js";
import type { JsRuntime, WasmSource } from "../wasm.js";

// Read while the script runs: document.currentScript is null once loading is over.
const script = typeof document === "object" ? (document.currentScript as HTMLScriptElement | null)?.src : undefined;

export const wasmSource = async (wantSimd: boolean): Promise<WasmSource> => {
  if (wantSimd) return simd;
  const base = script ?? (globalThis as { location?: { href: string } }).location?.href;
  if (!base) throw new SlimnetError("no SIMD here and no script URL to find runtime.scalar.wasm beside: pass options.wasm");
  return new URL("runtime.scalar.wasm", base);
};

export const jsRuntime = (): Promise<JsRuntime> =>
  Promise.reject(new SlimnetError("this engine has no WebAssembly: load dist/slimnet.mjs, which falls back to runtime.js"));

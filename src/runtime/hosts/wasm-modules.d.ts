// `import m from "./runtime.simd.wasm"`: a WebAssembly.Module in Workers (hosts/workerd.ts), the
// bytes in the IIFE (inlined as ASCII by scripts/build.mjs; hosts/iife.ts). Either is a WasmSource.
declare module "*.wasm" {
  const wasm: WebAssembly.Module | Uint8Array<ArrayBuffer>;
  export default wasm;
}

// Module types of the bundle rules in wrangler.toml.
declare module "*.wasm" {
  const module: WebAssembly.Module;
  export default module;
}
declare module "*.slim" {
  const bytes: ArrayBuffer;
  export default bytes;
}

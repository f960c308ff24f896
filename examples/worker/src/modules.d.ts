// The model file, bundled by the Data rule in wrangler.toml as an ArrayBuffer.
declare module "*.slim" {
  const bytes: ArrayBuffer;
  export default bytes;
}

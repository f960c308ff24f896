// asconfig.json "transform" entry: asc resolves a config transform path only when the file sits
// next to asconfig.json (a path with a directory loses its "./" and is looked up in
// node_modules), so this shim forwards to the transform kept with the AssemblyScript sources.
export { default } from "./assembly/transform/utf8-templates.mjs";

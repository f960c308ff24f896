// Package entry (`import { Model } from "slimnet"`): runtime side only, no compiler code.
export { Model } from "./model.js";
export type { ExitInfo, Feed, LoadOptions, ModelSource, RunOptions, RunResult, TensorInfo, TensorValue } from "./model.js";
export { hasSimd } from "./wasm.js";
export type { Backend, WasmSource } from "./wasm.js";
export { FormatError, InputError, ShapeError, SlimnetError, UnsupportedError } from "./errors.js";

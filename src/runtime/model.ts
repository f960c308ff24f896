// The public API: `await Model.load(source)`, then `model.run(feeds)` synchronously.
// One Model owns one runtime instance (its own memory and arena); the arena is re-planned only
// when the batch changes.
import { FormatError, InputError, SlimnetError, UnsupportedError } from "./errors.js";
import { chooseBackend, decodeUtf8, fetchBytes, instantiateRuntime, isNode, readLocalFile, responseBytes } from "./wasm.js";
import type { Backend, RuntimeExports, WasmSource } from "./wasm.js";

/**
 * A graph input or output. In a batch-dynamic model dim 0 is the batch and is shown as -1
 * (any batch N ≥ 1 is accepted at run time); every other dim is fixed.
 */
export interface TensorInfo {
  name: string;
  shape: number[];
  dtype: "float32";
}

export interface TensorValue {
  data: Float32Array;
  shape: number[];
}

/** A Float32Array (its length gives the batch of a batch-dynamic model) or data with its shape. */
export type Feed = Float32Array | { data: Float32Array; shape: readonly number[] };

export type ModelSource = ArrayBuffer | ArrayBufferView | URL | string | Response;

export interface LoadOptions {
  /** The runtime: a compiled module (required in Workers), its bytes, or its URL. */
  wasm?: WasmSource;
  /** Force the SIMD (true) or scalar (false) build; default: SIMD when the engine has it. */
  simd?: boolean;
  /** Largest element count of any tensor in the file (default 2^28). */
  maxTensorElements?: number;
  /** Largest arena (activations × batch + kernel scratch) in bytes (default 1 GiB). */
  maxArenaBytes?: number;
  /**
   * Codebook weights: "always" expands them to f32 at load (4× the memory of u8 indices),
   * "never" runs the lookup-table kernels on their indices, "auto" (default) follows the rule
   * of docs/RUNTIME.md.
   */
  expand?: "auto" | "always" | "never";
}

const EXPAND = ["auto", "always", "never"];

const DEFAULT_MAX_TENSOR_ELEMENTS = 2 ** 28;
const DEFAULT_MAX_ARENA_BYTES = 2 ** 30;

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const fmtShape = (shape: readonly number[]): string => `[${shape.join(",")}]`;

export class Model {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Dim 0 of every input and output may be any batch N. */
  readonly batchDynamic: boolean;
  /** Multiply-accumulates of one run at batch 1. */
  readonly macs: number;
  /** Which runtime build runs this model: "js" is the wasm2js build, for engines without WebAssembly. */
  readonly backend: Backend;

  #rt: RuntimeExports;
  #inputIds: number[];
  #outputIds: number[];
  #batch = 1;

  private constructor(rt: RuntimeExports, backend: Model["backend"]) {
    this.#rt = rt;
    this.backend = backend;
    this.batchDynamic = rt.batchDynamic() !== 0;
    this.#inputIds = Array.from({ length: rt.inputCount() }, (_, i) => rt.inputId(i));
    this.#outputIds = Array.from({ length: rt.outputCount() }, (_, i) => rt.outputId(i));
    this.macs = rt.macs();
    const info = (id: number): TensorInfo => {
      const shape = this.#shape(id);
      if (this.batchDynamic && shape.length > 0) shape[0] = -1;
      return { name: this.#name(id), shape, dtype: "float32" };
    };
    this.inputs = this.#inputIds.map(info);
    this.outputs = this.#outputIds.map(info);
  }

  /** Loads a `.slim` model from bytes, a URL (or URL string; a file path in Node) or a Response. */
  static async load(source: ModelSource, options: LoadOptions = {}): Promise<Model> {
    const maxElements = limit(options.maxTensorElements, DEFAULT_MAX_TENSOR_ELEMENTS, "maxTensorElements");
    const maxArena = limit(options.maxArenaBytes, DEFAULT_MAX_ARENA_BYTES, "maxArenaBytes");
    const expand = EXPAND.indexOf(options.expand ?? "auto");
    if (expand < 0) throw new InputError(`expand must be "auto", "always" or "never", got ${options.expand}`);
    const [bytes, rt] = await Promise.all([sourceBytes(source), instantiateRuntime(options)]);
    const ptr = rt.reserve(bytes.byteLength);
    new Uint8Array(rt.memory.buffer, ptr, bytes.byteLength).set(bytes);
    if (rt.load(bytes.byteLength, maxElements, maxArena, expand) !== 0) throw fileError(rt);
    if (rt.plan(1) !== 0) throw fileError(rt);
    return new Model(rt, chooseBackend(options));
  }

  /** Runs the model; returns a copy of every output by name. */
  run(feeds: Record<string, Feed>): Record<string, TensorValue> {
    if (feeds === null || typeof feeds !== "object") {
      throw new InputError(`run() takes an object of feeds by input name (${this.#names(this.inputs)})`);
    }
    for (const name of Object.keys(feeds)) {
      if (!this.inputs.some((t) => t.name === name)) {
        throw new InputError(`unknown input "${name}"; the model's inputs are ${this.#names(this.inputs)}`);
      }
    }
    const datas: Float32Array[] = [];
    let batch: number | undefined;
    let batchFrom = "";
    for (const input of this.inputs) {
      const feed = feeds[input.name];
      if (feed === undefined) {
        throw new InputError(`missing input "${input.name}" (shape ${fmtShape(input.shape)}); the model's inputs are ${this.#names(this.inputs)}`);
      }
      const [data, n] = this.#check(input, feed);
      if (batch !== undefined && n !== batch) {
        throw new InputError(`input "${input.name}" has batch ${n} but input "${batchFrom}" has batch ${batch}`);
      }
      batch = n;
      batchFrom = input.name;
      datas.push(data);
    }
    const rt = this.#rt;
    if (batch !== undefined && batch !== this.#batch) {
      if (rt.plan(batch) !== 0) {
        const message = `batch ${batch}: ${this.#error()}`;
        this.#batch = 0; // the plan is gone: re-plan on the next call whatever its batch
        throw new InputError(message);
      }
      this.#batch = batch;
    }
    this.#inputIds.forEach((id, i) => new Float32Array(rt.memory.buffer, rt.tensorData(id), datas[i].length).set(datas[i]));
    if (rt.run() !== 0) throw new SlimnetError(`run failed: ${this.#error()}`);
    const result: Record<string, TensorValue> = {};
    this.#outputIds.forEach((id, i) => {
      const shape = this.#shape(id);
      const data = new Float32Array(rt.memory.buffer, rt.tensorData(id), numel(shape)).slice();
      result[this.outputs[i].name] = { data, shape };
    });
    return result;
  }

  /** Validates one feed; returns its data and batch. */
  #check(input: TensorInfo, feed: Feed): [Float32Array, number] {
    const where = `input "${input.name}"`;
    const isData = feed instanceof Float32Array;
    const data = isData ? feed : feed?.data;
    if (!(data instanceof Float32Array)) {
      const got = typeof feed === "object" && feed !== null && "data" in feed ? `data of type ${describe(data)}` : describe(feed);
      throw new InputError(`${where}: expected a Float32Array or { data: Float32Array, shape }, got ${got}`);
    }
    const dynamic = this.batchDynamic && input.shape.length > 0;
    const sample = dynamic ? input.shape.slice(1) : input.shape;
    const per = numel(sample);
    if (!isData) {
      const shape = Array.from((feed as { shape: readonly number[] }).shape ?? []);
      const fixedOk = shape.length === input.shape.length &&
        shape.every((d, k) => Number.isInteger(d) && (k === 0 && dynamic ? d >= 1 : d === input.shape[k]));
      if (!fixedOk) throw new InputError(`${where}: shape ${fmtShape(shape)} does not match the model's ${fmtShape(input.shape)}`);
      if (numel(shape) !== data.length) {
        throw new InputError(`${where}: shape ${fmtShape(shape)} needs ${numel(shape)} values, got ${data.length}`);
      }
      return [data, dynamic ? shape[0] : 1];
    }
    if (!dynamic) {
      if (data.length !== per) {
        throw new InputError(`${where}: expected ${per} values (shape ${fmtShape(input.shape)}), got ${data.length}`);
      }
      return [data, 1];
    }
    if (data.length === 0 || data.length % per !== 0) {
      throw new InputError(`${where}: expected a multiple of ${per} values (N samples of shape ${fmtShape(sample)}), got ${data.length}`);
    }
    return [data, data.length / per];
  }

  #shape(id: number): number[] {
    const rt = this.#rt;
    return Array.from({ length: rt.tensorRank(id) }, (_, k) => rt.tensorDim(id, k));
  }

  #name(id: number): string {
    const rt = this.#rt;
    return decodeUtf8(new Uint8Array(rt.memory.buffer, rt.tensorNamePtr(id), rt.tensorNameLen(id)));
  }

  #error(): string {
    return runtimeMessage(this.#rt);
  }

  #names(list: readonly TensorInfo[]): string {
    return list.map((t) => `"${t.name}" ${fmtShape(t.shape)}`).join(", ");
  }
}

function runtimeMessage(rt: RuntimeExports): string {
  const text = decodeUtf8(new Uint8Array(rt.memory.buffer, rt.errorPtr(), rt.errorLen()));
  return text || "unknown runtime error";
}

// A file the runtime rejects: an encoding or op this runtime lacks is unsupported, the rest malformed.
function fileError(rt: RuntimeExports): SlimnetError {
  const message = runtimeMessage(rt);
  return /not supported/i.test(message) ? new UnsupportedError(message) : new FormatError(message);
}

function limit(value: number | undefined, fallback: number, name: string): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 1) throw new InputError(`${name} must be a positive integer, got ${value}`);
  return Math.min(value, 0xffffffff);
}

async function sourceBytes(source: ModelSource): Promise<Uint8Array> {
  if (source instanceof Uint8Array) return source;
  if (source instanceof ArrayBuffer) return new Uint8Array(source);
  if (ArrayBuffer.isView(source)) return new Uint8Array(source.buffer, source.byteOffset, source.byteLength);
  if (typeof Response === "function" && source instanceof Response) return responseBytes(source);
  if (source instanceof URL) return fetchBytes(source);
  if (typeof source === "string") {
    if (URL.canParse?.(source) && !/^[a-z]:[\\/]/i.test(source)) return fetchBytes(new URL(source));
    if (isNode()) return readLocalFile(source);
    const base = (globalThis as { location?: { href: string } }).location?.href;
    if (base) return fetchBytes(new URL(source, base));
  }
  throw new InputError(`Model.load takes bytes, a URL, a URL string or a Response, got ${describe(source)}`);
}

const describe = (v: unknown): string =>
  v === null ? "null" : typeof v === "object" ? (v as object).constructor?.name ?? "object" : typeof v;

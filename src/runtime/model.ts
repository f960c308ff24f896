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

/** An early exit of the file (docs/FORMAT.md §8), in execution order. */
export interface ExitInfo {
  /** The exit tensor (shaped like the graph output). */
  name: string;
  index: number;
  rule: "maxprob" | "entropy";
  values: "logits" | "probs";
  /** The file's threshold (f32). */
  threshold: number;
  /** MACs for one sample to reach this exit with every earlier head evaluated. */
  macs: number;
}

/** `model.run`'s second argument (docs/API.md). */
export interface RunOptions {
  /** "auto" (default): heads decide; "final": heads skipped; k: every sample stops at exit k. */
  exit?: "auto" | "final" | number;
  /** One threshold per exit for this call (stored as f32). */
  thresholds?: ArrayLike<number>;
  /** With "auto": samples stop at the latest exit whose `macs` fit this per-sample budget. */
  budgetMacs?: number;
}

/**
 * What `run` returns, seen with its non-enumerable `exit` (per sample) and `macs` (this call).
 * `run` is typed `Record<string, TensorValue>` so indexing by output name stays exact; cast to
 * this type to read the two extras in TypeScript.
 */
export type RunResult = Record<string, TensorValue> & { readonly exit: Int32Array; readonly macs: number };

const RUN_OPTIONS = ["exit", "thresholds", "budgetMacs"];

const DEFAULT_MAX_TENSOR_ELEMENTS = 2 ** 28;
const DEFAULT_MAX_ARENA_BYTES = 2 ** 30;

const numel = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
const fmtShape = (shape: readonly number[]): string => `[${shape.join(",")}]`;

export class Model {
  readonly inputs: readonly TensorInfo[];
  readonly outputs: readonly TensorInfo[];
  /** Dim 0 of every input and output may be any batch N. */
  readonly batchDynamic: boolean;
  /** Multiply-accumulates of one run at batch 1, exit heads left out (see `exits`). */
  readonly macs: number;
  /** Which runtime build runs this model: "js" is the wasm2js build, for engines without WebAssembly. */
  readonly backend: Backend;
  /** Early exits in execution order (empty for a model without them). */
  readonly exits: readonly ExitInfo[];
  /** MACs of one sample that reaches the graph output with every exit head evaluated (= `macs` without exits). */
  readonly finalMacs: number;

  #rt: RuntimeExports;
  #inputIds: number[];
  #outputIds: number[];
  #batch = 1;
  /** Output shapes at the planned batch (re-read from the runtime when the batch changes). */
  #outShapes: number[][];

  private constructor(rt: RuntimeExports, backend: Model["backend"]) {
    this.#rt = rt;
    this.backend = backend;
    this.batchDynamic = rt.batchDynamic() !== 0;
    this.#inputIds = Array.from({ length: rt.inputCount() }, (_, i) => rt.inputId(i));
    this.#outputIds = Array.from({ length: rt.outputCount() }, (_, i) => rt.outputId(i));
    this.macs = rt.macs();
    const th = new Float32Array(rt.memory.buffer, rt.thresholds(), rt.exitCount());
    this.exits = Object.freeze(Array.from({ length: rt.exitCount() }, (_, k): ExitInfo => Object.freeze({
      name: this.#name(rt.exitTensor(k)), index: k,
      rule: rt.exitRule(k) ? "entropy" : "maxprob", values: rt.exitValues(k) ? "probs" : "logits",
      threshold: th[k], macs: rt.exitMacs(k),
    })));
    this.finalMacs = rt.exitCount() ? rt.exitMacs(rt.exitCount()) : this.macs;
    const info = (id: number): TensorInfo => {
      const shape = this.#shape(id);
      if (this.batchDynamic && shape.length > 0) shape[0] = -1;
      return { name: this.#name(id), shape, dtype: "float32" };
    };
    this.inputs = this.#inputIds.map(info);
    this.outputs = this.#outputIds.map(info);
    this.#outShapes = this.#outputIds.map((id) => this.#shape(id));
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

  /** Runs the model; returns a copy of every output by name, the exit of each sample and the MACs used. */
  run(feeds: Record<string, Feed>, options: RunOptions = {}): Record<string, TensorValue> {
    const [target, heads, thresholds] = this.#exitPlan(options);
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
      this.#outShapes = this.#outputIds.map((id) => this.#shape(id));
    }
    this.#inputIds.forEach((id, i) => new Float32Array(rt.memory.buffer, rt.tensorData(id), datas[i].length).set(datas[i]));
    rt.setExit(target, heads);
    const th = thresholds && new Float32Array(rt.memory.buffer, rt.thresholds(), thresholds.length);
    th?.set(thresholds!);
    try {
      if (rt.run() !== 0) throw new SlimnetError(`run failed: ${this.#error()}`);
    } finally {
      th?.set(this.exits.map((e) => e.threshold));
    }
    const result: Record<string, TensorValue> = {};
    this.#outputIds.forEach((id, i) => {
      const shape = this.#outShapes[i];
      const data = new Float32Array(rt.memory.buffer, rt.tensorData(id), numel(shape)).slice();
      result[this.outputs[i].name] = { data, shape: shape.slice() };
    });
    // Non-enumerable, so `for (name in result)` sees outputs only; an output of that name wins.
    const extra: PropertyDescriptorMap = {};
    if (!("exit" in result)) extra.exit = { value: new Int32Array(rt.memory.buffer, rt.exitTaken(), this.#batch).slice() };
    if (!("macs" in result)) extra.macs = { value: rt.runMacs() };
    return Object.defineProperties(result, extra);
  }

  /** Validates run options: [setExit target, heads on, thresholds for this call or undefined]. */
  #exitPlan(options: RunOptions): [number, number, number[] | undefined] {
    if (options === null || typeof options !== "object") throw new InputError(`run() options must be an object, got ${describe(options)}`);
    for (const key of Object.keys(options)) {
      if (!RUN_OPTIONS.includes(key)) throw new InputError(`unknown run option "${key}"; the options are ${RUN_OPTIONS.join(", ")}`);
    }
    const exits = this.exits, n = exits.length, { exit = "auto", thresholds, budgetMacs } = options;
    if (!n && ((exit !== "auto" && exit !== "final" && exit !== 0) || thresholds !== undefined || budgetMacs !== undefined)) {
      throw new InputError(`this model has no early exits: thresholds and budgetMacs must be left out and exit be "auto" or "final" (got ${JSON.stringify(options)})`);
    }
    let th: number[] | undefined;
    if (thresholds !== undefined) {
      th = typeof thresholds === "object" && thresholds !== null && typeof thresholds.length === "number" ? Array.from(thresholds) : [];
      if (th.length !== n) throw new InputError(`thresholds: expected ${n} numbers (one per exit), got ${describe(thresholds)}${th.length ? ` of length ${th.length}` : ""}`);
      th.forEach((v, k) => {
        const ok = typeof v === "number" && Number.isFinite(v) && v >= 0 && (exits[k].rule === "entropy" || v <= 1);
        if (!ok) throw new InputError(`thresholds[${k}] (exit "${exits[k].name}", ${exits[k].rule}) must be ${exits[k].rule === "entropy" ? "a finite number ≥ 0" : "in [0, 1]"}, got ${v}`);
      });
    }
    if (typeof exit === "number") {
      if (!Number.isInteger(exit) || exit < 0 || exit > n) throw new InputError(`exit ${exit} is not an exit index 0..${n - 1} (or ${n}, the graph output)`);
    } else if (exit !== "auto" && exit !== "final") throw new InputError(`exit must be "auto", "final" or an exit index, got ${JSON.stringify(exit)}`);
    if (budgetMacs !== undefined) {
      if (exit !== "auto") throw new InputError(`budgetMacs needs exit "auto", got exit ${JSON.stringify(exit)}`);
      if (typeof budgetMacs !== "number" || Number.isNaN(budgetMacs)) throw new InputError(`budgetMacs must be a number, got ${describe(budgetMacs)}`);
      if (budgetMacs < exits[0].macs) throw new InputError(`budgetMacs ${budgetMacs} is below the cheapest exit's cost (exit 0 "${exits[0].name}": ${exits[0].macs} MACs)`);
      let k = 0;
      while (k < n && (k + 1 < n ? exits[k + 1].macs : this.#rt.exitMacs(n)) <= budgetMacs) k++;
      return [k, 1, th];
    }
    return exit === "auto" ? [n, 1, th] : [exit === "final" ? n : exit, 0, th];
  }

  /** Validates one feed; returns its data and batch. */
  #check(input: TensorInfo, feed: Feed): [Float32Array, number] {
    const where = `input "${input.name}"`;
    const isData = isF32(feed);
    const data = isData ? feed : feed?.data;
    if (!isF32(data)) {
      const plain = typeof feed === "object" && feed !== null && !Array.isArray(feed) && !ArrayBuffer.isView(feed);
      const got = plain ? ("data" in feed ? `data of type ${describe(data)}` : "an object without data") : describe(feed);
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

/** A Float32Array, also one from another realm (a vm context, an iframe). */
const isF32 = (v: unknown): v is Float32Array => v instanceof Float32Array || Object.prototype.toString.call(v) === "[object Float32Array]";

const describe = (v: unknown): string =>
  v === null ? "null" : typeof v === "object" ? (v as object).constructor?.name ?? "object" : typeof v;

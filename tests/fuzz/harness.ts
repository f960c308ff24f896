// The fuzz harness (issue 9 part 2): case `index` of layer L under seed S is a pure function of
// (S, L, index). Layers: "bytes" (random bytes, random sections behind a valid table), "mutate"
// (structure-aware mutations of a valid file of every encoding, CRCs re-computed), "inputs"
// (valid models fed hostile inputs). A case passes when each side ends in a result or a
// SlimnetError within TIME_BOUND_MS; anything else (RuntimeError, RangeError, TypeError, a hang)
// is a failure. For file layers the TypeScript verifier (readSlim) and the runtime (Model.load +
// run) both judge the file; accepting on one side and rejecting on the other is a divergence.
import { readSlim } from "../../src/format/reader.js";
import { Model, SlimnetError, UnsupportedError, type Feed } from "../../src/runtime/index.js";
import { corpus, type Seed } from "./corpus.js";
import { caseRng, type Rand } from "./prng.js";
import { mutate, randomBytes } from "./mutate.js";

export const LAYERS = ["bytes", "mutate", "inputs"] as const;
export type Layer = (typeof LAYERS)[number];
export const TIME_BOUND_MS = 2000;

/** "result", an error class name (FormatError, InputError, …) or "FAIL". */
export type Verdict = string;

export interface Outcome {
  layer: Layer;
  seed: number;
  index: number;
  /** What the runtime side ended in ("result" or the error class). */
  runtime: Verdict;
  /** What the TypeScript verifier said (file layers). */
  ts?: Verdict;
  /** Non-empty when the case failed: why. */
  failure?: string;
  /** ts and runtime disagree on accepting the file (not a failure of the case by itself). */
  divergence?: string;
  what: string[];
  ms: number;
  /** The file of a file-layer case (kept as a regression fixture when it fails or diverges). */
  bytes?: Uint8Array;
}

const classOf = (e: unknown): Verdict => (e instanceof SlimnetError ? e.name : "FAIL");
const describe = (e: unknown): string => (e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e));

/** A valid feed of `model` (batch 1, values from r). */
export function feedsOf(model: Model, r: () => number): Record<string, Float32Array> {
  const feeds: Record<string, Float32Array> = {};
  for (const t of model.inputs) {
    const n = t.shape.reduce((a, d) => a * Math.max(d, 1), 1);
    feeds[t.name] = Float32Array.from({ length: n }, () => r() * 2 - 1);
  }
  return feeds;
}

/** Limits of a file case: tight limits most of the time so hostile sizes fail fast. */
function limitsOf(r: Rand) {
  return r.chance(0.8) ? { maxTensorElements: 1 << 20, maxArenaBytes: 1 << 24 } : {};
}

/** Judges one file on both sides. */
export async function judgeFile(bytes: Uint8Array, limits: { maxTensorElements?: number; maxArenaBytes?: number }, r: () => number) {
  let ts: Verdict, tsMsg = "";
  try {
    readSlim(bytes, limits);
    ts = "result";
  } catch (e) {
    ts = classOf(e);
    tsMsg = describe(e);
  }
  let runtime: Verdict, rtMsg = "", loaded = false;
  try {
    const model = await Model.load(bytes, limits);
    loaded = true;
    const out = model.run(feedsOf(model, r));
    for (const [name, v] of Object.entries(out)) {
      if (!(v.data instanceof Float32Array) || v.data.length !== v.shape.reduce((a, b) => a * b, 1)) throw new Error(`output ${name} has a bad length`);
    }
    runtime = "result";
  } catch (e) {
    runtime = classOf(e);
    rtMsg = describe(e);
  }
  let failure: string | undefined, divergence: string | undefined;
  if (ts === "FAIL") failure = `TS verifier threw ${tsMsg}`;
  if (runtime === "FAIL") failure = (failure ? failure + "; " : "") + `runtime ${loaded ? "run" : "load"} threw ${rtMsg}`;
  const tsOk = ts === "result";
  // The runtime may lack an op or a layout the verifier accepts: an UnsupportedError is no divergence.
  // FORMAT.md §3.5 end: only the TypeScript reader rejects a repeated tensor name (the IR keys
  // tensors by name; the runtime works by id), so that is no divergence either.
  // An arena the limits allow but the engine cannot allocate (e.g. 1 GiB at the default limit)
  // is the host's refusal, not the file's: the runtime says "out of memory".
  const documented = (tsOk && runtime === UnsupportedError.name) || (!tsOk && loaded && / repeats the name /.test(tsMsg)) ||
    (tsOk && /out of memory/.test(rtMsg));
  if (!failure && tsOk !== loaded && !documented) {
    divergence = tsOk ? `TS accepts, runtime rejects: ${rtMsg}` : `runtime accepts, TS rejects: ${tsMsg}`;
  }
  return { ts, runtime, failure, divergence };
}

// ---- layer (c): hostile inputs on valid models ----

interface Loaded { seed: Seed; model: Model; tight: Model; ref: Record<string, Float32Array>; want: Float32Array[] }
const loadedCache = new Map<string, Promise<Loaded>>();
function loadedOf(seed: Seed): Promise<Loaded> {
  let p = loadedCache.get(seed.name);
  if (!p) {
    p = (async () => {
      const model = await Model.load(seed.bytes);
      const tight = await Model.load(seed.bytes, { maxArenaBytes: 1 << 17 });
      let s = 1;
      const ref = feedsOf(model, () => ((s = (s * 16807) % 2147483647) / 2147483647));
      const want = Object.values(model.run(ref)).map((v) => v.data);
      return { seed, model, tight, ref, want };
    })();
    loadedCache.set(seed.name, p);
  }
  return p;
}

const SPECIALS = [NaN, Infinity, -Infinity, -0, 1e-45, 3.4e38, -3.4e38, 1e30];

/** A hostile feed set for `m` (and whether a result is allowed). */
function hostileFeeds(m: Model, r: Rand, what: string[]): unknown {
  const input = m.inputs[0], name = input.name;
  const dynamic = m.batchDynamic;
  const per = input.shape.reduce((a, d) => a * Math.max(d, 1), 1);
  const good = (n = per) => Float32Array.from({ length: n }, () => r.rand() * 2 - 1);
  const k = r.int(0, 13);
  switch (k) {
    case 0: { const v = r.pick([null, undefined, 42, "x", true, [], new Float32Array(per), () => 0, Symbol("s")]); what.push(`feeds = ${String(typeof v === "symbol" ? "symbol" : v)}`); return v; }
    case 1: what.push("unknown extra name"); return { [name]: good(), [r.pick(["y", "", "__proto__", "constructor", name + " "])]: good() };
    case 2: what.push("missing input"); return r.chance(0.5) ? {} : { [name.toUpperCase() + "_"]: good() };
    case 3: {
      const v = r.pick([new Float64Array(per), Array.from(good()), new Int32Array(per), new Uint8Array(per * 4), null, undefined, "abc", 7, { data: new Float64Array(per), shape: input.shape },
        { data: null, shape: [1] }, { shape: input.shape }, new DataView(new ArrayBuffer(per * 4))]);
      what.push(`wrong type ${Object.prototype.toString.call(v)}`);
      return { [name]: v };
    }
    case 4: { const n = r.pick([per - 1, per + 1, 0, 1, per * 2 + 1, per >> 1]); what.push(`length ${n} (per sample ${per})`); return { [name]: good(Math.max(0, n)) }; }
    case 5: {
      const shape = [...input.shape].map((d) => (d < 0 ? 1 : d));
      const j = r.int(0, shape.length - 1);
      const bad = r.pick([0, -1, 1.5, NaN, Infinity, 2 ** 31, 2 ** 53, shape[j] + 1, "3" as unknown as number]);
      shape[j] = bad;
      if (r.chance(0.3)) shape.push(1);
      what.push(`shape [${shape}]`);
      return { [name]: { data: good(), shape } };
    }
    case 6: case 7: { // NaN / ±Inf / extremes: a result
      const d = good();
      const fillAll = r.chance(0.3);
      for (let i = 0; i < d.length; i++) if (fillAll || r.chance(0.1)) d[i] = r.pick(SPECIALS);
      what.push(`specials (${fillAll ? "all" : "some"})`);
      return { [name]: d };
    }
    case 8: { // batch 0
      what.push("batch 0");
      return { [name]: r.chance(0.5) ? new Float32Array(0) : { data: new Float32Array(0), shape: [0, ...input.shape.slice(1)] } };
    }
    case 9: { // huge batch by shape with little data
      const n = r.pick([2 ** 20, 2 ** 31, 2 ** 32 + 1, 1e12]);
      what.push(`batch ${n} by shape`);
      return { [name]: { data: good(), shape: [n, ...input.shape.slice(1)] } };
    }
    case 10: case 11: { // real batches, some beyond maxArenaBytes of the tight model
      const n = r.pick([2, 3, 7, 64, 300, 1000, 2500]);
      what.push(`batch ${n}`);
      return r.chance(0.5) ? { [name]: good(per * n) } : { [name]: { data: good(per * n), shape: [n, ...input.shape.slice(1)] } };
    }
    case 12: { // offset views and shared memory
      const big = new Float32Array(per + 8), sab = new Float32Array(new SharedArrayBuffer(per * 4));
      sab.set(good());
      what.push("subarray / shared");
      return { [name]: r.chance(0.5) ? big.subarray(3, 3 + per) : sab };
    }
    default: { // a getter that throws, a proxy
      what.push("throwing getter");
      return Object.defineProperty({}, name, { enumerable: true, get() { throw new TypeError("hostile getter"); } });
    }
  }
}

async function inputsCase(r: Rand, what: string[]): Promise<Pick<Outcome, "runtime" | "failure">> {
  const seeds = corpus();
  const l = await loadedOf(r.pick(seeds));
  what.push(l.seed.name);
  const useTight = r.chance(0.4);
  const m = useTight ? l.tight : l.model;
  if (useTight) what.push("maxArenaBytes 128 KiB");
  const feeds = hostileFeeds(m, r, what);
  let runtime: Verdict, failure: string | undefined;
  try {
    const out = m.run(feeds as Record<string, Feed>);
    for (const v of Object.values(out)) if (v.data.length !== v.shape.reduce((a, b) => a * b, 1)) throw new Error("output length");
    runtime = "result";
  } catch (e) {
    runtime = classOf(e);
    // a hostile getter's own TypeError propagates: that is the caller's exception, not ours
    if (runtime === "FAIL" && !(e instanceof TypeError && e.message === "hostile getter")) failure = `run threw ${describe(e)}`;
    else if (runtime === "FAIL") runtime = "caller's exception";
  }
  // The model still works and gives the same numbers afterwards.
  try {
    const again = Object.values(m.run(l.ref)).map((v) => v.data);
    again.forEach((d, i) => {
      if (!d.every((x, j) => Object.is(x, l.want[i][j]))) throw new Error(`output ${i} differs from the baseline after the hostile run`);
    });
  } catch (e) {
    failure = (failure ? failure + "; " : "") + `valid run afterwards: ${describe(e)}`;
  }
  return { runtime, failure };
}

/**
 * Runs case `index` of `layer` under `seed`. A case over the time bound runs once more and keeps
 * the faster time: on a loaded machine a GC or scheduling stall can pass 2 s once, a hang every time.
 */
export async function runCase(seed: number, layer: Layer, index: number): Promise<Outcome> {
  const o = await runOnce(seed, layer, index);
  if (o.ms <= TIME_BOUND_MS) return o;
  const again = await runOnce(seed, layer, index);
  if (again.ms <= TIME_BOUND_MS) again.what.push(`(first run took ${o.ms.toFixed(0)} ms)`);
  return again;
}

async function runOnce(seed: number, layer: Layer, index: number): Promise<Outcome> {
  const r = caseRng(seed, LAYERS.indexOf(layer), index);
  const what: string[] = [];
  const t0 = performance.now();
  let o: Outcome;
  if (layer === "inputs") {
    const res = await inputsCase(r, what);
    o = { layer, seed, index, ...res, what, ms: 0 };
  } else {
    const s = r.pick(corpus());
    what.push(s.name);
    const m = layer === "bytes" ? randomBytes(s.bytes, r) : mutate(s.bytes, r);
    what.push(...m.what);
    const res = await judgeFile(m.bytes, limitsOf(r), r.rand);
    o = { layer, seed, index, ...res, what, ms: 0, bytes: m.bytes };
  }
  o.ms = performance.now() - t0;
  if (o.ms > TIME_BOUND_MS) o.failure = (o.failure ? o.failure + "; " : "") + `took ${o.ms.toFixed(0)} ms (bound ${TIME_BOUND_MS})`;
  return o;
}

/** How to re-run one case from the command line. */
export const rerun = (o: Pick<Outcome, "seed" | "layer" | "index">): string =>
  `npm run fuzz -- --seed ${o.seed} --layer ${o.layer} --case ${o.index}`;

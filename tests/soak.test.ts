// Soak and isolation, fast versions (issue 9 part 4; `npm run soak` is the long form):
// repeated batch-1 runs keep wasm memory flat and results identical; load/release cycles free
// their runtimes; two models in one process never share or corrupt each other's arena
// (interleaved runs = isolated runs, bit for bit); a failed load or a failed run leaves the
// models already loaded working.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { importOnnx } from "../src/import/onnx.js";
import { writeSlim } from "../src/format/writer.js";
import { FormatError, InputError, Model } from "../src/runtime/index.js";
import { fixCrcs, sectionOffset } from "./helpers/slim-bytes.js";

// Runtime memories, held weakly: instantiate is read at call time by src/runtime/wasm.ts.
const memories: WeakRef<WebAssembly.Memory>[] = [];
const instantiate = WebAssembly.instantiate;
(WebAssembly as unknown as { instantiate: unknown }).instantiate = async (source: unknown, imports?: WebAssembly.Imports) => {
  const result = await (instantiate as (s: unknown, i?: WebAssembly.Imports) => Promise<WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource>)(source, imports);
  const mem = (result instanceof WebAssembly.Instance ? result : result.instance).exports.memory;
  if (mem instanceof WebAssembly.Memory) memories.push(new WeakRef(mem));
  return result;
};
setFlagsFromString("--expose-gc");
const gc = runInNewContext("gc") as () => void;
const liveMemories = () => { gc(); return memories.filter((w) => w.deref()).length; };

const slim = (name: string) => writeSlim(importOnnx(readFileSync(new URL(`../data/models/${name}.onnx`, import.meta.url))));
const lenet300 = slim("lenet300"), lenet5 = slim("lenet5");

function inputOf(m: Model, batch: number, salt: number): Float32Array {
  const per = m.inputs[0].shape.reduce((a, d) => a * Math.max(d, 1), 1);
  return Float32Array.from({ length: per * batch }, (_, i) => Math.abs(Math.sin(i * 0.37 + salt)));
}
const out = (m: Model, x: Float32Array) => Object.values(m.run({ [m.inputs[0].name]: x }))[0].data;
const same = (a: Float32Array, b: Float32Array) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]));

test("20,000 batch-1 runs: wasm memory flat, last result identical to the first", async () => {
  const m = await Model.load(lenet300);
  const mem = memories[memories.length - 1].deref()!;
  const x = inputOf(m, 1, 1), first = out(m, x);
  for (let i = 0; i < 100; i++) out(m, x);
  const before = mem.buffer.byteLength;
  let last = first;
  for (let i = 0; i < 20_000; i++) last = out(m, x);
  assert.equal(mem.buffer.byteLength, before, "wasm memory grew");
  assert.ok(same(last, first));
});

test("30 models loaded, run and dropped: the runtimes are collected, the heap does not grow", async () => {
  const x = new Float32Array(784).fill(0.5);
  const warm = await Model.load(lenet300);
  const want = out(warm, x);
  const live0 = liveMemories(), heap0 = process.memoryUsage().heapUsed;
  for (let k = 0; k < 30; k++) {
    const m = await Model.load(lenet300);
    assert.ok(same(out(m, x), want));
  }
  await new Promise((r) => setTimeout(r, 10));
  const live = liveMemories(), heap = process.memoryUsage().heapUsed;
  assert.ok(live - live0 <= 3, `${live - live0} of 30 dropped runtimes still alive`);
  assert.ok(heap - heap0 < 8 * 2 ** 20, `heap grew ${heap - heap0} bytes`);
  assert.ok(same(out(warm, x), want));
});

test("two models (and two instances of one) interleaved give the isolated results bit for bit", async () => {
  const a = await Model.load(lenet300), b = await Model.load(lenet5), c = await Model.load(lenet300);
  const batches = [1, 3, 1, 2, 5, 1];
  // isolated: a fresh model per (model, step)
  const isolated = async (bytes: Uint8Array, step: number, salt: number) => {
    const m = await Model.load(bytes);
    return out(m, inputOf(m, m.batchDynamic ? batches[step] : 1, salt));
  };
  for (let step = 0; step < batches.length; step++) {
    const n = (m: Model) => (m.batchDynamic ? batches[step] : 1);
    const ya = out(a, inputOf(a, n(a), step));
    const yb = out(b, inputOf(b, n(b), 100 + step));
    const yc = out(c, inputOf(c, n(c), 200 + step));
    const ya2 = out(a, inputOf(a, n(a), step)); // a again after b and c ran
    assert.ok(same(ya, await isolated(lenet300, step, step)), `step ${step}: model a`);
    assert.ok(same(yb, await isolated(lenet5, step, 100 + step)), `step ${step}: model b`);
    assert.ok(same(yc, await isolated(lenet300, step, 200 + step)), `step ${step}: model c`);
    assert.ok(same(ya2, ya), `step ${step}: a changed after b and c ran`);
  }
});

test("a failed load or a failed run leaves the loaded models working", async () => {
  const a = await Model.load(lenet300), b = await Model.load(lenet5);
  const xa = inputOf(a, 1, 7), xb = inputOf(b, 1, 8);
  const ya = out(a, xa), yb = out(b, xb);
  const corrupt = lenet5.slice();
  corrupt[sectionOffset(corrupt, "TENS") + 4 + 48 + 6] = 9; // tensor 1 rank 9
  fixCrcs(corrupt);
  await assert.rejects(Model.load(corrupt), (e) => e instanceof FormatError && /rank 9/.test(e.message));
  await assert.rejects(Model.load(lenet300.subarray(0, 1000)), FormatError);
  await assert.rejects(Model.load(lenet300, { maxArenaBytes: 64 }), FormatError);
  assert.throws(() => a.run({ [a.inputs[0].name]: new Float32Array(3) }), InputError);
  assert.throws(() => b.run({ nope: xb }), InputError);
  assert.ok(same(out(a, xa), ya), "model a after the failures");
  assert.ok(same(out(b, xb), yb), "model b after the failures");
});

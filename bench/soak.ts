// npm run soak -- [--runs 1000000] [--models 100] [--model lenet300|lenet5]
// Issue 9 part 4, long form (tests/soak.test.ts is the fast version run in CI):
// 1. `runs` batch-1 inferences on one model: wasm memory and process RSS / JS heap before and
//    after, and the output of the last run equal to the first (same input);
// 2. `models` models loaded, run once and dropped in a loop: RSS / heap / live wasm memories
//    every 10 loads (after a GC), and how many runtimes the GC actually collected.
// Not in CI: it takes minutes. Needs --expose-gc (the npm script passes it).
import { readFileSync } from "node:fs";
import { importOnnx } from "../src/import/onnx.js";
import { writeSlim } from "../src/format/writer.js";

// Remember every runtime memory weakly, so the loop below can count live ones without keeping them.
const memories: WeakRef<WebAssembly.Memory>[] = [];
const collected = { instances: 0 };
const registry = new FinalizationRegistry(() => { collected.instances++; });
const instantiate = WebAssembly.instantiate;
(WebAssembly as unknown as { instantiate: unknown }).instantiate = async (source: unknown, imports?: WebAssembly.Imports) => {
  const result = await (instantiate as (s: unknown, i?: WebAssembly.Imports) => Promise<WebAssembly.Instance | WebAssembly.WebAssemblyInstantiatedSource>)(source, imports);
  const instance = result instanceof WebAssembly.Instance ? result : result.instance;
  const mem = instance.exports.memory;
  if (mem instanceof WebAssembly.Memory) { memories.push(new WeakRef(mem)); registry.register(instance, 0); }
  return result;
};
const { Model } = await import("../src/runtime/index.js");

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
}
const runs = Number(arg("runs", "1000000"));
const loads = Number(arg("models", "100"));
const which = arg("model", "lenet300");
const gc = (globalThis as { gc?: () => void }).gc ?? (() => { throw new Error("run with --expose-gc (npm run soak does)"); });

const MB = (n: number) => (n / 2 ** 20).toFixed(1) + " MB";
const snapshot = () => {
  gc();
  const m = process.memoryUsage();
  const live = memories.map((w) => w.deref()).filter((x): x is WebAssembly.Memory => !!x);
  return { rss: m.rss, heap: m.heapUsed, external: m.external, wasm: live.reduce((s, x) => s + x.buffer.byteLength, 0), liveMemories: live.length };
};

const bytes = writeSlim(importOnnx(readFileSync(new URL(`../data/models/${which}.onnx`, import.meta.url))));
const model = await Model.load(bytes);
const input = model.inputs[0];
const x = Float32Array.from({ length: input.shape.reduce((a, d) => a * Math.max(d, 1), 1) }, (_, i) => Math.sin(i) * 0.5 + 0.5);
const feeds = { [input.name]: x };
const first = Object.values(model.run(feeds))[0].data;
for (let i = 0; i < 1000; i++) model.run(feeds); // warm-up: JIT, arena planned
const before = snapshot();
console.log(`soak: ${runs.toLocaleString("en-US")} batch-1 runs of ${which} (${bytes.length} bytes .slim, ${model.backend})`);
console.log(`before: wasm ${MB(before.wasm)}, rss ${MB(before.rss)}, heap ${MB(before.heap)}`);
const t0 = performance.now();
let last = first;
for (let i = 1; i <= runs; i++) {
  last = Object.values(model.run(feeds))[0].data;
  if (i % 100_000 === 0) {
    const m = process.memoryUsage();
    process.stderr.write(`\r  ${i.toLocaleString("en-US")} runs, ${((performance.now() - t0) / i * 1000).toFixed(1)} µs/run, rss ${MB(m.rss)}   `);
  }
}
process.stderr.write("\n");
const after = snapshot();
const same = last.every((v, i) => Object.is(v, first[i]));
console.log(`after:  wasm ${MB(after.wasm)}, rss ${MB(after.rss)}, heap ${MB(after.heap)}  (${((performance.now() - t0) / 1000).toFixed(1)} s)`);
console.log(`wasm memory growth ${after.wasm - before.wasm} bytes; last output ${same ? "identical to" : "DIFFERS from"} the first`);

console.log(`\nload/release: ${loads} loads of ${which}, each run once then dropped`);
const start = snapshot();
console.log(`start: rss ${MB(start.rss)}, heap ${MB(start.heap)}, live runtime memories ${start.liveMemories}`);
const rows: string[] = [];
for (let k = 1; k <= loads; k++) {
  const m = await Model.load(bytes);
  m.run(feeds);
  if (k % 10 === 0) {
    await new Promise((r) => setTimeout(r, 0));
    const s = snapshot();
    rows.push(`  ${String(k).padStart(4)} loads: rss ${MB(s.rss)}, heap ${MB(s.heap)}, live runtime memories ${s.liveMemories} (${MB(s.wasm)}), collected so far ${collected.instances}`);
  }
}
console.log(rows.join("\n"));
await new Promise((r) => setTimeout(r, 50));
const end = snapshot();
console.log(`end:   rss ${MB(end.rss)} (${end.rss >= start.rss ? "+" : ""}${MB(end.rss - start.rss)}), heap ${MB(end.heap)} (${end.heap >= start.heap ? "+" : ""}${MB(end.heap - start.heap)}), live runtime memories ${end.liveMemories}, runtimes collected ${collected.instances}`);
process.exit(same && after.wasm === before.wasm ? 0 : 1);

// One fresh process per measurement: `node --expose-gc bench/out/child.mjs PEER MODEL MODE
// BUDGET_MS WARMUP_MS` (run.ts bundles this file first). MODE "load" opens the runtime and runs once; "full" also times batch 1 and
// batch 64 and returns the outputs. Prints one JSON line (ChildResult) on stdout.
import { installWasmMemoryHook, wasmMemoryBytes } from "./wasm-memory.js";
import { BATCH, benchInput, prepareModel } from "./models.js";
import { loadPeer, type PeerName } from "./peers/peer.js";
import { timeRuns, type Timing } from "./stats.js";

export interface ChildResult {
  /** open() = import the runtime + compile its wasm + create the session. */
  openMs: number;
  firstRunMs: number;
  /** Linear memory of every wasm instance the runtime created, after the last run. */
  wasmBytes: number;
  /** Largest RSS sampled (each after a GC) after the first run and each batch size, minus RSS
   *  (after a GC) before the runtime was imported: what the runtime keeps, not its garbage. */
  rssDeltaBytes: number;
  batch1?: Timing;
  batch64?: Timing & { perSecond: number };
  out1?: number[];
  out64?: number[];
}

const [peerName, modelKey, mode, budget, warmup] = process.argv.slice(2);
installWasmMemoryHook();
const model = await prepareModel(modelKey);
const peer = await loadPeer(peerName as PeerName);
const x1 = benchInput(model, 1);
const shape1 = model.inputShape;
const x64 = benchInput(model, BATCH);
const shape64 = [shape1[0] * BATCH, ...shape1.slice(1)];

const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rss0 = process.memoryUsage().rss;
let rssPeak = rss0;
const sampleRss = (): void => {
  gc?.();
  rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
};
const t0 = performance.now();
const session = await peer.open(model);
const t1 = performance.now();
const first = await session.run(x1, shape1);
const t2 = performance.now();
sampleRss();

const result: ChildResult = { openMs: t1 - t0, firstRunMs: t2 - t1, wasmBytes: 0, rssDeltaBytes: 0 };
if (mode === "full") {
  const budgetMs = Number(budget);
  result.out1 = Array.from(first);
  // Batch 1 warms up first and long enough for V8 to optimise the hot wasm; batch 64 reuses it.
  result.batch1 = await timeRuns(session, x1, shape1, budgetMs, 20, Number(warmup));
  sampleRss();
  result.out64 = Array.from(await session.run(x64, shape64));
  sampleRss();
  const t64 = await timeRuns(session, x64, shape64, budgetMs, 5, 0);
  result.batch64 = { ...t64, perSecond: BATCH / (t64.medianMs / 1000) };
} else {
  await session.run(x64, shape64);
}
sampleRss();
result.wasmBytes = wasmMemoryBytes();
result.rssDeltaBytes = rssPeak - rss0;
await session.close();
process.stdout.write(JSON.stringify(result) + "\n");

// Worker of `npm run fuzz` (tests/fuzz/cli.ts): runs cases [from, to) of one layer, publishing
// the case in progress in shared memory (so the parent can spot a hang and name the case) and
// posting every outcome's verdict; failures and divergences come with their details.
import { parentPort, workerData } from "node:worker_threads";
import { runCase, type Layer } from "./harness.js";

const { seed, layer, from, to, shared } = workerData as { seed: number; layer: Layer; from: number; to: number; shared: SharedArrayBuffer };
const progress = new Int32Array(shared);
const batch: [string, string | undefined][] = [];
for (let i = from; i < to; i++) {
  Atomics.store(progress, 0, i);
  const o = await runCase(seed, layer, i);
  batch.push([o.failure ? "FAIL" : o.runtime, o.ts]);
  if (o.failure || o.divergence) parentPort!.postMessage({ type: "finding", outcome: { ...o, bytes: o.bytes && Array.from(o.bytes) } });
  if (batch.length >= 200 || i === to - 1) parentPort!.postMessage({ type: "verdicts", list: batch.splice(0) });
  Atomics.store(progress, 1, i + 1 - from);
}
parentPort!.postMessage({ type: "done" });

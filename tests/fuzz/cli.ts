// npm run fuzz -- [--cases N] [--seed S] [--layer bytes|mutate|inputs] [--case I]
// Runs N cases per layer (default 100,000 over the three layers: N/3 each unless --layer) in a
// worker with a watchdog: a case still running after HANG_MS is a hang (the worker is killed,
// the case recorded, the run goes on after it). Prints a progress bar and a summary table;
// every failure or divergence is saved under tests/fixtures/fuzz/ (file + note) with the
// command that re-runs it. --case I runs that one case in-process and prints its outcome.
import { Worker } from "node:worker_threads";
import { mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";
import { LAYERS, rerun, runCase, type Layer, type Outcome } from "./harness.js";

const HANG_MS = 15_000;
const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, "../fixtures/fuzz");

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}
const seed = Number(arg("seed") ?? 1);
const total = Number(arg("cases") ?? 100_000);
const only = arg("layer") as Layer | undefined;
if (only && !LAYERS.includes(only)) { console.error(`--layer must be one of ${LAYERS.join(", ")}`); process.exit(2); }
if (!Number.isInteger(seed) || !Number.isInteger(total) || total < 1) { console.error("--seed and --cases take integers (cases ≥ 1)"); process.exit(2); }

if (arg("case") !== undefined) {
  const o = await runCase(seed, only ?? "mutate", Number(arg("case")));
  console.log(JSON.stringify({ ...o, bytes: o.bytes && `${o.bytes.length} bytes` }, null, 2));
  process.exit(o.failure ? 1 : 0);
}

const layers = only ? [only] : [...LAYERS];
const per = Math.ceil(total / layers.length);
const findings: Outcome[] = [];
const table = new Map<Layer, Map<string, number>>();
const bump = (l: Layer, k: string) => { const m = table.get(l) ?? new Map(); m.set(k, (m.get(k) ?? 0) + 1); table.set(l, m); };

function save(o: Outcome): void {
  mkdirSync(fixtures, { recursive: true });
  const base = join(fixtures, `${o.layer}-s${o.seed}-c${o.index}`);
  if (o.bytes) writeFileSync(`${base}.slim`, o.bytes);
  writeFileSync(`${base}.txt`, [
    `layer ${o.layer}, seed ${o.seed}, case ${o.index}`,
    o.failure ? `failure: ${o.failure}` : `divergence: ${o.divergence}`,
    `mutation: ${o.what.join(" | ")}`,
    `re-run: ${rerun(o)}`, "",
  ].join("\n"));
}

function runRange(layer: Layer, from: number, to: number, onTick: (done: number) => void): Promise<number> {
  // resolves with the index to resume at (to when finished)
  return new Promise((resolve) => {
    const shared = new SharedArrayBuffer(8), progress = new Int32Array(shared);
    Atomics.store(progress, 0, from);
    const w = new Worker(join(here, "worker-boot.mjs"), { workerData: { seed, layer, from, to, shared } });
    let last = from, since = Date.now();
    const timer = setInterval(() => {
      const cur = Atomics.load(progress, 0);
      onTick(Atomics.load(progress, 1));
      if (cur !== last) { last = cur; since = Date.now(); return; }
      if (Date.now() - since > HANG_MS) {
        clearInterval(timer);
        void w.terminate();
        const o: Outcome = { layer, seed, index: cur, runtime: "FAIL", failure: `hang: no result after ${HANG_MS} ms`, what: [], ms: HANG_MS };
        findings.push(o); bump(layer, "FAIL"); save(o);
        resolve(cur + 1);
      }
    }, 250);
    w.on("message", (m) => {
      if (m.type === "verdicts") for (const [rt, ts] of m.list as [string, string | undefined][]) bump(layer, ts ? `${ts === "result" ? "accept" : "reject"}→${rt}` : rt);
      if (m.type === "finding") {
        const o = { ...m.outcome, bytes: m.outcome.bytes && Uint8Array.from(m.outcome.bytes) } as Outcome;
        findings.push(o);
        if (o.divergence && !o.failure) bump(layer, "divergence");
        save(o);
      }
      if (m.type === "done") { clearInterval(timer); void w.terminate(); resolve(to); }
    });
    w.on("error", (e) => {
      clearInterval(timer);
      const cur = Atomics.load(progress, 0);
      if (Atomics.load(progress, 1) === 0 && cur === from && from === 0) { console.error(`\nthe fuzz worker could not start: ${e.message}`); process.exit(2); }
      const o: Outcome = { layer, seed, index: cur, runtime: "FAIL", failure: `worker died: ${e.message}`, what: [], ms: 0 };
      findings.push(o); bump(layer, "FAIL"); save(o);
      resolve(cur + 1);
    });
  });
}

const t0 = Date.now();
let doneBefore = 0;
const bar = (done: number) => {
  const all = per * layers.length, frac = done / all, width = 40;
  const secs = (Date.now() - t0) / 1000;
  process.stderr.write(`\r[${"#".repeat(Math.round(frac * width)).padEnd(width, ".")}] ${done}/${all} ` +
    `${(done / Math.max(secs, 1e-3)).toFixed(0)}/s  findings ${findings.length}  `);
};
for (const layer of layers) {
  let at = 0;
  while (at < per) {
    const base = doneBefore;
    const start = at;
    at = await runRange(layer, at, per, (d) => bar(base + d));
    doneBefore = base + (at - start);
  }
}
process.stderr.write("\n");

const secs = (Date.now() - t0) / 1000;
console.log(`\nseed ${seed}, ${per * layers.length} cases in ${secs.toFixed(0)} s`);
const keys = [...new Set([...table.values()].flatMap((m) => [...m.keys()]))].sort();
console.log(["layer", "cases", ...keys].join("\t"));
for (const l of layers) {
  const m = table.get(l) ?? new Map();
  console.log([l, per, ...keys.map((k) => m.get(k) ?? 0)].join("\t"));
}
console.log("(file layers: verifier verdict → runtime verdict; FAIL = crash, non-Slimnet error, hang or > 2 s)");
for (const o of findings.slice(0, 30)) console.log(`${o.failure ? "FAIL" : "DIVERGENCE"} ${o.layer} case ${o.index}: ${o.failure ?? o.divergence}\n   ${o.what.join(" | ")}\n   ${rerun(o)}`);
process.exit(findings.some((o) => o.failure) ? 1 : 0);

// npm run bench [-- --quick] [-- --json] [-- --models mlp,lenet5] [-- --peers slimnet,ort]:
// slimnet vs onnxruntime-web vs tfjs-backend-wasm on the zoo models, same weights and inputs.
// Every number comes from fresh child processes (bench/child.ts), one at a time, so runtimes
// never share a heap or a core. Progress on stderr; the Markdown table (or --json) on stdout;
// results.json, results.md and results.svg are written to bench/ by a full run (the committed
// record; results.json is gitignored) and to bench/out/ by --quick or a subset.
import { execFileSync, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { gzipSync } from "node:zlib";
import { bundleChild, bundleSlimnet, CHILD_BUNDLE, OUT, ROOT } from "./bundle.js";
import type { ChildResult } from "./child.js";
import { BATCH, DOWNLOAD_GOAL_BYTES, MODEL_KEYS, modelGoals, modelLabel, modelParent } from "./models.js";
import { loadPeer, PEER_NAMES, type PeerName } from "./peers/peer.js";
import { median } from "./stats.js";
import { markdown, type Cell, type Results } from "./report.js";
import { svgChart } from "./chart.js";

const { values: opts } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    models: { type: "string", default: MODEL_KEYS.join(",") },
    peers: { type: "string", default: PEER_NAMES.join(",") },
  },
});
const models = opts.models!.split(",");
const peers = opts.peers!.split(",") as PeerName[];
for (const p of peers) if (!PEER_NAMES.includes(p)) throw new Error(`--peers: unknown peer "${p}" (${PEER_NAMES.join(", ")})`);
for (const m of models) if (!MODEL_KEYS.includes(m)) throw new Error(`--models: unknown model "${m}" (${MODEL_KEYS.join(", ")})`);

/** Fresh processes per (model, runtime) for load-to-first-result; the last TIMED also time. */
const LOADS = opts.quick ? 1 : 5;
const TIMED = opts.quick ? 1 : 3;
/** Time budget of each timing loop (batch 1, batch 64) in a timing process. */
const BUDGET_MS = opts.quick ? 300 : 1000;
/** Least warm-up before batch-1 timing (see bench/stats.ts). */
const WARMUP_MS = opts.quick ? 1000 : 2000;

const CHILD_TIMEOUT_MS = 120_000;

const log = (msg: string): void => void process.stderr.write(msg + "\n");

function child(peer: PeerName, model: string, mode: "load" | "full"): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const args = ["--expose-gc", CHILD_BUNDLE, peer, model, mode, String(BUDGET_MS), String(WARMUP_MS)];
    // A hung runtime becomes an error cell, not a hung benchmark.
    const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], timeout: CHILD_TIMEOUT_MS });
    let out = "";
    let err = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.stderr.on("data", (d) => (err += d));
    proc.on("close", (code, signal) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code === 0 && line.startsWith("{")) resolve(JSON.parse(line) as ChildResult);
      else reject(new Error(`${peer} on ${model} (${mode}) ${signal ? `was killed (${signal}) after ${CHILD_TIMEOUT_MS / 1000} s` : `exited with ${code}`}: ${lastLines(err || out)}`));
    });
  });
}

const lastLines = (text: string): string => text.trim().split("\n").filter((l) => l.trim()).slice(-4).join(" | ");

async function download(peer: PeerName): Promise<Results["download"][string]> {
  const files = (await loadPeer(peer)).downloadFiles().map((path) => {
    const bytes = readFileSync(path);
    return { file: path.slice(path.lastIndexOf("/") + 1), bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length };
  });
  return { files, gzip: files.reduce((s, f) => s + f.gzip, 0) };
}

const maxAbsDiff = (a: number[] | undefined, b: number[] | undefined): number | undefined => {
  if (!a || !b) return undefined;
  if (a.length !== b.length) return Infinity;
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);
};

const started = Date.now();
await bundleChild();
if (peers.includes("slimnet")) await bundleSlimnet();
const results: Results = {
  date: new Date().toISOString(),
  machine: `${cpus()[0]?.model ?? "?"} (${cpus().length} cores), Node ${process.versions.node}`,
  loadAverage: [loadavg()[0]],
  commit: gitCommit(),
  quick: opts.quick!,
  settings: { loads: LOADS, timed: TIMED, budgetMs: BUDGET_MS, warmupMs: WARMUP_MS, batch: BATCH },
  peers: Object.fromEntries(await Promise.all(peers.map(async (p) => [p, (await loadPeer(p)).label]))),
  download: {},
  downloadGoalBytes: DOWNLOAD_GOAL_BYTES,
  models: {},
};
for (const p of peers) results.download[p] = await download(p);

// Runtimes take turns, round after round, so a burst of other work on the machine hits them
// alike; the last TIMED rounds also time, and each timing is the median over those rounds.
for (const m of models) {
  const cells: Results["models"][string] = { label: modelLabel(m), goals: modelGoals(m), parent: modelParent(m), peers: {} };
  results.models[m] = cells;
  const done: Partial<Record<PeerName, ChildResult[]>> = {};
  const failed = new Set<PeerName>();
  for (let round = 1; round <= LOADS; round++) {
    const mode = round > LOADS - TIMED ? "full" : "load";
    for (const p of peers) {
      if (failed.has(p)) continue;
      log(`${m} · ${p}: fresh process ${round}/${LOADS}${mode === "full" ? ` + timing (${BUDGET_MS} ms per batch size)` : ""}`);
      try {
        (done[p] ??= []).push(await child(p, m, mode));
      } catch (e) {
        log(`  ✗ ${(e as Error).message}`);
        cells.peers[p] = { error: (e as Error).message };
        failed.add(p);
      }
    }
  }
  for (const p of peers) {
    const runs = done[p];
    if (failed.has(p) || !runs) continue;
    const timed = runs.filter((r) => r.batch1 && r.batch64);
    const mid = (f: (r: ChildResult) => number): number => median(timed.map(f));
    const loads = runs.map((r) => r.openMs + r.firstRunMs);
    cells.peers[p] = {
      loadMs: median(loads),
      loadRunsMs: loads,
      firstRunMs: median(runs.map((r) => r.firstRunMs)),
      batch1: { medianMs: mid((r) => r.batch1!.medianMs), p90Ms: mid((r) => r.batch1!.p90Ms), iterations: mid((r) => r.batch1!.iterations), warmupMs: mid((r) => r.batch1!.warmupMs) },
      batch64: {
        medianMs: mid((r) => r.batch64!.medianMs), p90Ms: mid((r) => r.batch64!.p90Ms), iterations: mid((r) => r.batch64!.iterations),
        warmupMs: mid((r) => r.batch64!.warmupMs), perSecond: mid((r) => r.batch64!.perSecond),
      },
      batch1RunsMs: timed.map((r) => r.batch1!.medianMs),
      wasmBytes: mid((r) => r.wasmBytes),
      rssDeltaBytes: mid((r) => r.rssDeltaBytes),
    };
    const c = cells.peers[p] as Cell;
    log(`${m} · ${p}: load ${c.loadMs.toFixed(1)} ms · batch 1 ${c.batch1.medianMs.toFixed(3)} ms · ${Math.round(c.batch64.perSecond)} inf/s at batch ${BATCH}`);
  }
  // Outputs are deterministic per runtime: compare the last timed run of each with ORT's.
  const last = (p: PeerName): ChildResult | undefined => done[p]?.filter((r) => r.out1).pop();
  const ref = last("ort");
  for (const p of peers) {
    const cell = cells.peers[p];
    const r = last(p);
    if (!cell || "error" in cell || !r || !ref) continue;
    const d1 = maxAbsDiff(r.out1, ref.out1);
    const d64 = maxAbsDiff(r.out64, ref.out64);
    if (d1 !== undefined && d64 !== undefined) cell.maxAbsDiff = Math.max(d1, d64);
  }
}
results.seconds = Math.round((Date.now() - started) / 1000);
results.loadAverage.push(loadavg()[0]);

// Only a full run replaces the committed record (bench/results.md, .svg); others go to bench/out/.
const full = !opts.quick && models.length === MODEL_KEYS.length && peers.length === PEER_NAMES.length;
const dir = full ? `${ROOT}bench/` : OUT;
const md = markdown(results);
writeFileSync(`${dir}results.json`, JSON.stringify(results, null, 2) + "\n");
writeFileSync(`${dir}results.md`, md);
writeFileSync(`${dir}results.svg`, svgChart(results));
process.stdout.write(opts.json ? JSON.stringify(results, null, 2) + "\n" : md);
log(`done in ${results.seconds} s; wrote ${dir.slice(ROOT.length)}results.md, results.svg and results.json`);

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "?";
  }
}

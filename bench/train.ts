// npm run bench [-- --quick] [-- --json] (after bench/run.ts, with the same arguments), or alone:
// npm run bench:train [-- --quick] [-- --json] [-- --models lenet300,lenet5] [-- --runners slimnet,tfjs-cpu,tfjs-wasm]
// (--models also takes run.ts's keys: mlp = lenet300, mobilenet is skipped; run.ts's --peers is ignored.)
// Training throughput, one thread, real MNIST batches: slimnet's Trainer over dist/trainer.wasm
// vs TensorFlow.js 4.22 on its cpu and wasm backends, same zoo weights, batch 64, SGD momentum
// 0.9, lr 0.01, mean softmax cross-entropy. Every number comes from a fresh child process
// (bench/train/child.ts, bundled by esbuild), one at a time. Progress on stderr; the Markdown
// table (or --json) on stdout; a full run writes bench/train-results.md (committed) and
// bench/out/train-results.json, other runs write both to bench/out/.
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { OUT, ROOT } from "./bundle.js";
import { median } from "./stats.js";
import { BATCH, CHECK_STEPS, EPOCH, LR, MOMENTUM, RUNNERS, TRAIN_MODELS, type Runner, type TrainChildResult, type TrainModel } from "./train/config.js";
import { trainMarkdown, type TrainCell, type TrainResults } from "./train/report.js";

const { values: opts } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
    models: { type: "string" },
    runners: { type: "string", default: RUNNERS.join(",") },
    // bench/run.ts's option: `npm run bench -- --peers …` passes it to both benchmarks.
    peers: { type: "string" },
  },
});
/** Inference-bench model keys `npm run bench -- --models …` may pass: mlp is LeNet-300-100. */
const ALIAS: Record<string, TrainModel | null> = { mlp: "lenet300", mobilenet: null };
const asked = opts.models?.split(",") ?? [...TRAIN_MODELS];
for (const m of asked) if (!TRAIN_MODELS.includes(m as TrainModel) && !(m in ALIAS)) throw new Error(`--models: unknown model "${m}" (${TRAIN_MODELS.join(", ")})`);
const models = [...new Set(asked.map((m) => (m in ALIAS ? ALIAS[m] : (m as TrainModel))).filter((m): m is TrainModel => m !== null))];
const runners = opts.runners!.split(",") as Runner[];
for (const r of runners) if (!RUNNERS.includes(r)) throw new Error(`--runners: unknown runner "${r}" (${RUNNERS.join(", ")})`);
if (models.length === 0) {
  process.stderr.write(`training benchmark: nothing to do for --models ${opts.models} (it trains ${TRAIN_MODELS.join(", ")})\n`);
  process.exit(0);
}
const quick = opts.quick!;

/** How one cell is measured: processes, warm-up steps, timing budget, least/most timed steps. */
interface Plan {
  processes: number;
  /** Steps whose losses are recorded for the cross-check (they warm up too). */
  check: number;
  warmup: number;
  budgetMs: number;
  minSteps: number;
  maxSteps: number;
}

/** tfjs-cpu trains LeNet-5 at ~1 sample/s (about a minute per step): one process, the check
 *  steps are its warm-up, then 2 timed steps (--quick: 1 check step, 1 timed step). */
const SLOW: Partial<Record<`${Runner}/${TrainModel}`, Plan>> = {
  "tfjs-cpu/lenet5": quick
    ? { processes: 1, check: 1, warmup: 0, budgetMs: 0, minSteps: 1, maxSteps: 1 }
    : { processes: 1, check: CHECK_STEPS, warmup: 0, budgetMs: 0, minSteps: 2, maxSteps: 2 },
};
const plan = (r: Runner, m: TrainModel): Plan =>
  SLOW[`${r}/${m}`] ?? (quick
    ? { processes: 1, check: CHECK_STEPS, warmup: 5, budgetMs: 1000, minSteps: 5, maxSteps: 100_000 }
    : { processes: 3, check: CHECK_STEPS, warmup: 20, budgetMs: 4000, minSteps: 10, maxSteps: 100_000 });

const CHILD = `${OUT}train-child.mjs`;
const log = (msg: string): void => void process.stderr.write(msg + "\n");

/** The child as one ESM file; packages stay imports, except tfjs-core's gradient registrations. */
async function bundleTrainChild(): Promise<void> {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [`${ROOT}bench/train/child.ts`],
    outfile: CHILD,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    logLevel: "warning",
    plugins: [{
      // tfjs-core's Node build (dist/tf-core.node.js) registers no gradients (the @tensorflow/tfjs
      // union package does, and it is not installed). Its ESM sources use extension-less imports
      // Node cannot load, so register_all_gradients and what it imports are bundled; that copy
      // shares the engine and the gradient registry with the Node build through tfjs's globals.
      name: "externals-but-tfjs-gradients",
      setup(build) {
        build.onResolve({ filter: /^[^./]/ }, (a) => (a.path.startsWith("@tensorflow/tfjs-core/dist/") ? undefined : { path: a.path, external: true }));
      },
    }],
  });
}

function child(r: Runner, m: TrainModel, p: Plan): Promise<TrainChildResult> {
  const timeoutMs = r === "tfjs-cpu" && m === "lenet5" ? 1_800_000 : 300_000;
  return new Promise((resolve, reject) => {
    const args = [CHILD, r, m, String(p.budgetMs), String(p.check), String(p.warmup), String(p.minSteps), String(p.maxSteps)];
    const proc = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let out = "", err = "";
    proc.stdout.on("data", (d) => (out += d));
    proc.stderr.on("data", (d) => (err += d));
    proc.on("close", (code, signal) => {
      const line = out.trim().split("\n").pop() ?? "";
      if (code === 0 && line.startsWith("{")) resolve(JSON.parse(line) as TrainChildResult);
      else reject(new Error(signal ? `killed (${signal}) after ${timeoutMs / 1000} s` : `exited with ${code}: ${firstError(err || out)}`));
    });
  });
}

/** The thrown message of a failed child (emscripten prints its whole JS source before it). */
const firstError = (text: string): string => {
  const m = /^(?:\w*Error|Error)[^\n]*$/m.exec(text);
  return (m?.[0] ?? text.trim().split("\n").filter((l) => l.trim() && l.length < 400).slice(-2).join(" | ")).slice(0, 300);
};

const started = Date.now();
mkdirSync(OUT, { recursive: true });
await bundleTrainChild();
const results: TrainResults = {
  date: new Date().toISOString(),
  machine: `${cpus()[0]?.model ?? "?"} (${cpus().length} cores), Node ${process.versions.node}`,
  loadAverage: [loadavg()[0]],
  commit: gitCommit(),
  quick,
  settings: { batch: BATCH, lr: LR, momentum: MOMENTUM, checkSteps: CHECK_STEPS, epoch: EPOCH },
  models: {},
};
for (const m of models) {
  const cells: Partial<Record<Runner, TrainCell>> = {};
  results.models[m] = cells;
  const runs: Partial<Record<Runner, TrainChildResult[]>> = {};
  const loads: Partial<Record<Runner, number[]>> = {};
  const rounds = Math.max(...runners.map((r) => plan(r, m).processes));
  // Runners take turns, round after round, so a burst of other load hits them alike.
  for (let round = 1; round <= rounds; round++) {
    for (const r of runners) {
      const p = plan(r, m);
      if (round > p.processes || cells[r]) continue;
      log(`${m} · ${r}: process ${round}/${p.processes} (${p.check} check + ${p.warmup} warm-up steps, then ${p.budgetMs ? `${p.budgetMs} ms and ≥ ${p.minSteps} steps` : `${p.minSteps} steps`})`);
      try {
        const load = loadavg()[0];
        const res = await child(r, m, p);
        (runs[r] ??= []).push(res);
        (loads[r] ??= []).push(load);
        log(`  ${Math.round(res.samplesPerSecond).toLocaleString("en-US")} samples/s over ${res.steps} steps (${res.seconds.toFixed(1)} s); first loss ${res.checkLosses[0].toFixed(6)}`);
      } catch (e) {
        const msg = (e as Error).message;
        log(`  ✗ ${msg}`);
        cells[r] = { error: msg };
      }
    }
  }
  for (const r of runners) {
    const rs = runs[r];
    if (cells[r] || !rs?.length) continue;
    cells[r] = {
      samplesPerSecond: median(rs.map((x) => x.samplesPerSecond)),
      runsSamplesPerSecond: rs.map((x) => x.samplesPerSecond),
      stepMs: median(rs.map((x) => median(x.stepMs))),
      steps: rs.map((x) => x.steps),
      warmupSteps: rs[0].warmupSteps,
      checkLosses: rs[0].checkLosses,
      checkSpread: Math.max(0, ...rs.flatMap((x) => x.checkLosses.map((l, i) => Math.abs(l - rs[0].checkLosses[i])))),
      timedLoss: rs[rs.length - 1].timedLoss,
      setupMs: median(rs.map((x) => x.setupMs)),
      loadAverages: loads[r] ?? [],
    };
  }
}
results.seconds = Math.round((Date.now() - started) / 1000);
results.loadAverage.push(loadavg()[0]);

const full = !quick && models.length === TRAIN_MODELS.length && runners.length === RUNNERS.length;
const md = trainMarkdown(results);
writeFileSync(`${OUT}train-results.json`, JSON.stringify(results, null, 2) + "\n");
writeFileSync(full ? `${ROOT}bench/train-results.md` : `${OUT}train-results.md`, md);
process.stdout.write(opts.json ? JSON.stringify(results, null, 2) + "\n" : md);
log(`done in ${results.seconds} s; wrote ${full ? "bench/train-results.md" : "bench/out/train-results.md"} and bench/out/train-results.json`);

function gitCommit(): string {
  try {
    return execFileSync("git", ["rev-parse", "--short", "HEAD"], { cwd: ROOT, encoding: "utf8" }).trim();
  } catch {
    return "?";
  }
}

// The shape of bench/out/train-results.json and its Markdown rendering (bench/train-results.md).
import { RUNNERS, type Runner, type TrainModel } from "./config.js";

export interface TrainCellOk {
  /** Median over the processes of (64 × timed steps ÷ their wall time). */
  samplesPerSecond: number;
  runsSamplesPerSecond: number[];
  /** Median over the processes of each one's median step time. */
  stepMs: number;
  /** Timed steps per process. */
  steps: number[];
  warmupSteps: number;
  /** Losses of the first steps (first process); checkSpread = largest difference between processes. */
  checkLosses: number[];
  checkSpread: number;
  /** Mean loss over the timed steps of the last process. */
  timedLoss: number;
  setupMs: number;
  /** 1-minute load average when each process started. */
  loadAverages: number[];
}
export type TrainCell = TrainCellOk | { error: string };

export interface TrainResults {
  date: string;
  machine: string;
  commit: string;
  /** 1-minute load average at the start and the end. */
  loadAverage: number[];
  quick: boolean;
  settings: { batch: number; lr: number; momentum: number; checkSteps: number; epoch: number };
  models: Partial<Record<TrainModel, Partial<Record<Runner, TrainCell>>>>;
  seconds?: number;
}

const LABEL: Record<TrainModel, string> = {
  lenet300: "LeNet-300-100 (784-300-100-10, 266,610 parameters)",
  lenet5: "LeNet-5, Caffe / Deep Compression (conv5×5·20, pool, conv5×5·50, pool, fc 500, fc 10; 431,080 parameters)",
};
/** Issue 3's goals (slimnet ÷ peer) and DESIGN.md's (samples/s). */
const GOALS: Record<TrainModel, { ratio?: [Runner, number]; perSecond: number }> = {
  lenet300: { ratio: ["tfjs-wasm", 1], perSecond: 5000 },
  lenet5: { ratio: ["tfjs-cpu", 10], perSecond: 700 },
};
const NAMES: Record<Runner, string> = { slimnet: "slimnet", "tfjs-cpu": "tfjs-cpu", "tfjs-wasm": "tfjs-wasm" };

const group = (x: number, digits = 0): string => x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const rate = (x: number): string => (x < 10 ? group(x, 2) : x < 100 ? group(x, 1) : group(x));
const ms = (x: number): string => (x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : group(x));
const duration = (s: number): string =>
  s < 60 ? `${s.toFixed(1)} s` : s < 3600 ? `${Math.floor(s / 60)} min ${Math.round(s % 60)} s` : `${Math.floor(s / 3600)} h ${Math.round((s % 3600) / 60)} min`;
const ratioText = (x: number): string => `${x < 10 ? x.toFixed(2) : x < 100 ? x.toFixed(1) : group(x)}×`;
const exp = (x: number): string => (x === 0 ? "0" : x.toExponential(1));

export function trainMarkdown(r: TrainResults): string {
  const out: string[] = [`# slimnet training benchmark${r.quick ? " (--quick)" : ""}`, ""];
  const load = r.loadAverage.map((l) => l.toFixed(1)).join(" → ");
  out.push(`${r.date.slice(0, 16).replace("T", " ")} UTC · commit ${r.commit} · ${r.machine} · 1-min load average ${load} at start → end (each process uses one core; a load above ~1 means other work shared the machine) · ${r.seconds ?? "?"} s`, "");
  const s = r.settings;
  out.push(
    `One thread, batch ${s.batch} of real MNIST training images (a seeded shuffle; 32 batches cycled), SGD with heavy-ball momentum ${s.momentum} ` +
      `(v ← ${s.momentum}·v + g, w ← w − lr·v), lr ${s.lr}, no weight decay, mean softmax cross-entropy; the same seeded zoo weights in every runner.`,
    "",
    "- **slimnet**: `Trainer.step` (src/train) over dist/trainer.wasm: forward (the runtime's kernels), loss, backward, SGD, all in wasm.",
    "- **tfjs-cpu**: @tensorflow/tfjs-core 4.22 + tfjs-backend-cpu (plain JS, one thread).",
    "- **tfjs-wasm**: @tensorflow/tfjs-core 4.22 + tfjs-backend-wasm (SIMD, `setThreadsCount(1)`).",
    "- tfjs runs the graph as tfjs-layers would (tfjs-layers is not installed): `tf.variable` weights (Dense kernel [in, out], Conv2D kernel [kh, kw, C, F], NHWC), `tf.fused.matMul` / `tf.fused.conv2d` with bias and ReLU, `tf.maxPool`, `tf.losses.softmaxCrossEntropy`, `tf.train.momentum(...).minimize` (bench/train/tfjs-model.ts). A tfjs step includes making the batch's tensors and reading the loss back; a slimnet step includes copying the batch into wasm memory and returning the loss.",
    "",
  );

  for (const [key, cells] of Object.entries(r.models) as [TrainModel, Partial<Record<Runner, TrainCell>>][]) {
    const runners = RUNNERS.filter((x) => x in cells);
    const ok = (x: Runner): TrainCellOk | undefined => {
      const c = cells[x];
      return c && !("error" in c) ? c : undefined;
    };
    const others = runners.filter((x) => x !== "slimnet");
    const head = ["", ...runners.map((x) => NAMES[x]), ...others.map((x) => `slimnet ÷ ${NAMES[x]}`), "goal"];
    const line = (cells: string[]): string => `| ${cells.join(" | ")} |`;
    const sn = ok("slimnet");
    const goal = GOALS[key];
    const cellOf = (x: Runner, f: (c: TrainCellOk) => string): string => {
      const c = cells[x];
      return !c ? "—" : "error" in c ? "not run (see below)" : f(c);
    };
    const ratioOf = (x: Runner, f: (c: TrainCellOk) => number, inverse = false): string => {
      const a = sn, b = ok(x);
      return a && b ? ratioText(inverse ? f(b) / f(a) : f(a) / f(b)) : "—";
    };
    const ref = sn?.checkLosses;
    const lossDiff = (c: TrainCellOk): number | undefined =>
      ref ? Math.max(...c.checkLosses.map((l, i) => Math.abs(l - ref[i]))) : undefined;
    const goalText = (): string => {
      const parts: string[] = [];
      if (goal.ratio) {
        const b = ok(goal.ratio[0]);
        const met = sn && b ? sn.samplesPerSecond / b.samplesPerSecond >= goal.ratio[1] : undefined;
        parts.push(`≥ ${goal.ratio[1]}× ${NAMES[goal.ratio[0]]}${met === undefined ? "" : met ? " ✓" : " ✗"}`);
      }
      parts.push(`≥ ${group(goal.perSecond)} samples/s${sn ? (sn.samplesPerSecond >= goal.perSecond ? " ✓" : " ✗") : ""}`);
      return parts.join("; ");
    };
    const rows: string[][] = [
      ["samples/s", ...runners.map((x) => cellOf(x, (c) => rate(c.samplesPerSecond))), ...others.map((x) => ratioOf(x, (c) => c.samplesPerSecond)), goalText()],
      ["ms per step (median)", ...runners.map((x) => cellOf(x, (c) => ms(c.stepMs))), ...others.map(() => ""), ""],
      [`time per epoch (${group(s.epoch)} samples)`, ...runners.map((x) => cellOf(x, (c) => duration(s.epoch / c.samplesPerSecond))), ...others.map(() => ""), ""],
      ["samples/s of each process", ...runners.map((x) => cellOf(x, (c) => c.runsSamplesPerSecond.map((v) => rate(v)).join(", "))), ...others.map(() => ""), ""],
      ["timed steps per process (after check + warm-up steps)", ...runners.map((x) => cellOf(x, (c) => `${c.steps.join(", ")} (after ${c.checkLosses.length} + ${c.warmupSteps})`)), ...others.map(() => ""), ""],
      ["load average at each process start", ...runners.map((x) => cellOf(x, (c) => c.loadAverages.map((v) => v.toFixed(1)).join(", "))), ...others.map(() => ""), ""],
      ["loss of step 1 (initial weights)", ...runners.map((x) => cellOf(x, (c) => c.checkLosses[0].toFixed(6))), ...others.map(() => ""), ""],
      ["max \\|Δ loss\\| vs slimnet over the check steps", ...runners.map((x) => cellOf(x, (c) => (x === "slimnet" ? "—" : `${exp(lossDiff(c) ?? NaN)} (steps 1–${c.checkLosses.length})`))), ...others.map(() => ""), "≤ 1e-4"],
    ];
    out.push(`## ${LABEL[key]}`, "", line([key, ...head.slice(1)]), line(head.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(line), "");
    for (const x of runners) {
      const c = cells[x];
      if (c && "error" in c) out.push(`- ${NAMES[x]} did not train ${key}: ${c.error}`);
    }
    if (runners.some((x) => cells[x] && "error" in cells[x]!)) out.push("");
  }

  out.push("## How each number is taken", "");
  out.push(
    "- Every cell is a fresh `node` process (the harness bundled by esbuild, bench/train/child.ts), one at a time; the runners take turns round after round so a burst of other load hits them alike.",
    `- Each process: loads MNIST, builds the zoo model (seed 1), runs ${s.checkSteps} steps whose losses are recorded (step 1 is the loss of the initial weights on batch 1; steps 2–${s.checkSteps} check that the optimizers agree), then the warm-up steps, then times steps one by one until the budget has passed and the least number of steps is reached. ` +
      "samples/s = 64 × timed steps ÷ their wall time; the table shows the median over the processes; time per epoch is 60,000 ÷ samples/s.",
    "- tfjs-cpu on LeNet-5 takes about a minute per step, so it runs in one process only: its check steps are its warm-up, then only 2 steps are timed (`--quick`: 1 check step, 1 timed step); the step count is in the table.",
    "- tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter kernel, so it cannot train LeNet-5; the run still tries and shows tfjs's error.",
    "- max |Δ loss|: the same weights and batches in f32 give losses within ~1e-6; a larger gap would mean the runners train different functions.",
    "",
    "Run `npm run bench` (both benchmarks; a full run rewrites bench/train-results.md), or `node --import tsx bench/train.ts` alone; `-- --quick` for a short run, `-- --json` for JSON on stdout, `--models lenet300 --runners slimnet,tfjs-wasm` for a subset (quick and subset runs write to bench/out/).",
    "",
  );
  return out.join("\n");
}

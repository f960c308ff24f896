// The shape of bench/results.json and its Markdown rendering (bench/results.md, stdout).
import type { Goals } from "./models.js";
import type { PeerName } from "./peers/peer.js";
import type { Timing } from "./stats.js";

export interface Cell {
  /** Median load-to-first-result over `loadRunsMs` (each a fresh process). */
  loadMs: number;
  loadRunsMs: number[];
  /** Median of the first (cold) batch-1 run alone, part of loadMs. */
  firstRunMs: number;
  /** Each field is the median over the timing processes. */
  batch1: Timing;
  batch64: Timing & { perSecond: number };
  /** Batch-1 median of each timing process (the spread shows how noisy the machine was). */
  batch1RunsMs: number[];
  wasmBytes: number;
  rssDeltaBytes: number;
  /** Max |output − onnxruntime-web output| over the batch-1 and batch-64 outputs. */
  maxAbsDiff?: number;
}

export interface Results {
  date: string;
  machine: string;
  commit: string;
  /** 1-minute load average at the start and the end: other work on the machine skews timings. */
  loadAverage: number[];
  quick: boolean;
  settings: { loads: number; timed: number; budgetMs: number; warmupMs: number; batch: number };
  peers: Partial<Record<PeerName, string>>;
  download: Record<string, { files: { file: string; bytes: number; gzip: number }[]; gzip: number }>;
  downloadGoalBytes: number;
  models: Record<string, { label: string; goals: Goals; parent?: string; peers: Partial<Record<PeerName, Cell | { error: string }>> }>;
  seconds?: number;
}

/** Column and legend names. */
export const NAMES: Record<PeerName, string> = { slimnet: "slimnet", ort: "ORT-web", tfjs: "tfjs-wasm" };

const group = (x: number, digits: number): string =>
  x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
const ms = (x: number): string => (x < 10 ? x.toFixed(3) : x < 100 ? x.toFixed(2) : group(x, 0));
const kb = (bytes: number): string => `${group(bytes / 1024, bytes < 100 * 1024 ? 2 : 0)} KB`;
const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const ratio = (a: number | undefined, b: number | undefined): string =>
  a === undefined || b === undefined || !(b > 0) ? "—" : `${a / b < 0.1 ? (a / b).toFixed(3) : (a / b).toFixed(2)}×`;

interface Row {
  label: string;
  value(c: Cell): number | undefined;
  show(x: number): string;
  /** slimnet's goal for this row and whether lower (times, bytes) or higher is better. */
  goal?: (g: Goals) => number | undefined;
  higher?: boolean;
}

/** "≤ 5 ✓" / "≥ 40,000 ✗": the goal and whether slimnet's value meets it. */
const goalCell = (value: number | undefined, goal: number | undefined, higher: boolean, unit = ""): string =>
  goal === undefined ? "" : `${higher ? "≥" : "≤"} ${goal.toLocaleString("en-US")}${unit}${value === undefined ? "" : (higher ? value >= goal : value <= goal) ? " ✓" : " ✗"}`;

const ROWS: Row[] = [
  { label: "load → first result, ms", value: (c) => c.loadMs, show: ms, goal: (g) => g.loadMs },
  { label: "↳ of which the cold first run, ms", value: (c) => c.firstRunMs, show: ms },
  { label: "batch 1, median ms", value: (c) => c.batch1.medianMs, show: ms, goal: (g) => g.batch1Ms },
  { label: "batch 1, p90 ms", value: (c) => c.batch1.p90Ms, show: ms },
  { label: "batch 64, inferences/s", value: (c) => c.batch64.perSecond, show: (x) => group(x, 0), goal: (g) => g.perSecond, higher: true },
  { label: "wasm memory", value: (c) => c.wasmBytes, show: kb },
  { label: "RSS growth", value: (c) => c.rssDeltaBytes, show: mb },
  { label: "max abs diff vs ORT", value: (c) => c.maxAbsDiff, show: (x) => (x === 0 ? "0" : x.toExponential(1)) },
];

const cellOf = (r: Results, model: string | undefined, p: PeerName): Cell | undefined => {
  const c = model === undefined ? undefined : r.models[model]?.peers[p];
  return c && !("error" in c) ? c : undefined;
};

/** Compressed models against their dense parent in slimnet and against the peers running the same weights dense. */
function speedups(r: Results): string[] {
  const compressed = Object.entries(r.models).filter(([, m]) => m.parent);
  if (!compressed.length) return [];
  const x = (other: number | undefined, mine: number | undefined): string =>
    other === undefined || mine === undefined || !(mine > 0) ? "—" : `${(other / mine).toFixed(2)}×`;
  const rows = compressed.map(([key, m]) => {
    const mine = cellOf(r, key, "slimnet"), parent = cellOf(r, m.parent, "slimnet");
    const b1 = (c: Cell | undefined): number | undefined => c?.batch1.medianMs;
    const b64 = (c: Cell | undefined): number | undefined => c?.batch64.medianMs;
    const goal = m.goals.vsOrt !== undefined
      ? goalCell(b1(cellOf(r, key, "ort")) !== undefined && b1(mine) ? b1(cellOf(r, key, "ort"))! / b1(mine)! : undefined, m.goals.vsOrt, true, "× vs ORT")
      : goalCell(b1(parent) !== undefined && b1(mine) ? b1(parent)! / b1(mine)! : undefined, m.goals.vsParent, true, "× vs parent");
    return [
      key, b1(mine) === undefined ? "—" : ms(b1(mine)!),
      x(b1(parent), b1(mine)), x(b1(cellOf(r, key, "ort")), b1(mine)), x(b1(cellOf(r, key, "tfjs")), b1(mine)),
      x(b64(parent), b64(mine)), x(b64(cellOf(r, key, "ort")), b64(mine)), goal,
    ];
  });
  const head = ["model", "slimnet batch 1, ms", "batch 1 speed-up vs dense parent (slimnet)", "vs ORT-web", "vs tfjs-wasm",
    "batch 64 speed-up vs dense parent", "vs ORT-web", "goal"];
  return [
    "## Compressed models: speed-up over the dense model", "",
    "Speed-up = the other's median time ÷ slimnet's on the compressed model (above 1× is faster). The dense parent is the",
    "row of the same architecture above; the peers run the compressed model's own weights as a dense ONNX file.", "",
    `| ${head.join(" | ")} |`, `| ${head.map((_, i) => (i ? "---:" : "---")).join(" | ")} |`,
    ...rows.map((row) => `| ${row.join(" | ")} |`), "",
  ];
}

export function markdown(r: Results): string {
  const peers = Object.keys(r.peers) as PeerName[];
  const hasRatios = peers.includes("slimnet");
  const others = peers.filter((p) => p !== "slimnet");
  const head = ["", ...peers.map((p) => NAMES[p]), ...(hasRatios ? [...others.map((p) => `slimnet ÷ ${NAMES[p]}`), "slimnet goal"] : [])];
  const line = (cells: string[]): string => `| ${cells.join(" | ")} |`;
  const table = (first: string, rows: string[][]): string[] =>
    [line([first, ...head.slice(1)]), line(head.map((_, i) => (i === 0 ? "---" : "---:"))), ...rows.map(line)];

  const out: string[] = [`# slimnet benchmark${r.quick ? " (--quick)" : ""}`, "", "![chart](results.svg)", ""];
  const load = r.loadAverage.map((l) => l.toFixed(1)).join(" → ");
  out.push(`${r.date.slice(0, 16).replace("T", " ")} UTC · commit ${r.commit} · ${r.machine} · load average ${load} · ${r.seconds ?? "?"} s`, "");
  out.push(...peers.map((p) => `- **${NAMES[p]}**: ${r.peers[p]}`), "");

  const dl = (p: PeerName): number | undefined => r.download[p]?.gzip;
  out.push("## Runtime download (JS + wasm a page fetches, gzip -9)", "");
  out.push(...table("", [[
    "bytes", ...peers.map((p) => (dl(p) === undefined ? "—" : kb(dl(p)!))),
    ...(hasRatios ? [...others.map((p) => ratio(dl("slimnet"), dl(p))), goalCell(dl("slimnet") && dl("slimnet")! / 1024, r.downloadGoalBytes / 1024, false, " KB")] : []),
  ]]));
  out.push("", peers.map((p) => `${NAMES[p]}: ${r.download[p]?.files.map((f) => `${f.file} ${kb(f.gzip)}`).join(" + ")}`).join(" · "), "");

  out.push(...speedups(r));
  for (const [key, m] of Object.entries(r.models)) {
    out.push(`## ${m.label}`, "");
    const cell = (p: PeerName): Cell | undefined => {
      const c = m.peers[p];
      return c && !("error" in c) ? c : undefined;
    };
    const rows = ROWS.map((row) => {
      const v = (p: PeerName): number | undefined => {
        const c = cell(p);
        return c ? row.value(c) : undefined;
      };
      const diffRow = row.label.startsWith("max abs diff");
      return [
        row.label,
        ...peers.map((p) => (v(p) === undefined ? (m.peers[p] && "error" in m.peers[p]! ? "error" : "—") : row.show(v(p)!))),
        ...(hasRatios ? [
          ...others.map((p) => (diffRow ? "" : ratio(v("slimnet"), v(p)))),
          goalCell(v("slimnet"), row.goal?.(m.goals), row.higher ?? false),
        ] : []),
      ];
    });
    out.push(...table(key, rows), "");
    for (const p of peers) {
      const c = m.peers[p];
      if (c && "error" in c) out.push(`- ${NAMES[p]} failed: ${c.error}`);
    }
    if (peers.some((p) => m.peers[p] && "error" in m.peers[p]!)) out.push("");
  }

  out.push("## How each number is taken", "");
  out.push(
    `- **load → first result**: median over ${r.settings.loads} fresh Node processes (plain \`node\`, the harness bundled ` +
      "by esbuild; no tsx loader thread), from just before the runtime's first import to the first batch-1 output: JS " +
      "import, wasm read + compile + instantiate, session/model creation, one run. The model bytes are already in memory.",
    `- **batch 1 / batch ${r.settings.batch}**: one run at a time in each of the last ${r.settings.timed} of those processes ` +
      "(the runtimes take turns, round after round, so a burst of other load hits them alike; each figure is the median " +
      `over the ${r.settings.timed} processes), after a warm-up of at least ` +
      `${r.settings.warmupMs} ms (batch 1) that goes on until the median of successive windows stops improving (V8 ` +
      "optimises hot wasm functions in the background: onnxruntime-web needs over a second); then " +
      `runs until ${r.settings.budgetMs} ms and ≥ 20 (batch 1) / ≥ 5 (batch ${r.settings.batch}) runs; ` +
      `median and nearest-rank p90. Throughput = ${r.settings.batch} ÷ median batch-${r.settings.batch} time. Times include ` +
      "copying the input in and the output out (what `run` costs a caller).",
    "- **wasm memory**: current byte length of every WebAssembly.Memory the runtime's instances export or import, after the timing loops (ORT and tfjs grow a heap they never shrink); median over the timing processes, as is RSS growth.",
    "- **RSS growth**: largest process RSS sampled after the first run and after each batch size, minus RSS just before the runtime was imported, each after a forced GC: compiled code, live JS heap and wasm memory together (coarse: a few MB is noise).",
    "- **max abs diff**: largest |output − onnxruntime-web output| over the batch-1 and batch-64 outputs of the same seeded inputs.",
    "- Ratios are slimnet ÷ peer: below 1× is better for bytes, times and memory; above 1× is better for throughput.",
    "- **slimnet goal**: the goal column of DESIGN.md \"Numbers to beat\" (dense fp32); ✓ when slimnet's number meets it.",
    "- The models are the zoo's seeded fp32 graphs; ORT runs src/export/onnx.ts's file, slimnet src/format/writer.ts's " +
      ".slim, tfjs the same IR translated to tf ops by bench/peers/tfjs.ts (checked against ORT by tests/bench-peers.test.ts).",
    "",
    "Run `npm run bench` (a full run rewrites bench/results.md and results.svg), `-- --quick` for a short run, " +
      "`-- --json` for JSON on stdout, `-- --models mlp,lenet5 --peers slimnet,ort` for a subset (quick and subset runs " +
      "write to bench/out/).",
    "",
  );
  return out.join("\n");
}

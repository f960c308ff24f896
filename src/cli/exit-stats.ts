// Early-exit statistics for `slimnet eval`: which exit each test sample took and how well
// each exit did (from the runtime's own decisions), and the accuracy/MACs trade-off over a
// sweep of thresholds. The sweep runs the runtime once per exit with every sample forced out
// there, then replays the rule of docs/FORMAT.md §8 (src/ir/exit-rule.ts) per threshold.
import type { ImageSet } from "../data/mnist.js";
import { argmax, confidence, fires } from "../ir/exit-rule.js";
import type { Model } from "../runtime/model.js";
import { lineChart } from "./line-chart.js";
import { progress } from "./progress.js";
import { table } from "./table.js";

export interface ExitStat {
  /** The exit's tensor, or "final" for the graph output. */
  name: string;
  /** MACs for one sample to stop there (earlier heads evaluated). */
  macs: number;
  /** Share of the samples that stopped there, and their accuracy (0..1; 0 when none did). */
  fraction: number;
  accuracy: number;
}

export interface CurvePoint {
  /** The threshold every exit used ("file": each exit's own). */
  threshold: number | "file";
  /** Share of samples leaving before the graph output. */
  early: number;
  accuracy: number;
  avgMacs: number;
}

/** Thresholds swept for each rule, from "always exit" to "hardly ever". */
const SWEEP = {
  maxprob: [0, 0.5, 0.7, 0.8, 0.9, 0.95, 0.98, 0.99, 0.995, 0.999, 0.9999, 1],
  entropy: [Infinity, 1, 0.5, 0.3, 0.2, 0.1, 0.05, 0.02, 0.01, 0.001, 0],
};

/** Per-sample confidences at every exit and correctness at every exit and at the output. */
function forcedRuns(model: Model, set: ImageSet, n: number, batch: number) {
  const input = model.inputs[0].name, output = model.outputs[0].name, per = set.images.length / set.n;
  const E = model.exits.length;
  const conf = model.exits.map(() => new Float64Array(n));
  const hit = Array.from({ length: E + 1 }, () => new Uint8Array(n));
  const bar = progress("exit sweep", (E + 1) * n);
  for (let k = 0; k <= E; k++) {
    const exit = k < E ? model.exits[k] : undefined;
    for (let start = 0; start < n; start += batch) {
      const b = Math.min(batch, n - start);
      const out = model.run({ [input]: set.images.subarray(start * per, (start + b) * per) }, { exit: k < E ? k : "final" })[output].data;
      const c = out.length / b;
      for (let s = 0; s < b; s++) {
        hit[k][start + s] = argmax(out, s, c) === set.labels[start + s] ? 1 : 0;
        if (exit) conf[k][start + s] = confidence(exit.rule, out.subarray(s * c, (s + 1) * c), exit.values);
      }
      bar.update(k * n + start + b);
    }
  }
  bar.stop();
  return { conf, hit };
}

/** The accuracy/MACs curve: one point per swept threshold, plus the file's thresholds. */
export function exitCurve(model: Model, set: ImageSet, n: number, batch: number): CurvePoint[] {
  const { conf, hit } = forcedRuns(model, set, n, batch);
  const exits = model.exits, E = exits.length;
  const point = (threshold: number | "file"): CurvePoint => {
    let early = 0, correct = 0, macs = 0;
    for (let s = 0; s < n; s++) {
      let k = 0;
      while (k < E && !fires(exits[k].rule, conf[k][s], threshold === "file" ? exits[k].threshold : threshold)) k++;
      if (k < E) early++;
      correct += hit[k][s];
      macs += k < E ? exits[k].macs : model.finalMacs;
    }
    return { threshold, early: early / n, accuracy: correct / n, avgMacs: macs / n };
  };
  const rules = new Set(exits.map((e) => e.rule));
  const sweep = rules.size === 1 ? SWEEP[exits[0].rule] : [];
  return [...sweep.map(point), point("file")];
}

export function exitTable(stats: readonly ExitStat[], fullMacs: number): string {
  return table(["exit", "MACs to reach", "× full", "samples", "accuracy"], stats.map((e) => [
    e.name, Math.round(e.macs), `${(e.macs / fullMacs).toFixed(3)}`, `${(100 * e.fraction).toFixed(2)}%`,
    e.fraction ? `${(100 * e.accuracy).toFixed(2)}%` : "—",
  ]));
}

export function curveTable(curve: readonly CurvePoint[], fullMacs: number): string {
  return table(["threshold", "exit early", "accuracy", "avg MACs", "speed-up (MACs)"], curve.map((p) => [
    p.threshold === "file" ? "file" : String(p.threshold), `${(100 * p.early).toFixed(2)}%`, `${(100 * p.accuracy).toFixed(2)}%`,
    Math.round(p.avgMacs), `${(fullMacs / p.avgMacs).toFixed(2)}×`,
  ]));
}

export function curveSvg(curve: readonly CurvePoint[], fullMacs: number, title: string): string {
  const pts = (list: readonly CurvePoint[]) => list.map((p) => [p.avgMacs / fullMacs, 100 * p.accuracy] as [number, number]).sort((a, b) => a[0] - b[0]);
  return lineChart([
    { label: "threshold sweep", color: "#1f77b4", points: pts(curve.filter((p) => p.threshold !== "file")) },
    { label: "file thresholds", color: "#d62728", points: pts(curve.filter((p) => p.threshold === "file")) },
  ], { title, xLabel: "average MACs / full network", yLabel: "test accuracy (%)" });
}

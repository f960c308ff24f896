// slimnet early-exit IN -o OUT --data mnist [--at auto|NAME,…] [--tolerance 0.1]: attaches early-exit
// heads, trains them (backbone frozen, or jointly) and calibrates one threshold per exit on a
// validation split (src/passes/early-exit.ts). Training progress on stderr; then a table of the
// exits (attach point, params, MACs to reach, threshold, validation fraction and accuracy) and the
// totals (average MACs vs the full network, accuracy with exits vs the final output), and the
// same policy on the test split (trainer inference with the reference rule).
import { fromImageSet } from "../../data/batches.js";
import { earlyExit as earlyExitPass, evaluateExits, HEADS, type HeadKind } from "../../passes/early-exit.js";
import { InputError } from "../../runtime/errors.js";
import { intOption, onePositional, printJson, type Command } from "../command.js";
import { bytes, table } from "../table.js";
import { jitterOption } from "./lowrank.js";
import { checkOut, loadTrainTest, readGraph, TRAINING_FLAGS, trainingOptions, writeGraph } from "./prune.js";
import { choice, numberOption } from "./train.js";

const pct = (v: number): string => (Number.isNaN(v) ? "—" : `${(100 * v).toFixed(2)}%`);
const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}×`;

export const earlyExit: Command = {
  name: "early-exit",
  summary: "attach early-exit classifier heads, train them and calibrate their confidence thresholds (BranchyNet)",
  usage: "IN -o OUT.slim --data mnist|DIR [--at auto|NAME,…] [--tolerance 0.1 (points)] [--rule maxprob|entropy] [--train frozen|joint] " +
    "[--head linear|mlp|pool-linear|pool-mlp|gap-linear|conv-linear[,…]] [--hidden 32] [--pool 2] [--weights W,…,FINAL] [--epochs 3] [--val-split 0.1] " +
    "[--jitter PX] [--limit N] [--batch 64] [--lr 0.01] [--seed S] [--json]",
  options: {
    ...Object.fromEntries(Object.entries(TRAINING_FLAGS).filter(([k]) => k !== "finetune-epochs")),
    at: { type: "string" }, tolerance: { type: "string" }, rule: { type: "string" }, train: { type: "string" }, head: { type: "string" },
    hidden: { type: "string" }, pool: { type: "string" }, weights: { type: "string" }, epochs: { type: "string" }, "val-split": { type: "string" },
    jitter: { type: "string" },
  },
  async run(values, positionals) {
    const file = onePositional(this, positionals), out = checkOut(this, values.out);
    if (values.data === undefined) throw new InputError(`early-exit needs --data (training and calibration samples); e.g. --data mnist`);
    const at = values.at === undefined || values.at === "auto" ? "auto" as const : String(values.at).split(",").map((s) => s.trim()).filter(Boolean);
    const tolerance = numberOption(values, "tolerance", 0.1, (v) => v >= 0 && v < 100, "accuracy points in [0, 100)") / 100;
    const heads = values.head === undefined ? undefined : String(values.head).split(",").map((s) => s.trim());
    for (const h of heads ?? []) if (!HEADS.includes(h as HeadKind)) throw new InputError(`--head takes ${HEADS.join(", ")} (or one per exit, comma-separated), got "${h}"`);
    const weights = values.weights === undefined ? undefined : String(values.weights).split(",").map((s) => {
      const v = Number(s);
      if (s.trim() === "" || !(v >= 0 && Number.isFinite(v))) throw new InputError(`--weights takes numbers ≥ 0 (one per exit, then the final output), got "${values.weights}"`);
      return v;
    });
    const graph = readGraph(file), data = loadTrainTest(values)!;
    const r = await earlyExitPass(graph, {
      data: data.train, at, tolerance, rule: choice(values, "rule", ["maxprob", "entropy"] as const), train: choice(values, "train", ["frozen", "joint"] as const),
      head: heads && (heads.length === 1 ? heads[0] : heads) as HeadKind | HeadKind[], headHidden: intOption(values, "hidden", 32), headPool: intOption(values, "pool", 2),
      weights, epochs: intOption(values, "epochs", 3), valSplit: numberOption(values, "val-split", 0.1, (v) => v > 0 && v < 1, "a fraction in (0, 1)"),
      augment: jitterOption(values, graph), ...trainingOptions(values), schedule: { kind: "cosine" },
    });
    const written = writeGraph(out, r.graph);
    const test = await evaluateExits(r.graph, fromImageSet(data.test));
    const testAvg = test.avgMacs;
    if (values.json) {
      printJson({
        model: file, output: out, outputBytes: written.length, exits: r.exits, valAccuracyFinal: r.valAccuracyFinal, valAccuracyWithExits: r.valAccuracyWithExits,
        valFractionFinal: r.valFractionFinal, avgMacs: r.avgMacs, fullMacs: r.fullMacs, finalMacs: r.finalMacs, met: r.met, history: r.history,
        test: { n: test.n, accuracy: test.accuracy, finalAccuracy: test.finalAccuracy, avgMacs: testAvg, exits: test.counts.map((c, k) => ({ fraction: c / test.n, accuracy: c ? test.correct[k] / c : null })) },
      });
      return;
    }
    const K = r.exits.length, n = test.n;
    console.log(table(["exit", "after", "head", "params", "MACs to reach", "threshold", "val fraction", "val accuracy", "test fraction", "test accuracy"], [
      ...r.exits.map((e, k) => [e.name, e.after, e.head, e.params, e.macs, e.threshold.toPrecision(6), pct(e.valFraction), pct(e.valAccuracy), pct(test.counts[k] / n), pct(test.correct[k] / test.counts[k])]),
      ["final", "", "", "", r.finalMacs, "", pct(r.valFractionFinal), "", pct(test.counts[K] / n), pct(test.correct[K] / test.counts[K])],
    ]));
    console.log(`average MACs: validation ${Math.round(r.avgMacs).toLocaleString("en")}, test ${Math.round(testAvg).toLocaleString("en")} vs ${r.fullMacs.toLocaleString("en")} for the network without heads (${ratio(r.fullMacs, testAvg)} fewer on test)`);
    console.log(`accuracy with exits vs final output: validation ${pct(r.valAccuracyWithExits)} vs ${pct(r.valAccuracyFinal)} (tolerance ${(100 * tolerance).toFixed(2)} points${r.met ? "" : ", NOT met"}); ` +
      `test (${n.toLocaleString("en")} images, trainer with the reference rule) ${pct(test.accuracy)} vs ${pct(test.finalAccuracy)}`);
    console.log(`saved ${out} (${bytes(written.length)})`);
  },
};

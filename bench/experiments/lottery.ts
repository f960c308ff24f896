// npm run exp:lottery [-- --rounds 14] [-- --epochs 5] [-- --quick] [-- --json]
// The lottery-ticket experiment (Frankle & Carbin 2019, their LeNet-300-100 on MNIST): train,
// prune 20% of the surviving weights of each layer (10% of the output layer) by magnitude,
// rewind the survivors to their initial values, retrain; repeat. The control (Liu et al. 2019,
// "Rethinking the Value of Network Pruning") trains the same masks from a fresh random
// initialisation. Adam lr 1.2e-3, batch 60 as in the paper, a fixed number of epochs per round
// (the paper trains 50,000 iterations and reports the early-stopping point). Test accuracy on
// all 10,000 test images after the last epoch. Writes bench/lottery-results.md and
// bench/lottery.svg (a full run) or bench/out/ (--quick or other settings).
import { mkdirSync, writeFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { lineChart } from "../../src/cli/line-chart.js";
import { table } from "../../src/cli/table.js";
import { fromImageSet, head } from "../../src/data/batches.js";
import { loadImageSet } from "../../src/data/mnist.js";
import type { Graph } from "../../src/ir/graph.js";
import { accuracy, applyMasks, magnitudeMasks, resetSurvivors, retrain, weightSparsity } from "../../src/passes/prune.js";
import { lenet300 } from "../../src/zoo/index.js";
import { OUT, ROOT } from "../bundle.js";

const DEFAULTS = { rounds: "14", epochs: "5" };
const { values: opts } = parseArgs({
  options: {
    rounds: { type: "string", default: DEFAULTS.rounds },
    epochs: { type: "string", default: DEFAULTS.epochs },
    quick: { type: "boolean", default: false },
    json: { type: "boolean", default: false },
  },
});
const rounds = opts.quick ? 2 : Number(opts.rounds), epochs = opts.quick ? 1 : Number(opts.epochs);
for (const [k, v] of [["rounds", rounds], ["epochs", epochs]] as const)
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${k} must be a positive integer, got ${opts[k]}`);
const full = !opts.quick && opts.rounds === DEFAULTS.rounds && opts.epochs === DEFAULTS.epochs;

const train = opts.quick ? head(fromImageSet(loadImageSet("mnist", "train")), 6000) : fromImageSet(loadImageSet("mnist", "train"));
const test = fromImageSet(loadImageSet("mnist", "test"));
const log = (m: string): void => void process.stderr.write(m + "\n");
const optimizer = { kind: "adam", lr: 1.2e-3 } as const;

async function trained(g: Graph, label: string, seed: number): Promise<{ graph: Graph; accuracy: number }> {
  const r = await retrain(g, train, { epochs, batch: 60, optimizer, seed, label });
  return { graph: r.graph, accuracy: await accuracy(r.graph, test) };
}

interface Point { round: number; remaining: number; rewind: number; reinit: number }
const points: Point[] = [];
const t0 = performance.now();
const init = lenet300(1);
let ticket = await trained(structuredClone(init), "dense", 1);
points.push({ round: 0, remaining: 1, rewind: ticket.accuracy, reinit: ticket.accuracy });
log(`round 0: 100% of weights, test accuracy ${(100 * ticket.accuracy).toFixed(2)}%`);
for (let r = 1; r <= rounds; r++) {
  const masks = magnitudeMasks(ticket.graph, { sparsity: 0.2, perLayer: { logits: 0.1 }, ofRemaining: true });
  const rewound = structuredClone(ticket.graph), fresh = structuredClone(ticket.graph);
  applyMasks(rewound, masks);
  applyMasks(fresh, masks);
  resetSurvivors(rewound, "rewind", { initial: init });
  resetSurvivors(fresh, "reinit", { seed: 1000 + r });
  const remaining = 1 - weightSparsity(rewound);
  ticket = await trained(rewound, `round ${r} rewind`, 1);
  const control = await trained(fresh, `round ${r} reinit`, 1);
  points.push({ round: r, remaining, rewind: ticket.accuracy, reinit: control.accuracy });
  log(`round ${r}: ${(100 * remaining).toFixed(1)}% of weights, rewind ${(100 * ticket.accuracy).toFixed(2)}%, random re-init ${(100 * control.accuracy).toFixed(2)}%`);
}
const minutes = ((performance.now() - t0) / 60000).toFixed(1);

const pct = (x: number): string => `${(100 * x).toFixed(2)}%`;
const md = [
  "# Lottery tickets: LeNet-300-100 on MNIST",
  "",
  `\`npm run exp:lottery\`${full ? "" : ` (${opts.quick ? "--quick: 6,000 training images, not a result" : "non-default settings"})`}; ${new Date().toISOString().slice(0, 10)}; ${minutes} min.`,
  `${epochs} epochs of Adam (lr 1.2e-3, batch 60) per round; each round prunes 20% of the surviving weights per layer`,
  "(10% of the output layer) by magnitude. *rewind*: survivors reset to their initial values (the winning ticket);",
  "*re-init*: the same masks, fresh random weights. Test accuracy on 10,000 images. Chart: bench/lottery.svg.",
  "",
  "```",
  table(["round", "weights left", "rewind (ticket)", "random re-init", "ticket − re-init"],
    points.map((p) => [p.round, `${(100 * p.remaining).toFixed(1)}%`, pct(p.rewind), pct(p.reinit), `${(100 * (p.rewind - p.reinit)).toFixed(2)} pts`])),
  "```",
].join("\n");
const svg = lineChart([
  { label: "rewind (ticket)", color: "#2a9d8f", points: points.map((p) => [100 * p.remaining, 100 * p.rewind]) },
  { label: "random re-init", color: "#e76f51", points: points.map((p) => [100 * p.remaining, 100 * p.reinit]) },
], { title: "LeNet-300-100: test accuracy vs weights remaining", xLabel: "% of weights remaining (log)", yLabel: "test accuracy %", logX: true, reverseX: true });
if (opts.json) console.log(JSON.stringify({ epochs, rounds, points }, null, 2));
else console.log(md);
mkdirSync(OUT, { recursive: true });
const dir = full ? `${ROOT}bench/` : OUT;
writeFileSync(`${dir}lottery-results.md`, md + "\n");
writeFileSync(`${dir}lottery.svg`, svg);

// `slimnet eval` on a model with early exits: the histogram and per-exit accuracy against
// per-sample batch-1 runs, the threshold curve (replayed with the reference rule) against the
// runtime's own auto run at the file's thresholds, and the CLI's --json fields and SVG.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { evaluateModel } from "../src/cli/commands/eval.js";
import { exitCurve } from "../src/cli/exit-stats.js";
import { loadImageSet } from "../src/data/mnist.js";
import { writeSlim } from "../src/format/writer.js";
import { importOnnx } from "../src/import/onnx.js";
import { attachExits } from "../src/passes/early-exit.js";
import { Model } from "../src/runtime/model.js";
import type { RunResult } from "../src/runtime/model.js";

const N = 300;
const set = loadImageSet("mnist", "test");

/** LeNet-300-100 with untrained linear heads after fc1 and fc2 at max-softmax 0.25 and 0.3: a mix of exits. */
function lenet300WithExits(): Uint8Array {
  const { graph } = attachExits(importOnnx(readFileSync("data/models/lenet300.onnx")), { at: ["fc1", "fc2"], head: "linear", seed: 3 });
  graph.exits![0].threshold = 0.25;
  graph.exits![1].threshold = 0.3;
  return writeSlim(graph);
}

test("eval: exit histogram and per-exit accuracy equal per-sample batch-1 runs; the curve replays the runtime", async () => {
  const model = await Model.load(lenet300WithExits());
  assert.equal(model.exits.length, 2);
  const r = evaluateModel(model, set, N, 64);
  const per = set.images.length / set.n, taken = [0, 0, 0], right = [0, 0, 0];
  let macs = 0;
  for (let s = 0; s < N; s++) {
    const out = model.run({ [model.inputs[0].name]: set.images.subarray(s * per, (s + 1) * per) }) as RunResult;
    const z = out[model.outputs[0].name].data, k = out.exit[0];
    taken[k]++;
    right[k] += z.indexOf(Math.max(...z)) === set.labels[s] ? 1 : 0;
    macs += out.macs;
  }
  assert.ok(taken[0] > 0 && taken[1] + taken[2] > 0, `a mix of exits is needed, got ${taken}`);
  assert.deepEqual(r.exits!.map((e) => Math.round(e.fraction * N)), taken);
  r.exits!.forEach((e, k) => assert.equal(e.accuracy, taken[k] ? right[k] / taken[k] : 0));
  assert.deepEqual(r.exits!.map((e) => e.name), [...model.exits.map((e) => e.name), "final"]);
  assert.equal(r.avgMacs, macs / N);
  assert.equal(r.fullMacs, model.macs);

  const curve = exitCurve(model, set, N, 64);
  const file = curve.find((p) => p.threshold === "file")!;
  assert.equal(file.accuracy, r.accuracy, "reference replay at the file thresholds = the runtime's auto run");
  assert.ok(Math.abs(file.avgMacs - r.avgMacs) < 1e-6 * r.avgMacs);
  assert.equal(file.early, (taken[0] + taken[1]) / N);
  const all = curve.find((p) => p.threshold === 0)!; // max-softmax ≥ 0 always fires at exit 0
  assert.equal(all.early, 1);
  assert.equal(all.avgMacs, model.exits[0].macs);
});

test("eval --json on a model with exits: exits, avgMacs, fullMacs, and the curve as SVG", () => {
  const dir = mkdtempSync(join(tmpdir(), "slimnet-eval-exits-")), file = join(dir, "m.slim"), svg = join(dir, "c.svg");
  writeFileSync(file, lenet300WithExits());
  const out = execFileSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "eval", file, "--data", "mnist", "--limit", String(N), "--svg", svg, "--json"], { encoding: "utf8" });
  const j = JSON.parse(out);
  assert.equal(j.exits.length, 3);
  assert.ok(Math.abs(j.exits.reduce((s: number, e: { fraction: number }) => s + e.fraction, 0) - 1) < 1e-12);
  assert.ok(j.avgMacs < j.fullMacs, `${j.avgMacs} < ${j.fullMacs}`);
  assert.ok(j.curve.length > 5);
  assert.ok(existsSync(svg) && readFileSync(svg, "utf8").startsWith("<svg"));
  const text = execFileSync(process.execPath, ["--import", "tsx", "src/cli/main.ts", "eval", file, "--data", "mnist", "--limit", "100", "--no-curve"], { encoding: "utf8" });
  assert.match(text, /exits \(full network [\d,]+ MACs\)/);
  assert.doesNotMatch(text, /accuracy vs MACs over thresholds/);
});

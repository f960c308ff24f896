// Clustered and Huffman-tagged models through the writer, the readers and the runtime: the file round-trips the quantized
// weights, the runtime's outputs match the trainer's forward on the same weights, and the CLI's
// cluster and compress commands print Deep Compression's per-layer tables and ratios.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { fromImageSet, head } from "../src/data/batches.js";
import { loadImageSet } from "../src/data/mnist.js";
import { readSlim } from "../src/format/reader.js";
import { writeSlim } from "../src/format/writer.js";
import { importOnnx } from "../src/import/onnx.js";
import type { Graph } from "../src/ir/graph.js";
import { clusterWeights } from "../src/passes/cluster.js";
import { huffman, storageReport } from "../src/passes/huffman.js";
import { applyMasks, magnitudeMasks } from "../src/passes/prune.js";
import { Model } from "../src/runtime/index.js";
import { Trainer } from "../src/train/trainer.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "slimnet-compress-"));
const model = (name: string): Graph => importOnnx(readFileSync(join(ROOT, `data/models/${name}.onnx`)));
const mnistTest = fromImageSet(loadImageSet("mnist", "test"));

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test("pruned + clustered (+ huffman) LeNets: the file holds the quantized weights; runtime = trainer forward", async () => {
  for (const [name, perChannel] of [["lenet300", false], ["lenet5", true]] as const) {
    const g = model(name);
    const conv = name === "lenet5";
    applyMasks(g, magnitudeMasks(g, { sparsity: 0.9, perLayer: conv ? { conv1: 0.3 } : {} }));
    clusterWeights(g, { bits: 5, perLayer: conv ? { conv1: 8 } : {}, perChannel });
    for (const tag of ["codebook", "huffman"]) {
      if (tag === "huffman") huffman(g);
      const bytes = writeSlim(g), back = readSlim(bytes);
      for (const [n, t] of g.tensors) if (t.data) assert.deepEqual(back.tensors.get(n)!.data, t.data, `${name} ${tag}: ${n}`);
      const x = head(mnistTest, 64).x, m = await Model.load(bytes), trainer = await Trainer.create(g, { batch: 64 });
      const want = trainer.predict(x), got = m.run({ [m.inputs[0].name]: { data: x, shape: [64, ...m.inputs[0].shape.slice(1)] } })[m.outputs[0].name].data;
      const scale = Math.max(...want.map(Math.abs));
      want.forEach((v, i) => assert.ok(Math.abs(v - got[i]) <= 1e-5 * scale, `${name} ${tag} [${i}]: runtime ${got[i]} vs trainer ${v}`));
      const rows = storageReport(g), dense = 4 * rows.reduce((s, r) => s + r.params, 0);
      if (tag === "huffman" && !perChannel) {
        // Table 2: the skewed index distribution codes below its fixed width
        const fc1 = rows.find((r) => r.name === "fc1")!;
        assert.ok(fc1.bitsPerIndex! < fc1.indexBits! && fc1.bitsPerGap! > 0, `${name} fc1 Huffman bits: ${JSON.stringify(fc1)}`);
      }
      // per-row codebooks cost 2^b floats per row (LeNet-5's fc1: 500 rows × 32): smaller, not 20×
      assert.ok(rows.reduce((s, r) => s + r.bytes, 0) < dense / (perChannel ? 10 : 20), `${name} ${tag}: ${JSON.stringify(rows)}`);
    }
  }
});

test("slimnet cluster: 5-bit LeNet-300-100 table, JSON, accuracy in the runtime within 0.3 points", () => {
  const out = join(tmp, "c.slim"), file = join(ROOT, "data/models/lenet300.onnx");
  const r = cli("cluster", file, "-o", out, "--bits", "5", "--per-layer", "logits=6", "--data", "mnist", "--finetune-epochs", "0", "--json");
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.layers.map((l: { name: string; indexBits: number }) => [l.name, l.indexBits]), [["fc1", 5], ["fc2", 5], ["logits", 6]]);
  assert.ok(j.ratio > 5, `dense 5-bit codebooks: ${j.ratio}×`);
  assert.ok(Math.abs(j.test.before - j.test.after) < 0.003, JSON.stringify(j.test));
  const text = cli("cluster", file, "-o", out, "--bits", "4");
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stderr, /no --data: clustering without trained quantization/);
  assert.match(text.stdout, /fc1\s+Gemm\s+235,200\s+100\.0%\s+4\s+codebook/);
  assert.match(text.stdout, /total\s+266,200\s+100\.0%.*\d+\.\d×/);
});

test("slimnet compress --recipe deep-compression on LeNet-300-100 (6,000 images): > 40× smaller weights, > 96% accurate", () => {
  const out = join(tmp, "dc.slim");
  const r = cli("compress", join(ROOT, "data/models/lenet300.onnx"), "-o", out, "--data", "mnist", "--limit", "6000", "--steps", "2", "--json");
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.stages.map((s: { stage: string }) => s.stage), ["input", "prune", "cluster", "trained quantization", "huffman"]);
  assert.ok(j.layers.every((l: { encoding: string }) => /huffman|codebook|csr/.test(l.encoding)), JSON.stringify(j.layers));
  assert.ok(j.ratio > 40, `ratio ${j.ratio}`);
  assert.ok(j.test.after > 0.96, JSON.stringify(j.test));
});

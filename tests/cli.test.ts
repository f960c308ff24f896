// The CLI end to end, as a user runs it: convert, inspect, run, eval, errors, and the
// conformance runner on a generated ONNX node-test folder. The model is a one-layer
// classifier whose weights are the MNIST class means, so eval has a meaningful accuracy.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import onnx from "onnx-proto";
import { loadImageSet } from "../src/data/mnist.js";
import { readNpy, writeNpy } from "../src/data/npy.js";
import { Model } from "../src/runtime/index.js";

const P = onnx.onnx;
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "slimnet-cli-"));

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const f32 = (values: ArrayLike<number>): Uint8Array => new Uint8Array(Float32Array.from(values).buffer);
const tensorType = (dims: (number | string)[]) => ({
  tensorType: { elemType: 1, shape: { dim: dims.map((d) => (typeof d === "string" ? { dimParam: d } : { dimValue: d })) } },
});

/** y = x·Wᵀ + b as an ONNX Gemm (opset 13), batch dim symbolic. */
function gemmOnnx(w: Float32Array, b: Float32Array, k: number, n: number, opType = "Gemm"): Uint8Array {
  const model = P.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: "", version: 13 }],
    graph: {
      name: "classifier",
      node: [{ opType, name: "fc", input: ["x", "w", "b"], output: ["y"], attribute: [{ name: "transB", type: P.AttributeProto.AttributeType.INT, i: 1 }] }],
      initializer: [{ name: "w", dataType: 1, dims: [n, k], rawData: f32(w) }, { name: "b", dataType: 1, dims: [n], rawData: f32(b) }],
      input: [{ name: "x", type: tensorType(["N", k]) }],
      output: [{ name: "y", type: tensorType(["N", n]) }],
    },
  });
  return P.ModelProto.encode(model).finish();
}

// Class means of the first 5,000 test images, centred: a nearest-mean classifier (~80%).
const mnist = loadImageSet("mnist", "test");
const W = new Float32Array(10 * 784);
const B = new Float32Array(10);
{
  const count = new Array(10).fill(0);
  for (let s = 0; s < 5000; s++) {
    const c = mnist.labels[s];
    count[c]++;
    for (let k = 0; k < 784; k++) W[c * 784 + k] += mnist.images[s * 784 + k];
  }
  for (let c = 0; c < 10; c++) {
    let norm = 0;
    for (let k = 0; k < 784; k++) norm += (W[c * 784 + k] /= count[c]) ** 2;
    B[c] = -norm / 2;
  }
}
const ONNX = join(tmp, "means.onnx");
writeFileSync(ONNX, gemmOnnx(W, B, 784, 10));
const SLIM = join(tmp, "means.slim");

test("convert writes a .slim file the runtime loads", async () => {
  const r = cli("convert", ONNX, "-o", SLIM);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /means\.onnx .* → .*means\.slim/);
  const bytes = readFileSync(SLIM);
  assert.equal(bytes.subarray(0, 4).toString(), "SLIM");
  const model = await Model.load(bytes);
  assert.deepEqual(model.inputs[0].shape, [-1, 784]);
  const nested = join(tmp, "new", "folder", "means.slim");
  assert.equal(cli("convert", ONNX, "-o", nested).code, 0, "-o into a folder that does not exist yet");
  assert.deepEqual(readFileSync(nested), bytes);
});

test("inspect --json has bytes, params, macs and layers, for .slim and .onnx", () => {
  if (!existsSync(SLIM)) cli("convert", ONNX, "-o", SLIM);
  for (const file of [SLIM, ONNX]) {
    const r = cli("inspect", file, "--json");
    assert.equal(r.code, 0, r.stderr);
    const report = JSON.parse(r.stdout);
    assert.equal(report.params, 10 * 784 + 10);
    assert.equal(report.macs, 10 * 784);
    assert.equal(report.bytes, readFileSync(SLIM).length);
    assert.ok(Array.isArray(report.layers) && report.layers.length === 1);
  }
  const table = cli("inspect", SLIM);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /Gemm/);
});

test("run writes DIR/<output>.npy equal to Model.run", async () => {
  const x = mnist.images.subarray(0, 3 * 784);
  const input = join(tmp, "x.npy");
  writeNpy(input, { data: x, shape: [3, 784] });
  const out = join(tmp, "out");
  const r = cli("run", SLIM, "--input", `x=${input}`, "--out", out);
  assert.equal(r.code, 0, r.stderr);
  const got = readNpy(join(out, "y.npy"));
  const want = (await Model.load(readFileSync(SLIM))).run({ x }).y;
  assert.deepEqual(got.shape, [3, 10]);
  assert.deepEqual([...got.data], [...want.data]);
});

test("eval --json reports accuracy and n; the batch size does not change the result", () => {
  const one = cli("eval", SLIM, "--data", "mnist", "--limit", "300", "--json");
  assert.equal(one.code, 0, one.stderr);
  const a = JSON.parse(one.stdout);
  assert.equal(a.n, 300);
  assert.ok(a.accuracy > 0.6 && a.accuracy <= 1, `accuracy ${a.accuracy}`);
  assert.ok(a.msPerSample > 0);
  const batched = JSON.parse(cli("eval", ONNX, "--data", "mnist", "--limit", "300", "--batch", "64", "--json").stdout);
  assert.equal(batched.accuracy, a.accuracy);
  assert.equal(batched.batch, 64);
});

test("demo converts the committed LeNet-5 baseline and evaluates it in the runtime", () => {
  const r = cli("demo", "--limit", "500", "--batch", "50", "--json");
  assert.equal(r.code, 0, r.stderr);
  const d = JSON.parse(r.stdout);
  assert.match(d.model, /data\/models\/lenet5\.onnx$/);
  assert.equal(d.n, 500);
  assert.equal(d.params, 431080);
  assert.ok(d.accuracy >= 0.98, `trained baseline, accuracy ${d.accuracy}`);
  const text = cli("demo", "--limit", "20");
  assert.match(text.stdout, /conv1\s+Conv/);
  assert.match(text.stdout, /accuracy/);
});

test("bad input: exit 1 with a one-line message, no stack trace", () => {
  const cases: [string[], RegExp][] = [
    [["inspect", join(tmp, "missing.slim")], /cannot read .*missing\.slim: ENOENT/],
    [["frobnicate"], /unknown command "frobnicate"; commands: convert, inspect, run, eval, report, train, prune, prune-neurons, cluster, quantize, binarize, lowrank, separable, distill, early-exit, compress, demo/],
    [["eval", SLIM], /eval needs --data mnist/],
    [["eval", SLIM, "--data", "mnist", "--limit", "zero"], /--limit takes a positive integer, got "zero"/],
    [["run", SLIM, "--input", `z=${join(tmp, "x.npy")}`, "--out", tmp], /unknown input "z"; the model's inputs are "x" \[-1,784\]/],
    [["inspect", SLIM, "--bogus"], /inspect: Unknown option '--bogus'/],
    [["inspect", ONNX.replace(".onnx", ".txt")], /cannot read/],
  ];
  writeFileSync(join(tmp, "junk.slim"), "not a model at all, but long enough for a header. ".repeat(4));
  cases.push([["eval", join(tmp, "junk.slim"), "--data", "mnist"], /^slimnet: \S*junk\.slim: .*magic/i]);
  writeFileSync(join(tmp, "junk.onnx"), "not a model at all");
  cases.push([["convert", join(tmp, "junk.onnx"), "-o", join(tmp, "junk-out.slim")], /^slimnet: \S*junk\.onnx: /]);
  for (const [args, message] of cases) {
    const r = cli(...args);
    assert.equal(r.code, 1, `${args.join(" ")}: exit ${r.code}`);
    assert.match(r.stderr, /^slimnet: /, args.join(" "));
    assert.match(r.stderr, message, args.join(" "));
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${args.join(" ")} printed a stack trace`);
  }
});

test("the bundled dist/cli.js finds its runtime and data", { skip: !existsSync(join(ROOT, "dist/cli.js")) }, () => {
  const r = spawnSync(process.execPath, [join(ROOT, "dist/cli.js"), "eval", SLIM, "--data", "mnist", "--limit", "20", "--json"], { encoding: "utf8" });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(JSON.parse(r.stdout).n, 20);
});

test("conformance: pass, unsupported and fail are told apart; only fail exits 1", () => {
  const root = join(tmp, "node-tests");
  const x = Float32Array.from({ length: 2 * 3 }, (_, i) => i / 7 - 0.3);
  const w = Float32Array.from({ length: 4 * 3 }, (_, i) => Math.sin(i));
  const b = Float32Array.from({ length: 4 }, (_, i) => i - 1);
  const y = new Float32Array(2 * 4);
  for (let m = 0; m < 2; m++) for (let n = 0; n < 4; n++) {
    y[m * 4 + n] = b[n];
    for (let k = 0; k < 3; k++) y[m * 4 + n] += x[m * 3 + k] * w[n * 3 + k];
  }
  const write = (name: string, model: Uint8Array, want: Float32Array): void => {
    const set = join(root, name, "test_data_set_0");
    mkdirSync(set, { recursive: true });
    writeFileSync(join(root, name, "model.onnx"), model);
    const tensor = (tname: string, data: Float32Array, dims: number[]) =>
      P.TensorProto.encode({ name: tname, dataType: 1, dims, rawData: f32(data) }).finish();
    writeFileSync(join(set, "input_0.pb"), tensor("x", x, [2, 3]));
    writeFileSync(join(set, "output_0.pb"), tensor("y", want, [2, 4]));
  };
  write("test_good", gemmOnnx(w, b, 3, 4), y);
  write("test_unknown_op", gemmOnnx(w, b, 3, 4, "NoSuchOp"), y);
  const runner = (...args: string[]) =>
    spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/conformance.ts"), ...args], { cwd: ROOT, encoding: "utf8" });

  let r = runner(root, "--json");
  assert.equal(r.status, 0, r.stderr + r.stdout);
  const report = JSON.parse(r.stdout);
  assert.deepEqual([report.tests, report.pass, report.fail, report.unsupported], [2, 1, 0, 1]);
  assert.match(report.results.find((t: { name: string }) => t.name === "test_unknown_op").detail, /NoSuchOp/);

  const off = y.slice();
  off[5] += 0.01;
  write("test_wrong", gemmOnnx(w, b, 3, 4), off);
  r = runner(root);
  assert.equal(r.status, 1);
  assert.match(r.stdout, /test_wrong\s+fail\s+test_data_set_0: output "y"\[5\]/);
  assert.match(r.stdout, /3 tests: 1 pass, 1 fail, 1 unsupported/);
});

test("prune: --data mnist with a polynomial schedule prints JSON per layer and history; without --data it says one-shot", async () => {
  const model = join(ROOT, "data/models/lenet300.onnx"), out = join(tmp, "pruned.slim");
  const r = cli("prune", model, "-o", out, "--sparsity", "0.9", "--per-layer", "logits=0.5", "--data", "mnist", "--limit", "1000",
    "--schedule", "polynomial", "--steps", "2", "--finetune-epochs", "1", "--batch", "50", "--json");
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.layers.map((l: { name: string; sparsity: number }) => [l.name, l.sparsity]), [["fc1", 0.9], ["fc2", 0.9], ["logits", 0.5]]);
  assert.deepEqual(j.history.map((h: { step: number }) => h.step), [0, 1, 2]);
  assert.ok(j.test.n === 10000 && j.test.before > 0.98 && j.test.after > 0.9, JSON.stringify(j.test));
  const m = await Model.load(readFileSync(out));
  assert.equal(m.run({ [m.inputs[0].name]: new Float32Array(784) })[m.outputs[0].name].data.length, 10);

  const text = cli("prune", model, "-o", join(tmp, "pruned.onnx"), "--sparsity", "0.5");
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stderr, /no --data: one-shot magnitude pruning without fine-tuning/);
  assert.match(text.stdout, /fc1\s+Gemm\s+235,200\s+0\.00% → 50\.00%/);
  assert.match(text.stdout, /total\s+266,200\s+0\.00% → 50\.00%/);
});

test("prune-neurons: lenet5 filters removed, table and JSON; bad flags are one-line errors", () => {
  const model = join(ROOT, "data/models/lenet5.onnx"), out = join(tmp, "thin.onnx");
  const r = cli("prune-neurons", model, "-o", out, "--keep", "0.5", "--per-layer", "conv1=0.8", "--json");
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.layers.map((l: { neuronsAfter: number }) => l.neuronsAfter), [16, 25, 250, 10]);
  assert.ok(j.layers[2].bytesAfter < j.layers[2].bytesBefore / 3);
  const text = cli("prune-neurons", model, "-o", out, "--keep", "0.5");
  assert.match(text.stdout, /conv2\s+Conv\s+50 → 25/);
  assert.match(text.stdout, /total\s+580 → 295/);
  for (const [args, re] of [
    [["prune", model, "-o", out, "--sparsity", "0.5", "--per-layer", "conv9=0.3"], /--per-layer: no layer "conv9"; layers: conv1, conv2, fc1, logits/],
    [["prune", model, "-o", out, "--sparsity", "0.5", "--steps", "3"], /--steps needs --data/],
    [["prune", model, "-o", out, "--sparsity", "1.5"], /--sparsity takes a fraction in \[0, 1\], got "1.5"/],
    [["prune-neurons", model, "-o", out, "--keep", "0.5", "--criterion", "apoz"], /--criterion apoz needs --data/],
    [["prune-neurons", model, "-o", out, "--keep", "0.5", "--per-layer", "fc1"], /--per-layer takes NAME=KEEP/],
  ] as [string[], RegExp][]) {
    const e = cli(...args);
    assert.equal(e.code, 1, args.join(" "));
    assert.match(e.stderr, re);
    assert.equal(e.stderr.trim().split("\n").length, 1, e.stderr);
  }
});

test("cluster and compress: bad flags are one-line errors naming the flag or layer", () => {
  const model = join(ROOT, "data/models/lenet5.onnx"), out = join(tmp, "clustered.slim");
  for (const [args, re] of [
    [["cluster", model, "-o", out, "--bits", "9"], /--bits takes an integer in 1..8, got "9"/],
    [["cluster", model, "-o", out, "--per-layer", "fc9=3"], /--per-layer: no layer "fc9"; layers: conv1, conv2, fc1, logits/],
    [["cluster", model, "-o", out, "--per-layer", "fc1=0"], /--per-layer takes NAME=BITS/],
    [["cluster", model, "-o", out, "--init", "kmeans++"], /--init takes linear or density or random, got "kmeans\+\+"/],
    [["cluster", model, "-o", out, "--finetune-epochs", "2"], /--finetune-epochs needs --data/],
    [["cluster", model], /cluster needs -o OUT.onnx or -o OUT.slim/],
    [["compress", model, "-o", out], /compress needs --data \(the recipes fine-tune\)/],
    [["compress", model, "-o", out, "--recipe", "zip", "--data", "mnist"], /unknown recipe "zip"; recipes: deep-compression, int8, binary/],
    [["compress", model, "-o", out, "--recipe", "int8", "--data", "mnist", "--limit", "10"], /9 training samples are fewer than one batch of 64/],
    [["compress", model, "-o", out, "--data", "mnist", "--bits", "conv1=12"], /--bits takes NAME=BITS/],
    [["compress", model, "-o", out, "--data", "mnist", "--sparsity", "conv7=0.5"], /--sparsity: no layer "conv7"/],
  ] as [string[], RegExp][]) {
    const e = cli(...args);
    assert.equal(e.code, 1, args.join(" "));
    assert.match(e.stderr, re);
    assert.equal(e.stderr.trim().split("\n").length, 1, e.stderr);
  }
});

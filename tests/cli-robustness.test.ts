// CLI robustness (issue 9 part 6): every bad invocation is one line on stderr,
// "slimnet: <what>; <how to fix>", exit 1, no stack trace (unless --verbose); outputs are written
// atomically (temp file + rename): a failing or interrupted run leaves no output and no temp file.
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import { gzipSync } from "node:zlib";
import onnx from "onnx-proto";
import { report, withFix } from "../src/cli/fail.js";
import { writeOutput } from "../src/cli/write-output.js";
import { InputError, SlimnetError } from "../src/runtime/errors.js";
import { Model } from "../src/runtime/index.js";
import { buildModel } from "./helpers/onnx-builder.js";

const P = onnx.onnx;
const ROOT = fileURLToPath(new URL("..", import.meta.url));
const tmp = mkdtempSync(join(tmpdir(), "slimnet-cli-rob-"));
const LENET = join(ROOT, "data/models/lenet5.onnx");
const MAIN = join(ROOT, "src/cli/main.ts");

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", MAIN, ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}
const temps = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith(".tmp"));

// Data sets that are wrong in different ways.
const truncated = join(tmp, "truncated"), badMagic = join(tmp, "bad-magic"), folderFile = join(tmp, "folder-file");
for (const d of [truncated, badMagic, folderFile]) mkdirSync(d, { recursive: true });
for (const f of ["t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", "train-labels-idx1-ubyte.gz"]) {
  copyFileSync(join(ROOT, "data/mnist", f), join(truncated, f));
  copyFileSync(join(ROOT, "data/mnist", f), join(badMagic, f));
}
writeFileSync(join(truncated, "train-images-idx3-ubyte.gz"), readFileSync(join(ROOT, "data/mnist/train-images-idx3-ubyte.gz")).subarray(0, 5000));
writeFileSync(join(badMagic, "train-images-idx3-ubyte.gz"), gzipSync(Buffer.from("this is not an IDX file")));
mkdirSync(join(folderFile, "t10k-images-idx3-ubyte.gz"));
copyFileSync(join(ROOT, "data/mnist/t10k-labels-idx1-ubyte.gz"), join(folderFile, "t10k-labels-idx1-ubyte.gz"));
writeFileSync(join(tmp, "junk.onnx"), Uint8Array.from({ length: 300 }, (_, i) => (i * 97 + 13) & 255));
writeFileSync(join(tmp, "plain-file"), "x");
mkdirSync(join(tmp, "a-folder.slim"));

/** A one-Gemm model whose weight lives in an external file at `location`. */
function externalModel(location: string): Uint8Array {
  const m = P.ModelProto.decode(buildModel({
    opset: 13, inputs: [{ name: "x", shape: ["N", 4] }], outputs: ["y"],
    nodes: [{ op: "Gemm", name: "fc", inputs: ["x", "w"], outputs: ["y"], attrs: { transB: 1 } }],
    initializers: [{ name: "w", dims: [3, 4], data: Array.from({ length: 12 }, (_, i) => i / 10) }],
  }));
  const t = m.graph!.initializer![0];
  t.rawData = new Uint8Array(0);
  t.dataLocation = P.TensorProto.DataLocation.EXTERNAL;
  t.externalData = [P.StringStringEntryProto.create({ key: "location", value: location })];
  return P.ModelProto.encode(m).finish();
}
const extDir = join(tmp, "ext");
mkdirSync(extDir);
writeFileSync(join(extDir, "w.bin"), new Uint8Array(Float32Array.from({ length: 12 }, (_, i) => i / 10).buffer));
writeFileSync(join(tmp, "secret.bin"), new Uint8Array(48));
writeFileSync(join(extDir, "inside.onnx"), externalModel("w.bin"));
writeFileSync(join(extDir, "escape.onnx"), externalModel("../secret.bin"));

test("bad invocations: exit 1, one line 'slimnet: <what>; <how to fix>', no stack trace", () => {
  const out = join(tmp, "out.slim");
  const cases: [string[], RegExp][] = [
    // missing or unreadable files
    [["inspect", join(tmp, "nosuch.slim")], /cannot read .*nosuch\.slim: ENOENT \(no such file or folder; check the path\)/],
    [["convert", join(tmp, "nosuch.onnx"), "-o", out], /cannot read .*nosuch\.onnx: ENOENT/],
    [["inspect", tmp], /cannot read .*: EISDIR \(it is a folder; give a file name\)/],
    [["convert", join(tmp, "junk.onnx"), "-o", out], /junk\.onnx: .*;/],
    [["convert", join(extDir, "escape.onnx"), "-o", out], /escape\.onnx: initializer "w": tensor "w": external data location "\.\.\/secret\.bin" leaves the model's folder/],
    // unreadable or wrong data sets
    [["eval", LENET, "--data", "nosuch"], /--data nosuch: no such folder \(use "mnist" or a folder of IDX files\); see slimnet eval --help/],
    [["compress", LENET, "-o", out, "--data", "nosuch"], /--data nosuch: no such folder/],
    [["train", "--arch", "lenet5", "--data", join(tmp, "nosuch.csv"), "--epochs", "1", "-o", out], /cannot read .*nosuch\.csv: ENOENT/],
    [["compress", LENET, "-o", out, "--data", truncated], /train-images-idx3-ubyte\.gz: corrupt gzip stream .*; the file is damaged/],
    [["compress", LENET, "-o", out, "--data", badMagic], /train-images-idx3-ubyte\.gz: bad IDX magic 74 68 69 73 \(expected 00 00 <type 08\.\.0e> <rank>\); the file is damaged/],
    [["eval", LENET, "--data", folderFile], /cannot read .*t10k-images-idx3-ubyte\.gz: EISDIR \(it is a folder/],
    [["eval", LENET, "--data", join(tmp, "plain-file")], /plain-file: missing t10k-images-idx3-ubyte\.gz .*; expected MNIST's four IDX file names/],
    // wrong or unknown flags and commands
    [["frobnicate"], /unknown command "frobnicate"; commands: /],
    [["inspect", LENET, "--bogus"], /^slimnet: inspect: Unknown option '--bogus'; usage: slimnet inspect /],
    [["compress", LENET, "-o", out, "--data", "mnist", "--recipie", "int8"], /compress: Unknown option '--recipie'; usage: slimnet compress /],
    [["prune", LENET, "-o", out, "--sparsity"], /prune: Option '--sparsity <value>' argument missing; usage: /],
    [["inspect", LENET, LENET], /inspect takes one file, got .*; usage: slimnet inspect/],
    [["cluster", LENET, "-o", join(tmp, "out.txt")], /cluster needs -o OUT\.onnx or -o OUT\.slim; usage/],
    // bad numbers
    [["compress", LENET, "-o", out, "--data", "mnist", "--epochs", "abc"], /--epochs takes a positive integer, got "abc"; see slimnet compress --help/],
    [["train", "--arch", "lenet5", "--data", "mnist", "--epochs", "", "-o", out], /--epochs takes a positive integer, got ""; see slimnet train --help/],
    [["prune", LENET, "-o", out, "--sparsity", "1.5"], /--sparsity takes a fraction in \[0, 1\], got "1\.5"; see slimnet prune --help/],
    [["prune", LENET, "-o", out, "--sparsity", " "], /--sparsity takes a fraction in \[0, 1\], got " "/],
    [["compress", LENET, "-o", out, "--data", "mnist", "--lr", "fast"], /--lr takes a number > 0, got "fast"/],
    [["eval", LENET, "--data", "mnist", "--limit=-3"], /--limit takes a positive integer, got "-3"/],
    [["eval", LENET, "--data", "mnist", "--limit", "-3"], /eval: Option '--limit' argument is ambiguous\. Did you forget to specify the option argument for '--limit'\? To specify an option argument starting with a dash use '--limit=-XYZ'; usage: /],
    [["train", "--arch", "lenet5", "--data", "mnist", "--epochs", "1", "--val", "1", "-o", out], /--val takes a fraction in \[0, 1\), got "1"/],
    // outputs that cannot be written
    [["convert", LENET, "-o", join(tmp, "plain-file", "x.slim")], /cannot write .*plain-file\/x\.slim: (ENOTDIR \(a part of the path is not a folder|EEXIST \(a file is in the way of a folder); check the path\)/],
    [["convert", LENET, "-o", join(tmp, "a-folder.slim")], /cannot write .*a-folder\.slim: EISDIR \(it is a folder; give a file name\)/],
  ];
  for (const [args, re] of cases) {
    const r = cli(...args), what = args.join(" ");
    assert.equal(r.code, 1, `${what}: exit ${r.code}\n${r.stderr}`);
    assert.match(r.stderr, /^slimnet: [^\n]+; [^\n]+\n$/, `${what}: not one line with a fix:\n${r.stderr}`);
    assert.match(r.stderr, re, what);
    assert.doesNotMatch(r.stderr, /\n\s+at /, `${what} printed a stack trace`);
  }
  assert.ok(!existsSync(out), "no output from failed runs");
  // a failing run leaves an existing output as it was
  const old = join(tmp, "old.slim");
  writeFileSync(old, "previous version");
  assert.equal(cli("convert", join(tmp, "junk.onnx"), "-o", old).code, 1);
  assert.equal(readFileSync(old, "utf8"), "previous version");
  assert.deepEqual(temps(tmp), [], "no temp files left");
  assert.ok(statSync(join(tmp, "a-folder.slim")).isDirectory(), "the folder in the way is untouched");
});

test("--verbose adds the stack; internal errors are one line pointing at --verbose", () => {
  const r = cli("inspect", join(tmp, "nosuch.slim"), "--verbose");
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^slimnet: cannot read .*nosuch\.slim: ENOENT .*\nInputError: cannot read/);
  assert.match(r.stderr, /\n\s+at readBytes /);

  const bug = new TypeError("Cannot read properties of undefined (reading 'shape')");
  assert.equal(report(bug, false), "slimnet: internal error: TypeError: Cannot read properties of undefined (reading 'shape'); run with --verbose for the stack\n");
  const verbose = report(bug, true);
  assert.match(verbose, /^slimnet: internal error: TypeError: Cannot read properties of undefined \(reading 'shape'\)\nTypeError: .*\n\s+at /);
  assert.equal(report("a string\nthrown", false), "slimnet: internal error: a string thrown; run with --verbose for the stack\n");
  assert.equal(report(new SlimnetError("two\nlines"), false), "slimnet: two lines\n");
  // withFix keeps the class and adds a fix only when the message has none
  const e = withFix(new InputError("--x takes 3"), "prune") as Error;
  assert.ok(e instanceof InputError);
  assert.equal(e.message, "--x takes 3; see slimnet prune --help");
  assert.equal((withFix(new InputError("a; b"), "prune") as Error).message, "a; b");
});

test("external data in the CLI: read from the .onnx file's folder", async () => {
  const out = join(tmp, "ext.slim");
  const r = cli("convert", join(extDir, "inside.onnx"), "-o", out);
  assert.equal(r.code, 0, r.stderr);
  const m = await Model.load(readFileSync(out));
  const y = m.run({ x: Float32Array.from([1, 0, 0, 0]) }).y.data;
  assert.deepEqual([...y].map((v) => +v.toFixed(5)), [0, 0.4, 0.8]); // column 0 of w = i/10 for rows i = 0, 4, 8
});

test("writeOutput: atomic replace, no temp files, failures leave the old file", () => {
  const dir = join(tmp, "atomic"), path = join(dir, "sub", "out.bin");
  writeOutput(path, Uint8Array.from([1, 2, 3]));
  assert.deepEqual([...readFileSync(path)], [1, 2, 3]);
  writeOutput(path, "replaced");
  assert.equal(readFileSync(path, "utf8"), "replaced");
  assert.deepEqual(readdirSync(join(dir, "sub")), ["out.bin"]);
  assert.throws(() => writeOutput(join(dir, "sub", "out.bin", "x"), "y"), (e: Error) => e instanceof InputError && /cannot write .*: (ENOTDIR|EEXIST) \(/.test(e.message));
  assert.equal(readFileSync(path, "utf8"), "replaced");
  assert.deepEqual(readdirSync(join(dir, "sub")), ["out.bin"]);
});

/** Spawns `args`, sends `signal` once `ready(stderr + stdout)` holds (or after `ms`), resolves at exit. */
function killMidway(args: string[], signal: NodeJS.Signals, ready: (dir: string) => boolean, dir: string, ms: number) {
  return new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string; sentAt: string }>((done) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stderr = "", sentAt = "timeout";
    child.stderr.on("data", (d) => { stderr += d; });
    child.stdout.on("data", () => {});
    const t0 = Date.now();
    const poll = setInterval(() => {
      if (ready(dir) || Date.now() - t0 > ms) {
        sentAt = ready(dir) ? "ready" : "timeout";
        clearInterval(poll);
        child.kill(signal);
      }
    }, 1);
    child.on("exit", (code, sig) => { clearInterval(poll); done({ code, signal: sig, stderr, sentAt }); });
  });
}

test("an interrupted compress (SIGINT, SIGTERM) leaves no output and no temp file", async () => {
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    const dir = join(tmp, `killed-${signal}`), out = join(dir, "lenet5.slim");
    mkdirSync(dir);
    const r = await killMidway(["--import", "tsx", MAIN, "compress", LENET, "-o", out, "--data", "mnist", "--epochs", "2"], signal, () => false, dir, 6000);
    assert.equal(r.signal, signal, `compress should still be running after 6 s and die of ${signal}: exit ${r.code}\n${r.stderr}`);
    assert.deepEqual(readdirSync(dir), [], `${signal}: nothing left in the output folder`);
  }
});

test("a signal during the write itself is held until the rename: the output is complete or absent, never partial", async () => {
  const dir = join(tmp, "write-kill"), out = join(dir, "big.bin"), n = 48 << 20;
  mkdirSync(dir);
  const script = `import { writeOutput } from ${JSON.stringify(join(ROOT, "src/cli/write-output.ts"))};
    const b = new Uint8Array(${n}).fill(7); writeOutput(${JSON.stringify(out)}, b); setTimeout(() => {}, 3000);`;
  const r = await killMidway(["--import", "tsx", "--input-type=module", "-e", script], "SIGTERM", (d) => temps(d).length > 0, dir, 20000);
  assert.deepEqual(temps(dir), [], "no temp file left");
  if (r.sentAt === "ready") {
    assert.equal(r.signal, "SIGTERM", `the held signal is delivered again: ${r.stderr}`);
    assert.equal(statSync(out).size, n, "signal held until the rename: the output is complete");
  } else assert.ok(r.code === 0 && statSync(out).size === n, r.stderr);
  console.log(`write-kill: signal sent ${r.sentAt === "ready" ? "while the temp file existed" : "after the write"}; output ${existsSync(out) ? "complete" : "absent"}`);
});

// What a newcomer does: the packed tarball installed into an empty folder, then `require`,
// `import` and `npx slimnet` from there. Proves exports, files (dist/, data/) and bin.
// The tarball is of the current dist/ (npm test builds first; --ignore-scripts skips prepack).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, resolve } from "node:path";
import { after, before, test } from "node:test";

const work = mkdtempSync(join(tmpdir(), "slimnet-pack-"));
// Under `npm test`, PATH starts with node_modules/.bin, which holds an old npm 6 brought in by a
// dev dependency; a newcomer has only the system npm/npx, so children get PATH without those.
const env = { ...process.env, PATH: (process.env.PATH ?? "").split(delimiter).filter((p) => !p.endsWith(join("node_modules", ".bin"))).join(delimiter) };
const sh = (cmd: string, args: string[], cwd = work): string =>
  execFileSync(cmd, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 });

before(() => {
  const [{ filename }] = JSON.parse(sh("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], resolve(".")));
  writeFileSync(join(work, "package.json"), '{ "name": "newcomer", "private": true }\n');
  sh("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error", join(work, filename)]);
  sh("npx", ["--no-install", "slimnet", "convert", "node_modules/slimnet/data/models/lenet300.onnx", "-o", "lenet300.slim"]);
});
after(() => rmSync(work, { recursive: true, force: true }));

// One script body for both module systems: load the .slim, run a blank image, print a summary.
const RUN = `
  const model = await Model.load("lenet300.slim");
  const out = model.run({ [model.inputs[0].name]: new Float32Array(784) })[model.outputs[0].name];
  console.log(JSON.stringify({ backend: model.backend, shape: out.shape, finite: out.data.every(Number.isFinite) }));`;
const WANT = { backend: "simd", shape: [1, 10], finite: true };

test("require('slimnet') (CommonJS) loads and runs a model", () => {
  const out = sh("node", ["-e", `const { Model } = require("slimnet"); (async () => {${RUN}\n})();`]);
  assert.deepEqual(JSON.parse(out), WANT);
});

test("import('slimnet') (ESM) loads and runs a model", () => {
  const out = sh("node", ["--input-type=module", "-e", `const { Model } = await import("slimnet");${RUN}`]);
  assert.deepEqual(JSON.parse(out), WANT);
});

test("npx slimnet inspect prints the per-layer table", () => {
  const out = sh("npx", ["--no-install", "slimnet", "inspect", "lenet300.slim"]);
  assert.match(out, /Gemm/);
});

test("npx slimnet eval --data mnist --limit 100 reads the bundled MNIST test set", () => {
  const out = JSON.parse(sh("npx", ["--no-install", "slimnet", "eval", "lenet300.slim", "--data", "mnist", "--limit", "100", "--json"]));
  console.log(`eval from the installed package: ${JSON.stringify(out).slice(0, 200)}`);
  assert.equal(out.n, 100);
  assert.ok(out.accuracy > 0.9, `accuracy ${out.accuracy}`);
});

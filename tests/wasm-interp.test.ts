// runtime.scalar.wasm stands alone: no imports (abort is our own trap, asconfig.json `use`), so
// an engine with no JS host at all runs it. Checked with Debian wabt: wasm-objdump lists the
// sections, wasm-interp instantiates the module (start function included) and calls exports.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { test } from "node:test";

const FILE = "dist/runtime.scalar.wasm";

function wabt(tool: string, args: string[]): string {
  try {
    return execFileSync(tool, args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") assert.fail(`${tool} not found: install wabt (apt-get install -y wabt; .ci/run does)`);
    throw e;
  }
}

test(`${FILE} has no imports and runs under wasm-interp`, () => {
  if (!existsSync(FILE)) execFileSync("node", ["scripts/build.mjs"], { stdio: "inherit" });
  const headers = wabt("wasm-objdump", ["-h", FILE]);
  assert.match(headers, /^\s*Export /m, "wasm-objdump shows no export section");
  if (/^\s*Import /m.test(headers)) assert.fail(`${FILE} imports:\n${wabt("wasm-objdump", ["-j", "Import", "-x", FILE])}`);

  // Every export without parameters runs; with no model loaded, run() fails with a message.
  const out = wabt("wasm-interp", [FILE, "--run-all-exports"]);
  const results = Object.fromEntries([...out.matchAll(/^(\w+)\(\) => (\w+):(\S+)$/gm)].map((m) => [m[1], Number(m[3])]));
  console.log(out.trim());
  assert.equal(results.inputCount, 0);
  assert.equal(results.outputCount, 0);
  assert.ok(results.run !== 0, "run() without a model must report an error");
  assert.ok(results.errorLen > 0, "run() without a model must leave a message (errorLen > 0)");
});

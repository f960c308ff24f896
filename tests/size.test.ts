// Download size of the runtime (DESIGN.md: JS + wasm ≤ 20 KB gzip): dist/runtime.simd.wasm plus
// the minified ESM bundle of src/runtime/index.ts, each gzipped at level 9 as a server would.
// The budget lives in package.json "slimnet".sizeBudgetGzip; lower it as the runtime shrinks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const gz = (b: Uint8Array): number => gzipSync(b, { level: 9 }).length;

test("runtime JS + SIMD wasm fit the gzip size budget of package.json", async () => {
  const budget: number = JSON.parse(readFileSync("package.json", "utf8")).slimnet.sizeBudgetGzip;
  // scripts/build.mjs, not asc alone: the shipped wasm has its data segments merged after asc.
  if (!existsSync("dist/runtime.simd.wasm")) execFileSync("node", ["scripts/build.mjs"], { stdio: "inherit" });
  const wasm = readFileSync("dist/runtime.simd.wasm");
  const out = await build({
    entryPoints: ["src/runtime/index.ts"], bundle: true, minify: true, format: "esm",
    platform: "neutral", write: false, logLevel: "silent",
  });
  const js = out.outputFiles[0].contents;
  const sizes = { "runtime.simd.wasm": gz(wasm), "index.js (ESM, minified)": gz(js) };
  const total = sizes["runtime.simd.wasm"] + sizes["index.js (ESM, minified)"];
  for (const [name, n] of Object.entries(sizes)) console.log(`${name.padEnd(26)} ${String(n).padStart(6)} B gzip`);
  console.log(`${"total".padEnd(26)} ${String(total).padStart(6)} B gzip (budget ${budget})`);
  assert.ok(total <= budget, `runtime is ${total} B gzip, over the budget of ${budget} B (package.json slimnet.sizeBudgetGzip)`);
});

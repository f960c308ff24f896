// Download size per target, gzipped at level 9 as a server would, against the budgets in
// package.json "slimnet".sizeBudgets (bytes of gzip): what a page, an app or a Worker fetches to
// run a model, without the model. Lower a budget when its target shrinks. The IIFE's wasm is
// inlined as text (scripts/build.mjs) that gzips like the binary, but the IIFE also carries the
// text's decoder and its host code (~0.5 KB gzip more than the ESM's JS).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { gzipSync } from "node:zlib";

const TARGETS: Record<string, string[]> = {
  iife: ["dist/slimnet.iife.js"], // the wasm is inlined
  esm: ["dist/slimnet.mjs", "dist/runtime.simd.wasm"],
  workerd: ["dist/slimnet.workerd.mjs", "dist/runtime.simd.wasm"],
};

test("each bundle with its runtime fits its gzip budget (package.json slimnet.sizeBudgets)", () => {
  const budgets: Record<string, number> = JSON.parse(readFileSync("package.json", "utf8")).slimnet.sizeBudgets;
  assert.deepEqual(Object.keys(budgets).sort(), Object.keys(TARGETS).sort(), "one budget per target");
  if (Object.values(TARGETS).flat().some((f) => !existsSync(f))) execFileSync("node", ["scripts/build.mjs"], { stdio: "inherit" });
  const over: string[] = [];
  for (const [target, files] of Object.entries(TARGETS)) {
    let raw = 0, gz = 0;
    for (const file of files) {
      const bytes = readFileSync(file);
      raw += bytes.length;
      gz += gzipSync(bytes, { level: 9 }).length;
    }
    console.log(`${target.padEnd(8)} ${files.join(" + ").padEnd(50)} ${String(raw).padStart(7)} B raw ${String(gz).padStart(6)} B gzip (budget ${budgets[target]})`);
    if (gz > budgets[target]) over.push(`${target} is ${gz} B gzip, over its budget of ${budgets[target]} B`);
  }
  assert.deepEqual(over, [], over.join("; "));
});

// Fuzzing in CI (issue 9 part 2): a few thousand seeded cases of each layer of tests/fuzz/
// (random bytes, structure-aware mutations of a valid file of every encoding, hostile inputs to
// valid models), then every regression fixture of tests/fixtures/fuzz/. Each case must end in a
// result or a SlimnetError within 2 s, and the TypeScript verifier and the runtime must agree on
// accepting a file. A failure prints seed, layer, case index and the command that re-runs it.
// FUZZ_SEED / FUZZ_CASES override the seed and the cases per layer; `npm run fuzz` runs long.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { corpus } from "./fuzz/corpus.js";
import { LAYERS, judgeFile, rerun, runCase, type Outcome } from "./fuzz/harness.js";
import { ENCODINGS } from "../src/format/verify.js";

const SEED = Number(process.env.FUZZ_SEED ?? 20261128);
const CASES = Number(process.env.FUZZ_CASES ?? 1000);
const FIXTURES = new URL("./fixtures/fuzz/", import.meta.url);

const report = (o: Outcome) => `${o.failure ?? o.divergence}\n  case: ${o.what.join(" | ")}\n  re-run: ${rerun(o)}`;

test("the seed corpus holds a valid file of every encoding tag (§3.1)", () => {
  const tags = new Set(corpus().map((s) => s.tag));
  assert.deepEqual([...tags].sort(), ENCODINGS.map((_, i) => i), `tags present: ${[...tags]}`);
});

for (const layer of LAYERS) {
  test(`fuzz layer "${layer}": ${CASES} cases (seed ${SEED}) end in a result or a SlimnetError, verifier and runtime agree`, async () => {
    const bad: string[] = [];
    const verdicts = new Map<string, number>();
    for (let i = 0; i < CASES; i++) {
      const o = await runCase(SEED, layer, i);
      const k = o.failure ? "FAIL" : o.ts ? `${o.ts}→${o.runtime}` : o.runtime;
      verdicts.set(k, (verdicts.get(k) ?? 0) + 1);
      if (o.failure || o.divergence) bad.push(report(o));
    }
    assert.deepEqual(bad, [], `${bad.length} of ${CASES} cases failed:\n${bad.slice(0, 10).join("\n")}`);
    // the layer reaches both outcomes (a fuzzer that only ever errors tests little)
    const accepted = [...verdicts].filter(([k]) => k.endsWith("result")).reduce((s, [, n]) => s + n, 0);
    assert.ok(accepted > 0 && accepted < CASES, `verdicts ${JSON.stringify(Object.fromEntries(verdicts))}`);
  });
}

test("regression fixtures (tests/fixtures/fuzz/*.slim) are rejected or run cleanly on both sides", async () => {
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith(".slim"));
  for (const f of files) {
    const bytes = new Uint8Array(readFileSync(new URL(f, FIXTURES)));
    for (const limits of [{}, { maxTensorElements: 1 << 20, maxArenaBytes: 1 << 24 }]) {
      const r = await judgeFile(bytes, limits, Math.random);
      assert.equal(r.failure, undefined, `${f}: ${r.failure}`);
      assert.equal(r.divergence, undefined, `${f}: ${r.divergence}`);
    }
  }
});

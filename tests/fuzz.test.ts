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
const CASES = Number(process.env.FUZZ_CASES ?? 2000);
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

test("fuzz findings, fixed: the runtime now rejects them as the verifier does, with these messages", async () => {
  const { Model, FormatError } = await import("../src/runtime/index.js");
  const { readSlim } = await import("../src/format/reader.js");
  const cases: [string, RegExp, RegExp][] = [
    // [fixture, runtime message, verifier message]
    ["mutate-s1-c16", /MaxPool.*pooling X \[1,8,8,8\] gives 5×4/, /inputs give \[1,8,5,4\]/],
    ["mutate-s1-c7260", /section "STRS" at offset 0x80: graph name of 120 bytes at 0 runs past STRS/, /string at 0 of 120 bytes runs past the end of STRS/],
    ["mutate-s1-c18153", /section "STRS" at offset 0x80: graph name length 2147483663 exceeds 4096/, /claims 2,147,483,663 bytes, above 4096/],
    ["mutate-s1-c20908", /Softmax.*axis -1 is out of range for rank 2/, /expected axis in \[0,2\), got -1/],
  ];
  for (const [name, rt, ts] of cases) {
    const bytes = new Uint8Array(readFileSync(new URL(`${name}.slim`, FIXTURES)));
    await assert.rejects(Model.load(bytes), (e) => e instanceof FormatError && rt.test(e.message), name);
    assert.throws(() => readSlim(bytes), (e) => e instanceof FormatError && ts.test(e.message), name);
  }
  // a 1 GiB arena (allowed by the default limit) is refused cleanly, not by a trap
  const big = new Uint8Array(readFileSync(new URL("mutate-s1-c20589.slim", FIXTURES)));
  await assert.rejects(Model.load(big), (e) => e instanceof FormatError && /out of memory for an arena of 1073741824 bytes/.test(e.message));
});

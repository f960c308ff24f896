// Early exits in the runtime (docs/RUNTIME.md "Early exits (run)", docs/API.md run options):
// decisions against the f64 reference of src/ir/exit-rule.ts on the logits the runtime itself
// computes with the exit forced; mixed batches (which compact) against each sample run alone at
// batch 1, bit for bit; budget mode against countMacs of the IR; per-call thresholds; a model
// without exits; the scalar build; and every §8 ✔ rule of the runtime's reader by a byte edit.
import { test } from "node:test";
import assert from "node:assert/strict";
import { writeSlim } from "../src/format/writer.js";
import { countMacs, inferShapes } from "../src/ir/analysis.js";
import { confidence, fires } from "../src/ir/exit-rule.js";
import type { Exit, Graph } from "../src/ir/graph.js";
import { FormatError, InputError } from "../src/runtime/errors.js";
import { Model } from "../src/runtime/index.js";
import type { RunOptions, RunResult } from "../src/runtime/model.js";
import { ZooBuilder } from "../src/zoo/layers.js";
import { randomKit } from "./kernels-wasm.js";
import { fixCrcs, sectionOffset } from "./helpers/slim-bytes.js";

const { randn } = randomKit(808);
type Rule = Exit["rule"];

/** Random biases so logits spread (the zoo initialises biases to 0). */
function spread(g: Graph): Graph {
  for (const t of g.tensors.values()) if (t.name.endsWith(".bias")) t.data = randn(t.shape[0]).map((v) => 0.5 * v);
  return g;
}

/**
 * MLP 24-32-20-10 with exit 0 (one Gemm, logits) after fc1 and exit 1 (Gemm, Relu, Gemm,
 * Softmax: probabilities) after fc2; each head's nodes come right after its attach point.
 */
function mlp(rule: Rule): Graph {
  const b = new ZooBuilder(11);
  const x = b.input("input", [1, 24]);
  const h1 = b.dense(x, "fc1", 32, true);
  const e0 = b.dense(h1, "exit0", 10, false);
  const h2 = b.dense(h1, "fc2", 20, true);
  const e1a = b.dense(h2, "exit1a", 12, true);
  const e1b = b.dense(e1a, "exit1b", 10, false);
  const e1 = b.node("Softmax", [e1b], { axis: 1 }, { name: "exit1", out: "exit1" });
  const g = spread(b.build("mlp-exits", [b.dense(h2, "logits", 10, false)], true));
  g.exits = [
    { output: e0, nodes: ["exit0"], rule, threshold: 0, values: "logits" },
    { output: e1, nodes: ["exit1a", "exit1b", "exit1"], rule, threshold: 0, values: "probs" },
  ];
  return g;
}

/**
 * CNN 1×8×8: conv, pool, exit 0 (GlobalAveragePool, flatten, Gemm: logits), then two convs
 * whose Concat the planner aliases (its inputs live inside its output), conv, flatten, Gemm.
 */
function cnn(rule: Rule): Graph {
  const b = new ZooBuilder(12);
  const x = b.input("input", [1, 1, 8, 8]);
  const p1 = b.maxpool2(b.conv(x, "c1", 4, 3, { p: 1 }), "p1");
  const gp = b.node("GlobalAveragePool", [p1], {}, { name: "exit0.gap", out: "exit0.gap" });
  const e0 = b.dense(b.flatten(gp, "exit0.flat"), "exit0", 10, false);
  const a = b.conv(p1, "c2a", 4, 3, { p: 1 }), c = b.conv(p1, "c2b", 4, 3, { p: 1 });
  const cat = b.node("Concat", [a, c], { axis: 1 }, { name: "cat", out: "cat" });
  const p2 = b.maxpool2(b.conv(cat, "c3", 6, 3, { p: 1 }), "p2");
  const g = spread(b.build("cnn-exits", [b.dense(b.flatten(p2, "flat"), "logits", 10, false)], true));
  g.exits = [{ output: e0, nodes: ["exit0.gap", "exit0.flat", "exit0"], rule, threshold: 0, values: "logits" }];
  return g;
}

const MODELS = { mlp, cnn };
type Kind = keyof typeof MODELS;
const sampleSize = (g: Graph): number => g.tensors.get(g.inputs[0])!.shape.slice(1).reduce((p, d) => p * d, 1);

/** Output rows per sample of a result. */
const rows = (r: Record<string, { data: Float32Array }>, c = 10): Float32Array[] =>
  Array.from({ length: r.logits.data.length / c }, (_, i) => r.logits.data.subarray(i * c, (i + 1) * c));
const extras = (r: Record<string, unknown>) => r as unknown as RunResult;

/** The per-exit confidences at batch `n` (exit forced, so every head sees every sample), in f64. */
function confidences(model: Model, input: Float32Array, rule: Rule): number[][] {
  return model.exits.map((e, k) => rows(model.run({ input }, { exit: k })).map((v) => confidence(rule, v, e.values)));
}

/**
 * Thresholds (f32) near the given quantile of each exit's confidences, so some samples stop and
 * some go on: halfway between two neighbours, so rounding noise in the logits (the SIMD GEMMs
 * sum in a batch-dependent order, see below) cannot flip a decision.
 */
function calibrate(conf: number[][], rule: Rule, q = 0.4): number[] {
  return conf.map((c) => {
    const s = [...c].sort((a, b) => (rule === "maxprob" ? b - a : a - b)), i = Math.floor(q * (s.length - 1));
    return Math.fround((s[i] + s[i + 1]) / 2);
  });
}

/**
 * Rows equal bit for bit in the scalar build. The SIMD build's f32-gemm (batch > 1, 2×4 tiles,
 * odd last row through f32-gemv) and f32-gemv (batch 1, two K halves) sum in different orders,
 * so a row's f32 result depends on the batch it runs in even without exits: there, the same up
 * to f32 rounding.
 */
function sameRow(simd: boolean, got: Float32Array, want: Float32Array, what: string): void {
  if (!simd) return assert.deepEqual(got, want, what);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-5 * (1 + Math.abs(want[i])), `${what}[${i}]: ${got[i]} vs ${want[i]}`);
}

/** A model of `kind` whose file carries thresholds calibrated for a mix of exits on `input`. */
async function build(kind: Kind, rule: Rule, input: Float32Array, simd = true): Promise<{ graph: Graph; model: Model; bytes: Uint8Array }> {
  const graph = MODELS[kind](rule);
  const probe = await Model.load(writeSlim(graph), { simd });
  calibrate(confidences(probe, input, rule), rule).forEach((t, k) => (graph.exits![k].threshold = t));
  const bytes = writeSlim(graph);
  return { graph, model: await Model.load(bytes, { simd }), bytes };
}

const inputFor = (kind: Kind, n: number): Float32Array => randn(n * sampleSize(MODELS[kind]("maxprob")));

for (const simd of [true, false]) {
  for (const kind of ["mlp", "cnn"] as const) {
    for (const rule of ["maxprob", "entropy"] as const) {
      const name = `${kind}, ${rule}, ${simd ? "SIMD" : "scalar"}`;

      test(`exit decisions equal the f64 reference on the runtime's own exit logits (${name})`, async () => {
        const input = inputFor(kind, 64);
        const { model } = await build(kind, rule, input, simd);
        const conf = confidences(model, input, rule);
        const auto = model.run({ input }), exit = extras(auto).exit;
        const forced = model.exits.map((_, k) => rows(model.run({ input }, { exit: k })));
        const final = rows(model.run({ input }, { exit: "final" }));
        const hist = new Array(model.exits.length + 1).fill(0);
        for (let s = 0; s < 64; s++) {
          let want = model.exits.findIndex((e, k) => fires(rule, conf[k][s], e.threshold));
          if (want < 0) want = model.exits.length;
          assert.equal(exit[s], want, `sample ${s}: confidences ${conf.map((c) => c[s])}`);
          hist[want]++;
          // The answer is that exit's row, bit for bit.
          sameRow(simd, rows(auto)[s], want < model.exits.length ? forced[want][s] : final[s], `sample ${s} output`);
        }
        assert.ok(hist.every((h) => h > 0), `every exit and the final output are taken: ${hist}`);
        assert.deepEqual([...extras(model.run({ input }, { exit: "final" })).exit], new Array(64).fill(model.exits.length));
        assert.deepEqual([...extras(model.run({ input }, { exit: 0 })).exit], new Array(64).fill(0));
      });

      test(`mixed batches (1, 2, 7, 64) give each sample's batch-1 result, in input order (${name})`, async () => {
        const input = inputFor(kind, 64), per = input.length / 64;
        const { model } = await build(kind, rule, input, simd);
        const alone = Array.from({ length: 64 }, (_, s) => {
          const r = model.run({ input: input.subarray(s * per, (s + 1) * per) });
          return { row: rows(r)[0], exit: extras(r).exit[0], macs: extras(r).macs };
        });
        for (const n of [1, 2, 7, 64]) {
          for (let from = 0; from + n <= 64; from += n === 64 ? 64 : 2 * n + 3) {
            const r = model.run({ input: input.subarray(from * per, (from + n) * per) });
            rows(r).forEach((row, i) => {
              sameRow(simd, row, alone[from + i].row, `batch ${n} from ${from}: sample ${i}`);
              assert.equal(extras(r).exit[i], alone[from + i].exit);
            });
            const want = alone.slice(from, from + n).reduce((m, a) => m + a.macs, 0);
            assert.equal(extras(r).macs, want, `batch ${n}: macs = the samples' batch-1 macs`);
          }
        }
      });
    }
  }
}

test("MACs: model.macs leaves heads out, exits[k].macs = nodes 0..last(k), runMacs = Σ exits[k].macs in auto mode", async () => {
  for (const kind of ["mlp", "cnn"] as const) {
    const input = inputFor(kind, 64);
    const { graph, model } = await build(kind, "maxprob", input);
    const per = countMacs(graph).perNode, names = graph.nodes.map((n) => n.name);
    const head = new Set(graph.exits!.flatMap((e) => e.nodes));
    const upTo = (last: number) => names.slice(0, last + 1).reduce((s, n) => s + per.get(n)!, 0);
    assert.equal(model.macs, names.filter((n) => !head.has(n)).reduce((s, n) => s + per.get(n)!, 0), `${kind}: model.macs`);
    const costs = [...graph.exits!.map((e) => upTo(names.indexOf(e.nodes.at(-1)!))), upTo(names.length - 1)];
    assert.deepEqual(model.exits.map((e) => e.macs), costs.slice(0, -1), `${kind}: exits[k].macs`);
    const r = extras(model.run({ input }));
    assert.equal(r.macs, [...r.exit].reduce((s, k) => s + costs[k], 0), `${kind}: runMacs`);
    assert.ok(r.macs < costs.at(-1)! * 64, "early exits save MACs");
    assert.equal(extras(model.run({ input }, { exit: "final" })).macs, model.macs * 64, "final skips the heads");
  }
});

test("budget mode: the deepest affordable exit, never more MACs per sample than the budget", async () => {
  const input = inputFor("mlp", 64);
  const { graph, model } = await build("mlp", "entropy", input);
  const per = countMacs(graph).perNode;
  const full = graph.nodes.reduce((s, n) => s + per.get(n.name)!, 0);
  const costs = [...model.exits.map((e) => e.macs), full];
  const never = { thresholds: model.exits.map(() => 0) }; // entropy ≤ 0: no sample is that sure
  for (const budget of [costs[0], costs[0] + 1, costs[1] - 1, costs[1], (costs[1] + costs[2]) / 2, costs[2], 1e12]) {
    const deepest = costs.filter((c) => c <= budget).length - 1; // costs increase
    const forced = extras(model.run({ input }, { budgetMacs: budget, ...never }));
    assert.deepEqual([...forced.exit], new Array(64).fill(deepest), `budget ${budget}: everyone at exit ${deepest}`);
    assert.equal(forced.macs, costs[deepest] * 64);
    const r = extras(model.run({ input }, { budgetMacs: budget }));
    assert.ok(r.macs <= budget * 64, `budget ${budget}: ${r.macs} MACs for 64 samples`);
    for (let s = 0; s < 64; s++) assert.ok(r.exit[s] <= deepest && costs[r.exit[s]] <= budget, `sample ${s} exit ${r.exit[s]}`);
    assert.equal(r.macs, [...r.exit].reduce((m, k) => m + costs[k], 0));
  }
  assert.throws(() => model.run({ input }, { budgetMacs: costs[0] - 1 }), (e: Error) => e instanceof InputError && /budgetMacs \d+ is below the cheapest exit's cost \(exit 0 "exit0": \d+ MACs\)/.test(e.message));
  assert.throws(() => model.run({ input }, { budgetMacs: 1e9, exit: "final" }), /budgetMacs needs exit "auto"/);
});

test("thresholds override one call; the file's come back after", async () => {
  const input = inputFor("cnn", 64);
  const { model, graph } = await build("cnn", "maxprob", input);
  const before = model.run({ input });
  assert.deepEqual([...extras(model.run({ input }, { thresholds: [0] })).exit], new Array(64).fill(0), "maxprob ≥ 0 always fires");
  assert.deepEqual([...extras(model.run({ input }, { thresholds: new Float64Array([1]) })).exit].filter((k) => k === 0), [], "maxprob ≥ 1 never fires here");
  const after = model.run({ input });
  assert.deepEqual(after, before);
  assert.deepEqual(extras(after).exit, extras(before).exit);
  assert.equal(model.exits[0].threshold, graph.exits![0].threshold);
  assert.ok([...extras(after).exit].includes(0) && [...extras(after).exit].includes(1), "the file's thresholds mix exits");
});

test("a model without exits runs as before: same outputs as the heads skipped, exit all 0, macs = model.macs × batch", async () => {
  for (const kind of ["mlp", "cnn"] as const) {
    const input = inputFor(kind, 7);
    const { graph, model } = await build(kind, "maxprob", input);
    const head = new Set(graph.exits!.flatMap((e) => e.nodes));
    const nodes = graph.nodes.filter((n) => !head.has(n.name)), used = new Set([...graph.inputs, ...nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
    const bare: Graph = { ...graph, nodes, tensors: new Map([...graph.tensors].filter(([t]) => used.has(t))), exits: undefined };
    const bytes = writeSlim(bare);
    assert.equal(bytes[4], 1, "version 1");
    const plain = await Model.load(bytes);
    assert.deepEqual(plain.exits, []);
    assert.equal(plain.macs, model.macs);
    const r = plain.run({ input });
    assert.deepEqual(Object.keys(r), ["logits"], "exit and macs are not enumerable");
    assert.deepEqual(r, model.run({ input }, { exit: "final" }));
    assert.deepEqual(extras(r).exit, new Int32Array(7));
    assert.equal(extras(r).macs, plain.macs * 7);
    assert.deepEqual(plain.run({ input }, { exit: "auto" }), r);
    assert.deepEqual(plain.run({ input }, { exit: "final" }), r, "final is the only exit there");
    assert.equal(plain.finalMacs, plain.macs);
    for (const options of [{ exit: 1 }, { exit: "first" }, { thresholds: [] }, { budgetMacs: 1e9 }] as RunOptions[]) {
      assert.throws(() => plain.run({ input }, options), (e: Error) => e instanceof InputError && /this model has no early exits/.test(e.message), JSON.stringify(options));
    }
  }
});

test("run options are validated with InputErrors that name the option", async () => {
  const input = inputFor("mlp", 2);
  const { model } = await build("mlp", "maxprob", input);
  const bad: [unknown, RegExp][] = [
    [{ exit: 3 }, /exit 3 is not an exit index 0..1 \(or 2, the graph output\)/],
    [{ exit: -1 }, /exit -1 is not an exit index/],
    [{ exit: 0.5 }, /exit 0.5 is not an exit index/],
    [{ exit: "first" }, /exit must be "auto", "final" or an exit index, got "first"/],
    [{ thresholds: [0.5] }, /thresholds: expected 2 numbers \(one per exit\), got Array of length 1/],
    [{ thresholds: 0.5 }, /thresholds: expected 2 numbers/],
    [{ thresholds: [0.5, NaN] }, /thresholds\[1\] \(exit "exit1", maxprob\) must be in \[0, 1\], got NaN/],
    [{ thresholds: [1.5, 0.5] }, /thresholds\[0\] \(exit "exit0", maxprob\) must be in \[0, 1\], got 1.5/],
    [{ budgetMacs: "lots" }, /budgetMacs must be a number, got string/],
    [{ budgetMacs: 1e9, exit: 1 }, /budgetMacs needs exit "auto", got exit 1/],
    [{ exits: 1 }, /unknown run option "exits"; the options are exit, thresholds, budgetMacs/],
  ];
  for (const [options, message] of bad) {
    assert.throws(() => model.run({ input }, options as RunOptions), (e: Error) => e instanceof InputError && message.test(e.message), `${JSON.stringify(options)}`);
  }
  assert.deepEqual(extras(model.run({ input }, { exit: 2 })).exit, Int32Array.of(2, 2), "exit = exits.length is the graph output");
  const entropy = await build("mlp", "entropy", input);
  assert.throws(() => entropy.model.run({ input }, { thresholds: [3, -1] }), /thresholds\[1\] \(exit "exit1", entropy\) must be a finite number ≥ 0, got -1/);
  assert.equal(model.exits[1].name, "exit1");
  assert.deepEqual(model.exits.map((e) => [e.index, e.rule, e.values]), [[0, "maxprob", "logits"], [1, "maxprob", "probs"]]);
});

test("the runtime's reader rejects every §8 ✔ rule broken by a byte edit, naming EXIT", async () => {
  const input = inputFor("mlp", 4);
  const { graph, bytes } = await build("mlp", "maxprob", input);
  const names = [...graph.tensors.keys()], id = (n: string) => names.indexOf(n);
  const ex = sectionOffset(bytes, "EXIT"), r0 = ex + 4, r1 = r0 + 20;
  const nodeOf = (n: string) => graph.nodes.findIndex((x) => x.name === n);
  const edit = (f: (dv: DataView, b: Uint8Array) => void): Uint8Array => {
    const b = bytes.slice();
    f(new DataView(b.buffer), b);
    return fixCrcs(b);
  };
  const rejects = async (b: Uint8Array, message: RegExp, place = /^section "EXIT" at offset 0x[0-9a-f]+: /) => {
    await assert.rejects(Model.load(b), (e: Error) => {
      assert.ok(e instanceof FormatError, `${e}`);
      assert.match(e.message, place);
      assert.match(e.message, message);
      return true;
    });
  };
  await Model.load(bytes);
  const cases: [string, (dv: DataView, b: Uint8Array) => void, RegExp][] = [
    ["count 0 in version 2", (dv) => dv.setUint32(ex, 0, true), /exit count is 0, a version 2 file has at least 1/],
    ["length", (dv) => dv.setUint32(ex, 3, true), /length expected 64 for 3 exits, got 44/],
    ["tensor id", (dv) => dv.setUint32(r0, 9999, true), /exit 0 tensor id 9999 is not below the tensor count/],
    ["constant", (dv) => dv.setUint32(r0, id("fc1.weight"), true), /exit 0 tensor \d+ is a constant/],
    ["graph input", (dv) => dv.setUint32(r0, id("input"), true), /exit 0 tensor 0 is a graph input or output/],
    ["graph output", (dv) => dv.setUint32(r0, id("logits"), true), /exit 0 tensor \d+ is a graph input or output/],
    ["dims", (dv) => dv.setUint32(r0, id("fc1"), true), /exit 0 tensor \d+ is \[1,32\], expected the graph output's \[1,10\]/],
    ["first ≤ last", (dv) => dv.setUint32(r0 + 4, nodeOf("exit0") + 1, true), /exit 0 first node 2 is after its last node 1/],
    ["last < node count", (dv) => { dv.setUint32(r1 + 4, 99, true); dv.setUint32(r1 + 8, 99, true); }, /exit 1 last node 99 is not below the node count 7/],
    ["last writes y", (dv) => dv.setUint32(r1 + 8, nodeOf("exit1b"), true), /exit 1 last node 4 does not write its tensor/],
    ["rule", (_, b) => { b[r0 + 12] = 2; }, /exit 0 rule 2 is unknown/],
    ["values", (_, b) => { b[r1 + 13] = 7; }, /exit 1 values 7 is unknown/],
    ["reserved", (_, b) => { b[r0 + 15] = 1; }, /exit 0 reserved field expected 0, got 256/],
    ["threshold NaN", (dv) => dv.setFloat32(r0 + 16, NaN, true), /exit 0 max-softmax threshold \(f32 bits 0x7fc00000\) is not in \[0, 1\]/],
    ["threshold > 1", (dv) => dv.setFloat32(r0 + 16, 1.5, true), /exit 0 max-softmax threshold .* is not in \[0, 1\]/],
    ["threshold < 0", (dv, b) => { b[r1 + 12] = 1; dv.setFloat32(r1 + 16, -0.5, true); }, /exit 1 entropy threshold .* is not finite and ≥ 0/],
    ["threshold ∞", (dv, b) => { b[r1 + 12] = 1; dv.setFloat32(r1 + 16, Infinity, true); }, /exit 1 entropy threshold \(f32 bits 0x7f800000\)/],
    ["order", (dv) => { dv.setUint32(r1 + 4, 1, true); }, /exit 1 first node 1 is not after exit 0's last node 1/],
    ["self-contained", (dv) => dv.setUint32(r0 + 4, 0, true), /exit 0: node 2 outside the head \(nodes 0..1\) reads tensor \d+, written inside it/],
  ];
  for (const [what, f, message] of cases) await rejects(edit(f), message).catch((e) => assert.fail(`${what}: ${e.message}`));
  // A head writing the graph output: the graph output becomes exit1b, written inside exit 1's head.
  const outAt = sectionOffset(bytes, "GRPH") + 12;
  assert.equal(new DataView(bytes.buffer, bytes.byteOffset).getUint32(outAt, true), id("logits"));
  await rejects(edit((dv) => dv.setUint32(outAt, id("exit1b"), true)), /exit 1: its head \(nodes 3..5\) writes the graph output \d+/);
  // A version 2 file without EXIT, a version 1 file with exits, a newer version.
  const v1 = writeSlim({ ...graph, exits: undefined });
  await rejects(fixCrcs(Object.assign(v1.slice(), { 4: 2 })), /version 2 \(early exits\) but the file has no EXIT section/, /^header at offset 0x4: /);
  await rejects(edit((_, b) => { b[4] = 1; }), /exit count expected 0 in a version 1 file, got 2/);
  await rejects(edit((_, b) => { b[4] = 3; }), /file version 3 is newer than this runtime \(2\); upgrade slimnet/, /^header at offset 0x4: /);
});

test("the scalar build takes the same exits as the SIMD build on the same file", async () => {
  for (const kind of ["mlp", "cnn"] as const) {
    const input = inputFor(kind, 64);
    const { bytes } = await build(kind, "entropy", input);
    const [a, b] = await Promise.all([Model.load(bytes, { simd: true }), Model.load(bytes, { simd: false })]);
    const ra = a.run({ input }), rb = b.run({ input });
    assert.deepEqual(extras(rb).exit, extras(ra).exit, kind);
    assert.equal(extras(rb).macs, extras(ra).macs);
    rows(rb).forEach((row, s) => sameRow(true, row, rows(ra)[s], `${kind} sample ${s}`));
  }
});

// .slim v1: round trip, CRC-32, arena planner, and rejection of malformed files.
// Mutations recompute the CRCs (unless the CRC is what is under test) so that the check under
// test is the one that fires; every rejection asserts on the message.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Graph, Node, Tensor } from "../src/ir/graph.js";
import { crc32 } from "../src/format/crc32.js";
import { writeSlim } from "../src/format/writer.js";
import { readSlim } from "../src/format/reader.js";
import { verify } from "../src/format/verify.js";
import { planArena } from "../src/plan/arena.js";
import { inspect } from "../src/format/inspect.js";
import { FormatError } from "../src/runtime/errors.js";

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function weights(n: number, rand: () => number): Float32Array {
  return Float32Array.from({ length: n }, () => rand() * 2 - 1);
}

function graph(name: string, tensors: Tensor[], nodes: Node[], inputs: string[], outputs: string[], batchDynamic = false): Graph {
  return { name, tensors: new Map(tensors.map((t) => [t.name, t])), nodes, inputs, outputs, batchDynamic };
}

const act = (op: "Relu" | "Softmax", x: string, y: string): Node =>
  op === "Relu" ? { op, name: y, inputs: [x], outputs: [y], attrs: {} }
    : { op, name: y, inputs: [x], outputs: [y], attrs: { axis: 1, toEnd: 0 } };

/** MLP 784-300-100-10 with softmax: the fixed chain whose arena is pinned. */
function mlp(): Graph {
  const rand = rng(1);
  const t: Tensor[] = [{ name: "x", shape: [1, 784] }];
  const nodes: Node[] = [];
  const dims = [784, 300, 100, 10];
  let prev = "x";
  for (let l = 1; l < dims.length; l++) {
    const [k, n] = [dims[l - 1], dims[l]];
    t.push({ name: `w${l}`, shape: [n, k], data: weights(n * k, rand), encoding: "f32" });
    t.push({ name: `b${l}`, shape: [n], data: weights(n, rand), encoding: "f32" });
    t.push({ name: `h${l}`, shape: [1, n] });
    nodes.push({ op: "Gemm", name: `fc${l}`, inputs: [prev, `w${l}`, `b${l}`], outputs: [`h${l}`], attrs: { act: 0, actA: 0, actB: 0 } });
    t.push({ name: `r${l}`, shape: [1, n] });
    nodes.push(l < 3 ? act("Relu", `h${l}`, `r${l}`) : act("Softmax", `h${l}`, `r${l}`));
    prev = `r${l}`;
  }
  return graph("mlp", t, nodes, ["x"], ["r3"], true);
}

/** A CNN touching every attribute kind: ints, f32 bits, int lists, Concat's variable arity. */
function cnn(): Graph {
  const rand = rng(2);
  const special = Float32Array.from([0, -0, 1e-45, -3.4028234663852886e38, Infinity, -Infinity, NaN, 0.1]);
  new Uint32Array(special.buffer)[6] = 0x7fc01234; // NaN with a payload
  const t: Tensor[] = [
    { name: "img", shape: [1, 1, 8, 8] },
    { name: "cw", shape: [4, 1, 3, 3], data: weights(36, rand), encoding: "f32" },
    { name: "cb", shape: [4], data: special.subarray(0, 4).slice(), encoding: "f32" },
    { name: "c", shape: [1, 4, 8, 8] },
    { name: "p", shape: [1, 4, 4, 4] },
    { name: "pp", shape: [1, 4, 6, 6] },
    { name: "tp", shape: [1, 6, 6, 4] },
    { name: "cat", shape: [1, 6, 6, 8] },
    { name: "flat", shape: [1, 288] },
    { name: "slope", shape: [1, 288], data: weights(288, rand), encoding: "f32" },
    { name: "special", shape: [8], data: special, encoding: "f32" },
    { name: "out", shape: [1, 288] },
    { name: "s", shape: [8] },
  ];
  const win = { kh: 2, kw: 2, sh: 2, sw: 2, dh: 1, dw: 1, padTop: 0, padLeft: 0, padBottom: 0, padRight: 0 };
  const nodes: Node[] = [
    { op: "Conv", name: "conv", inputs: ["img", "cw", "cb"], outputs: ["c"], attrs: {
      group: 1, kh: 3, kw: 3, sh: 1, sw: 1, dh: 1, dw: 1, padTop: 1, padLeft: 1, padBottom: 1, padRight: 1,
      act: 2, actA: 0, actB: 6 } },
    { op: "MaxPool", name: "pool", inputs: ["c"], outputs: ["p"], attrs: win },
    { op: "Pad", name: "pad", inputs: ["p"], outputs: ["pp"], attrs: { mode: 0, value: -1.5, pads: [0, 0, 1, 1, 0, 0, 1, 1] } },
    { op: "Transpose", name: "nhwc", inputs: ["pp"], outputs: ["tp"], attrs: { perm: [0, 2, 3, 1] } },
    { op: "Concat", name: "cat", inputs: ["tp", "tp"], outputs: ["cat"], attrs: { axis: 3 } },
    { op: "Reshape", name: "flatten", inputs: ["cat"], outputs: ["flat"], attrs: { shape: [1, 288] } },
    { op: "PRelu", name: "prelu", inputs: ["flat", "slope"], outputs: ["out"], attrs: {} },
    { op: "LeakyRelu", name: "leaky", inputs: ["special"], outputs: ["s"], attrs: { alpha: Math.fround(0.01) } },
  ];
  return graph("cnn ✓ unicode", t, nodes, ["img"], ["out", "s"]);
}

// ---------------------------------------------------------------- byte-level helpers

const u32 = (b: Uint8Array, o: number) => new DataView(b.buffer, b.byteOffset).getUint32(o, true);
const setU32 = (b: Uint8Array, o: number, v: number) => new DataView(b.buffer, b.byteOffset).setUint32(o, v >>> 0, true);

interface Entry { kind: string; at: number; offset: number; length: number }
function table(b: Uint8Array): Entry[] {
  return Array.from({ length: u32(b, 8) }, (_, i) => {
    const at = 32 + 16 * i;
    return { kind: String.fromCharCode(...b.subarray(at, at + 4)), at, offset: u32(b, at + 4), length: u32(b, at + 8) };
  });
}
const section = (b: Uint8Array, kind: string) => table(b).find((e) => e.kind === kind)!;

/** Recomputes every in-range section CRC and the header CRC, as a careful forger would. */
function fixCrcs(b: Uint8Array): Uint8Array {
  const entries = table(b);
  for (const e of entries)
    if (e.offset + e.length <= b.length) setU32(b, e.at + 12, crc32(b.subarray(e.offset, e.offset + e.length)));
  const tableEnd = 32 + 16 * entries.length;
  setU32(b, 16, crc32(b.subarray(32, tableEnd), crc32(b.subarray(0, 16))));
  return b;
}

/** A copy of `bytes` changed by `edit`, CRCs recomputed. */
function mutate(bytes: Uint8Array, edit: (b: Uint8Array) => void): Uint8Array {
  const b = bytes.slice();
  edit(b);
  return fixCrcs(b);
}

/** `bytes` with one more section (table grows by 16, every section moves 16 on), CRCs fixed. */
function appendSection(bytes: Uint8Array, kind: string, payload: Uint8Array): Uint8Array {
  const count = u32(bytes, 8), oldEnd = 32 + 16 * count;
  const bodyEnd = bytes.length + 16, at = Math.ceil(bodyEnd / 16) * 16;
  const b = new Uint8Array(at + payload.length);
  b.set(bytes.subarray(0, oldEnd));
  b.set(bytes.subarray(oldEnd), oldEnd + 16);
  b.set(payload, at);
  for (const e of table(b)) setU32(b, e.at + 4, e.offset + 16);
  b.set(new TextEncoder().encode(kind), oldEnd);
  setU32(b, oldEnd + 4, at);
  setU32(b, oldEnd + 8, payload.length);
  setU32(b, 8, count + 1);
  setU32(b, 12, b.length);
  return fixCrcs(b);
}

/** File offset of tensor record `id` and of node record `k`. */
const tensorAt = (b: Uint8Array, id: number) => section(b, "TENS").offset + 4 + 48 * id;
function nodeAt(b: Uint8Array, k: number): number {
  let p = section(b, "NODE").offset + 4;
  for (let i = 0; i < k; i++) p += 12 + 4 * (b[p + 6] + b[p + 7] + u32(b, p + 8));
  return p;
}

function rejects(b: Uint8Array, pattern: RegExp, limits = {}): void {
  assert.throws(() => readSlim(b, limits), (e: unknown) => {
    assert.ok(e instanceof FormatError, `expected FormatError, got ${e}`);
    assert.match(e.message, / at offset 0x[0-9a-f]+: /, "message names the place and offset");
    assert.match(e.message, pattern);
    return true;
  });
}

// ---------------------------------------------------------------- round trip

test("CRC-32 known answer", () => {
  assert.equal(crc32(new TextEncoder().encode("123456789")), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  const b = new TextEncoder().encode("123456789");
  assert.equal(crc32(b.subarray(4), crc32(b.subarray(0, 4))), 0xcbf43926, "crc continues across chunks");
});

test("round trip graph → bytes → graph is deep equal, weights bit-exact", () => {
  for (const g of [mlp(), cnn()]) {
    const bytes = writeSlim(g);
    const back = readSlim(bytes);
    assert.deepEqual(back, g);
    assert.deepEqual([...back.tensors.keys()], [...g.tensors.keys()], "tensor order kept");
    for (const [name, t] of g.tensors) {
      if (!t.data) continue;
      const a = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
      const d = back.tensors.get(name)!.data!;
      assert.deepEqual(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), a, `${name} bit-exact`);
    }
    assert.deepEqual(writeSlim(back), bytes, "writing again gives the same bytes");
  }
});

test("layout: header fields, 16-byte aligned sections and weights, batch-dynamic flag", () => {
  const bytes = writeSlim(mlp());
  assert.deepEqual([...bytes.subarray(0, 4)], [0x53, 0x4c, 0x49, 0x4d]);
  assert.equal(new DataView(bytes.buffer).getUint16(4, true), 1);
  assert.equal(new DataView(bytes.buffer).getUint16(6, true), 1, "batch-dynamic flag");
  assert.equal(new DataView(writeSlim(cnn()).buffer).getUint16(6, true), 0);
  assert.equal(u32(bytes, 12), bytes.length);
  assert.deepEqual(table(bytes).map((e) => e.kind), ["STRS", "TENS", "NODE", "GRPH", "PLAN", "WGTS"]);
  for (const e of table(bytes)) assert.equal(e.offset % 16, 0, `${e.kind} aligned`);
  const file = verify(bytes);
  for (const t of file.tensors) assert.equal(t.offset % 16, 0, `${t.name} aligned`);
  assert.equal(file.arenaBytes, planArena(mlp()).arenaBytes);
  assert.equal(u32(bytes, section(bytes, "STRS").offset), 3, "graph name first in STRS");
});

// ---------------------------------------------------------------- planner

test("arena of the fixed MLP chain is pinned", () => {
  // x 3136 B live 0..0, h1 1200 B 0..1 → x at 0, h1 at 3136; everything later fits below.
  const plan = planArena(mlp());
  assert.equal(plan.arenaBytes, 4336);
  assert.deepEqual(Object.fromEntries(plan.offsets),
    { x: 0, h1: 3136, r1: 0, h2: 1200, r2: 0, h3: 400, r3: 0 });
});

/** A random DAG of [1, n] activations: Relu, Gemm (new width) and Concat of 2–3 recent tensors. */
function randomDag(seed: number): Graph {
  const rand = rng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const tensors = new Map<string, Tensor>();
  const add = (t: Tensor) => tensors.set(t.name, t);
  const acts: string[] = [];
  const width = (name: string) => tensors.get(name)!.shape[1];
  const recent = () => acts[acts.length - 1 - int(Math.min(acts.length, 6))];
  const nIn = 1 + int(3);
  for (let i = 0; i < nIn; i++) {
    add({ name: `in${i}`, shape: [1, 1 + int(300)] });
    acts.push(`in${i}`);
  }
  const nodes: Node[] = [];
  const nNodes = 1 + int(30);
  for (let i = 0; i < nNodes; i++) {
    const out = `t${i}`, name = `n${i}`, pick = rand();
    const xs = Array.from({ length: 2 + int(2) }, recent);
    if (pick < 0.3 || (pick >= 0.6 && xs.reduce((s, x) => s + width(x), 0) > 1000)) {
      const x = recent();
      add({ name: out, shape: [1, width(x)] });
      nodes.push({ op: "Relu", name, inputs: [x], outputs: [out], attrs: {} });
    } else if (pick < 0.6) {
      const x = recent(), n = 1 + int(100), k = width(x);
      add({ name: `w${i}`, shape: [n, k], data: weights(n * k, rand), encoding: "f32" });
      add({ name: `b${i}`, shape: [n], data: weights(n, rand), encoding: "f32" });
      add({ name: out, shape: [1, n] });
      nodes.push({ op: "Gemm", name, inputs: [x, `w${i}`, `b${i}`], outputs: [out], attrs: { act: 1, actA: 0, actB: 0 } });
    } else {
      add({ name: out, shape: [1, xs.reduce((s, x) => s + width(x), 0)] });
      nodes.push({ op: "Concat", name, inputs: xs, outputs: [out], attrs: { axis: 1 } });
    }
    acts.push(out);
  }
  const outputs = [acts[acts.length - 1], ...acts.filter(() => rand() < 0.15)];
  return { name: `dag${seed}`, tensors, nodes, inputs: acts.slice(0, nIn), outputs: [...new Set(outputs)], batchDynamic: false };
}

test("planner: no two simultaneously live buffers overlap (brute force, random DAGs)", () => {
  let savedSomething = false;
  for (let seed = 1; seed <= 300; seed++) {
    const g = randomDag(seed);
    const { offsets, arenaBytes } = planArena(g);
    // Independent liveness: a buffer is live at step s ∈ [0, n] when it is an input (s = 0),
    // an output (s = n), or between its writer and its last reader.
    const n = g.nodes.length;
    const liveAt = (name: string, s: number): boolean => {
      if (s === 0 && g.inputs.includes(name)) return true;
      if (s === n && g.outputs.includes(name)) return true;
      const w = g.inputs.includes(name) ? 0 : g.nodes.findIndex((x) => x.outputs.includes(name));
      let last = g.outputs.includes(name) ? n : w;
      g.nodes.forEach((x, i) => { if (x.inputs.includes(name)) last = Math.max(last, i); });
      return w <= s && s <= last;
    };
    const acts = [...g.tensors.values()].filter((t) => !t.data);
    const size = (t: Tensor) => 4 * t.shape.reduce((a, b) => a * b, 1);
    // The one allowed overlap (FORMAT.md §6): x sits exactly at its slice of the output y of the
    // Concat that reads x last (the planner's default, so that Concat copies nothing).
    const concatSlice = (x: Tensor, y: Tensor): boolean => {
      const c = g.nodes.findIndex((m) => m.op === "Concat" && m.outputs[0] === y.name), node = g.nodes[c];
      if (c < 0 || !node.inputs.includes(x.name) || g.outputs.includes(x.name) || g.nodes.some((m, i) => i > c && m.inputs.includes(x.name))) return false;
      const before = node.inputs.slice(0, node.inputs.indexOf(x.name)).reduce((sum, i) => sum + size(g.tensors.get(i)!), 0);
      return offsets.get(x.name) === offsets.get(y.name)! + before;
    };
    for (const t of acts) {
      assert.equal(offsets.get(t.name)! % 16, 0);
      assert.ok(offsets.get(t.name)! + size(t) <= arenaBytes, `seed ${seed}: ${t.name} inside the arena`);
    }
    for (let s = 0; s <= n; s++) {
      const live = acts.filter((t) => liveAt(t.name, s));
      for (const a of live) for (const b of live) {
        if (a === b || concatSlice(a, b) || concatSlice(b, a)) continue;
        const [oa, ob] = [offsets.get(a.name)!, offsets.get(b.name)!];
        assert.ok(oa + size(a) <= ob || ob + size(b) <= oa,
          `seed ${seed} step ${s}: ${a.name} [${oa}, ${oa + size(a)}) overlaps ${b.name} [${ob}, ${ob + size(b)})`);
      }
    }
    const naive = acts.reduce((sum, t) => sum + Math.ceil(size(t) / 16) * 16, 0);
    assert.ok(arenaBytes <= naive, `seed ${seed}: arena ${arenaBytes} > naive ${naive}`);
    savedSomething ||= arenaBytes < naive;
    assert.deepEqual(readSlim(writeSlim(g)), g, `seed ${seed}: round trip`);
  }
  assert.ok(savedSomething, "the planner reuses memory on some graph");
});

// ---------------------------------------------------------------- rejection

test("rejects a file truncated at any length", () => {
  const bytes = writeSlim(cnn());
  for (let len = 0; len < bytes.length; len++) rejects(bytes.subarray(0, len), /truncated/);
  rejects(new Uint8Array([...bytes, 0]), /fileLength is .* but the file has .* \(truncated or padded\)/);
});

test("rejects bad magic, newer or zero version, unknown flags, bad header fields", () => {
  const bytes = writeSlim(mlp());
  rejects(mutate(bytes, (b) => { b[0] = 0x50; b[1] = 0x4b; }), /magic is 50 4B 49 4D, expected 53 4C 49 4D \("SLIM"\): not a \.slim file/);
  rejects(mutate(bytes, (b) => { b[4] = 3; }), /^header at offset 0x4: file version 3 is newer than this runtime \(2\); upgrade slimnet$/);
  rejects(mutate(bytes, (b) => { b[4] = 0; }), /version 0/);
  rejects(mutate(bytes, (b) => { b[6] = 3; }), /flags 0x3 set undefined bits/);
  rejects(mutate(bytes, (b) => setU32(b, 8, 0)), /sectionCount 0 is outside 1..32/);
  rejects(mutate(bytes, (b) => setU32(b, 8, 33)), /sectionCount 33/);
  rejects(mutate(bytes, (b) => { b[25] = 1; }), /header at offset 0x19: reserved byte/);
});

test("rejects each wrong CRC, naming the section", () => {
  const bytes = writeSlim(cnn());
  const badHeader = bytes.slice();
  setU32(badHeader, 16, u32(bytes, 16) ^ 1);
  rejects(badHeader, /^header at offset 0x10: headerCrc/);
  const badTable = bytes.slice();
  badTable[32 + 16 + 12] ^= 0x80; // a section CRC inside the table is covered by headerCrc
  rejects(badTable, /headerCrc/);
  for (const e of table(bytes)) {
    const b = bytes.slice();
    b[e.offset + Math.floor(e.length / 2)] ^= 0x10;
    rejects(b, new RegExp(`^section "${e.kind}" at offset 0x${e.offset.toString(16)}: crc32 is`));
  }
});

test("rejects bad section tables: past the end, u32 overflow, misaligned, overlapping, unknown, duplicate, missing", () => {
  const bytes = writeSlim(mlp());
  const [strs, tens, , , plan] = table(bytes);
  rejects(mutate(bytes, (b) => setU32(b, tens.at + 4, 0xfffffff0)), /section "TENS" at offset 0xfffffff0: offset 4,294,967,280 \+ length .* exceeds the file/);
  rejects(mutate(bytes, (b) => setU32(b, plan.at + 8, 0xfffffff0)), /section "PLAN" .* \+ length 4,294,967,280 exceeds the file/);
  rejects(mutate(bytes, (b) => setU32(b, plan.at + 4, plan.offset + 4)), /not a multiple of 16/);
  rejects(mutate(bytes, (b) => setU32(b, strs.at + 4, 16)), /inside the header or section table/);
  rejects(mutate(bytes, (b) => setU32(b, tens.at + 4, strs.offset)), /section "(TENS|STRS)" .* overlaps section/);
  rejects(mutate(bytes, (b) => b.set([0x58, 0x58, 0x58, 0x58], plan.at)), /unknown kind "XXXX"/);
  rejects(mutate(bytes, (b) => b.set([0x53, 0x54, 0x52, 0x53], plan.at)), /section "STRS" appears twice/);
  rejects(mutate(bytes, (b) => b.set([0x45, 0x58, 0x49, 0x54], plan.at)), /required section "PLAN" is missing/);
});

test("EXIT in a version 1 file: count 0 is accepted, anything else rejected", () => {
  const bytes = writeSlim(mlp());
  assert.equal(bytes[4], 1, "a file without exits is version 1");
  assert.deepEqual(readSlim(appendSection(bytes, "EXIT", new Uint8Array(4))), mlp());
  rejects(appendSection(bytes, "EXIT", Uint8Array.of(1, 0, 0, 0)), /^section "EXIT" at offset 0x[0-9a-f]+: exit count 1; version 1 requires 0 \(early exits need a version 2 file\)$/);
  rejects(appendSection(bytes, "EXIT", new Uint8Array(2)), /section "EXIT" .*length is 2, expected at least 4/);
  rejects(appendSection(bytes, "EXIT", new Uint8Array(0)), /length is 0/);
  rejects(appendSection(appendSection(bytes, "EXIT", new Uint8Array(4)), "EXIT", new Uint8Array(4)), /section "EXIT" appears twice/);
});

/** mlp() with an exit head (Gemm 300→10 + Softmax) right after the first hidden layer. */
function mlpWithExit(threshold = 0.875): Graph {
  const g = mlp(), rand = rng(3);
  const add = (t: Tensor) => g.tensors.set(t.name, t);
  add({ name: "we", shape: [10, 300], data: weights(3000, rand), encoding: "f32" });
  add({ name: "be", shape: [10], data: weights(10, rand), encoding: "f32" });
  add({ name: "he", shape: [1, 10] });
  add({ name: "pe", shape: [1, 10] });
  const head: Node[] = [
    { op: "Gemm", name: "exit0", inputs: ["r1", "we", "be"], outputs: ["he"], attrs: { act: 0, actA: 0, actB: 0 } },
    act("Softmax", "he", "pe"),
  ];
  g.nodes.splice(2, 0, ...head);
  g.exits = [{ output: "pe", nodes: head.map((n) => n.name), rule: "maxprob", threshold, values: "probs" }];
  return g;
}

test("EXIT (version 2): exits round-trip; every §8 rule is checked", () => {
  const bytes = writeSlim(mlpWithExit());
  assert.equal(bytes[4], 2, "a file with exits is version 2");
  assert.deepEqual(readSlim(bytes), mlpWithExit());
  assert.deepEqual(readSlim(writeSlim({ ...mlpWithExit(), exits: [{ ...mlpWithExit().exits![0], rule: "entropy", threshold: 0.25 }] })).exits,
    [{ output: "pe", nodes: ["exit0", "pe"], rule: "entropy", threshold: 0.25, values: "probs" }]);
  assert.equal(writeSlim(mlpWithExit(), { training: true })[4], 1, "a training file has no exits");
  const ex = section(bytes, "EXIT").offset, rec = ex + 4;
  const f32At = (o: number, v: number) => (b: Uint8Array) => new DataView(b.buffer, b.byteOffset).setFloat32(o, v, true);
  const id = (name: string) => [...mlpWithExit().tensors.keys()].indexOf(name);
  const E = (msg: string) => new RegExp(`^section "EXIT" at offset 0x[0-9a-f]+: ${msg}`);
  rejects(mutate(bytes, (b) => setU32(b, ex, 0)), E("exit count 0; a version 2 file has at least one exit"));
  rejects(mutate(bytes, (b) => setU32(b, ex, 2)), E("length is 24, expected 4 \\+ 20 × 2 = 44"));
  rejects(mutate(bytes, (b) => setU32(b, rec, 999)), E("exit 0: tensor 999, but there are"));
  rejects(mutate(bytes, (b) => setU32(b, rec, id("we"))), E(`exit 0: tensor ${id("we")} "we" is a constant`));
  rejects(mutate(bytes, (b) => setU32(b, rec, id("r3"))), E(`exit 0: tensor ${id("r3")} "r3" is a graph output`));
  rejects(mutate(bytes, (b) => setU32(b, rec, id("x"))), E(`exit 0: tensor 0 "x" is a graph input`));
  rejects(mutate(bytes, (b) => setU32(b, rec, id("r1"))), E(`exit 0: tensor ${id("r1")} "r1" is \\[1,300\\] but the graph output tensor ${id("r3")} "r3" is \\[1,10\\]`));
  rejects(mutate(bytes, (b) => setU32(b, rec + 4, 4)), E("exit 0: first node 4 is after last node 3"));
  rejects(mutate(bytes, (b) => { setU32(b, rec + 4, 99); setU32(b, rec + 8, 99); }), E("exit 0: last node 99, but there are 8 nodes"));
  rejects(mutate(bytes, (b) => setU32(b, rec + 8, 2)), E(`exit 0: node 2 does not write tensor ${id("pe")} "pe" \\(node 3 does\\)`));
  rejects(mutate(bytes, (b) => { b[rec + 12] = 2; }), E("exit 0: rule 2 is not 0"));
  rejects(mutate(bytes, (b) => { b[rec + 13] = 2; }), E("exit 0: values 2 is not 0"));
  rejects(mutate(bytes, (b) => { b[rec + 15] = 1; }), E("exit 0: reserved is 256, expected 0"));
  rejects(mutate(bytes, f32At(rec + 16, NaN)), E("exit 0: threshold NaN is not in \\[0, 1\\]"));
  rejects(mutate(bytes, f32At(rec + 16, 1.5)), E("exit 0: threshold 1.5 is not in \\[0, 1\\]"));
  rejects(mutate(bytes, (b) => { b[rec + 12] = 1; f32At(rec + 16, -1)(b); }), E("exit 0: threshold -1 is not a finite number ≥ 0"));
  // A head that starts at node 0 swallows fc1 and r1, which the backbone reads.
  rejects(mutate(bytes, (b) => setU32(b, rec + 4, 0)), E(`exit 0: node 4 "fc2" outside the head \\(nodes 0..3\\) reads tensor ${id("r1")} "r1", written inside it`));
  // Version 2 without EXIT; a second graph output; exits out of order.
  const noExit = writeSlim(mlp());
  rejects(mutate(noExit, (b) => { b[4] = 2; }), /^header at offset 0x4: version 2 file has no EXIT section/);
  const two = mlpWithExit();
  two.outputs.push("r2");
  rejects(writeSlim(two), E("a file with exits has exactly one graph output, this one has 2"));
  const order = mlpWithExit();
  order.exits!.push({ ...order.exits![0] });
  rejects(writeSlim(order), E("exit 1: first node 2 is not after exit 0's last node 3"));
  assert.throws(() => writeSlim({ ...mlpWithExit(), exits: [{ ...mlpWithExit().exits![0], nodes: ["exit0", "fc2"] }] }), /head nodes \[exit0, fc2\] are not a contiguous run/);
});

test("rejects absurd dims: product overflow, above maxTensorElements, zero dims, rank", () => {
  const bytes = writeSlim(mlp());
  const w1 = tensorAt(bytes, 1);
  // 65536^6 = 2^96 overflows any integer type; the check stops at the first partial product past the limit.
  rejects(mutate(bytes, (b) => { b[w1 + 6] = 6; for (let a = 0; a < 6; a++) setU32(b, w1 + 8 + 4 * a, 65536); }),
    /tensor 1 "w1": dims \[65536, 65536, …\] exceed maxTensorElements \(268,435,456\)/);
  rejects(mutate(bytes, (b) => setU32(b, w1 + 8, 0xffffffff)), /dims \[4294967295, …\] exceed maxTensorElements/);
  rejects(bytes, /tensor 1 "w1": dims \[300, 784\] exceed maxTensorElements \(100,000\)/, { maxTensorElements: 100_000 });
  rejects(mutate(bytes, (b) => setU32(b, w1 + 12, 0)), /dims\[1\] is 0/);
  rejects(mutate(bytes, (b) => setU32(b, w1 + 16, 5)), /dims\[2\] is 5 beyond rank 2/);
  rejects(mutate(bytes, (b) => { b[w1 + 6] = 7; }), /rank 7 is above 6/);
  rejects(mutate(bytes, (b) => { b[w1 + 5] = 2; }), /dtype 2/);
  rejects(mutate(bytes, (b) => { b[w1 + 4] = 2; }), /kind 2/);
});

test("rejects tensor placement errors: WGTS bounds, byteLength, string references", () => {
  const bytes = writeSlim(mlp());
  const w1 = tensorAt(bytes, 1), x = tensorAt(bytes, 0);
  const wgts = section(bytes, "WGTS").length;
  rejects(mutate(bytes, (b) => setU32(b, w1 + 32, Math.ceil(wgts / 16) * 16)), /exceeds WGTS/);
  rejects(mutate(bytes, (b) => setU32(b, w1 + 36, 4)), /byteLength 4, expected 4 × 235,200 elements/);
  rejects(mutate(bytes, (b) => setU32(b, x + 36, 4)), /tensor 0 "x": byteLength 4/);
  rejects(mutate(bytes, (b) => setU32(b, x + 32, 8)), /offset 8 is not a multiple of 16/);
  rejects(mutate(bytes, (b) => setU32(b, x, 0xfffffff0)), /string reference .* past the end of STRS/);
  rejects(mutate(bytes, (b) => setU32(b, section(b, "STRS").offset, 5000)), /claims 5,000 bytes, above 4096/);
  rejects(mutate(bytes, (b) => setU32(b, w1 + 44, 1)), /reserved word/);
});

test("rejects a reserved or unknown encoding tag", () => {
  const bytes = writeSlim(mlp());
  const w1 = tensorAt(bytes, 1);
  rejects(mutate(bytes, (b) => { b[w1 + 7] = 2; }), /tensor 1 "w1": byteLength \d+, expected \d+ for int8/); // an f32 record retagged int8 (§3.7)
  rejects(mutate(bytes, (b) => { b[w1 + 7] = 6; }), /tensor 1 "w1": byteLength 940800, expected 31200 for binary/); // tag 6 is read: an f32 body is the wrong size
  rejects(mutate(bytes, (b) => { b[w1 + 7] = 9; }), /unknown encoding tag 9/);
  rejects(mutate(bytes, (b) => { b[tensorAt(b, 0) + 7] = 1; }), /an activation has encoding 1/);
});

test("rejects bad nodes: opcode, arity, ids, double writes, record ends, attribute values", () => {
  const bytes = writeSlim(mlp());
  const n0 = nodeAt(bytes, 0);
  rejects(mutate(bytes, (b) => { b[n0 + 4] = 99; }), /node 0 "fc1": unknown opcode 99/);
  rejects(mutate(bytes, (b) => { b[n0 + 6] = 2; }), /node 0 "fc1" \(Gemm\): 2 inputs, expected 3/);
  rejects(mutate(bytes, (b) => { b[n0 + 7] = 2; }), /1 outputs?, expected 1|2 outputs, expected 1/);
  rejects(mutate(bytes, (b) => setU32(b, n0 + 8, 2)), /node 0 "fc1" \(Gemm\): 2 attributes, expected 3/);
  rejects(mutate(bytes, (b) => setU32(b, n0 + 8, 1000)), /runs past the end of the section/);
  rejects(mutate(bytes, (b) => setU32(b, n0 + 12, 9999)), /input 0 is tensor 9,999, but there are 13 tensors/);
  rejects(mutate(bytes, (b) => setU32(b, n0 + 24, 1)), /output tensor 1 "w1" is a constant/);
  const n1 = nodeAt(bytes, 1);
  rejects(mutate(bytes, (b) => setU32(b, n1 + 16, u32(b, n0 + 24))), /node 1 .* already written by node 0/);
  rejects(mutate(bytes, (b) => setU32(b, n0 + 28, 7)), /act 7 is not 0..3/);
  rejects(mutate(bytes, (b) => setU32(b, section(b, "NODE").offset, 7)), /node 6 starts past the end of the section/);
  rejects(mutate(bytes, (b) => setU32(b, section(b, "NODE").offset, 0)), /node count 0/);

  const cnnBytes = writeSlim(cnn());
  const conv = nodeAt(cnnBytes, 0);
  const attr = (k: number) => conv + 12 + 4 * (3 + 1) + 4 * k;
  rejects(mutate(cnnBytes, (b) => setU32(b, attr(0), 3)), /group 3 does not divide C = 1 and F = 4/);
  rejects(mutate(cnnBytes, (b) => setU32(b, attr(3), 0)), /sh is 0, expected ≥ 1/);
  rejects(mutate(cnnBytes, (b) => setU32(b, attr(7), -1)), /padTop is -1, expected ≥ 0/);
  const pad = nodeAt(cnnBytes, 2);
  rejects(mutate(cnnBytes, (b) => setU32(b, pad + 12 + 8 + 8 + 4, -2)), /pads\[1\] is -2/);
  rejects(mutate(cnnBytes, (b) => setU32(b, pad + 12 + 8, 4)), /mode 4 is not 0..3/);
  const tp = nodeAt(cnnBytes, 3);
  rejects(mutate(cnnBytes, (b) => setU32(b, tp + 8, 3)), /\(Transpose\): 3 attributes, expected 4/);
  const flat = tensorAt(cnnBytes, 8); // [1, 288] → [1, 256]
  rejects(mutate(cnnBytes, (b) => { setU32(b, flat + 12, 256); setU32(b, flat + 36, 1024); }), /\(Reshape\): input has 288 elements, output 256/);
});

test("rejects reads before writes and cycles", () => {
  const g = mlp();
  const swapped = { ...g, nodes: [g.nodes[1], g.nodes[0], ...g.nodes.slice(2)] };
  rejects(writeSlim(swapped), /node 0 "r1" \(Relu\): input tensor \d+ "h1" is read before any node writes it/);
  const cyc = mlp();
  cyc.nodes[0] = { ...cyc.nodes[0], inputs: ["r1", "w1", "b1"] }; // fc1 ← r1 ← h1 ← fc1
  cyc.tensors.set("r1", { name: "r1", shape: [1, 784] });
  rejects(writeSlim(cyc), /node 0 "fc1" \(Gemm\): input tensor \d+ "r1" is read before any node writes it \(cycle/);
});

test("rejects bad graph inputs/outputs and PLAN errors, including arena overlap", () => {
  const bytes = writeSlim(mlp());
  const grph = section(bytes, "GRPH").offset;
  rejects(mutate(bytes, (b) => setU32(b, grph, 0)), /input count 0 is outside 1..64/);
  rejects(mutate(bytes, (b) => setU32(b, grph + 4, 1)), /input 0 is tensor 1 "w1", a constant/);
  const twoInputs = mlp();
  twoInputs.inputs = ["x", "h1"];
  rejects(writeSlim(twoInputs), /section "GRPH" at offset 0x[0-9a-f]+: input tensor 3 "h1" is written by node 0$/);
  const unwritten = mlp();
  unwritten.tensors.set("z", { name: "z", shape: [2] });
  unwritten.outputs = ["r3", "z"];
  rejects(writeSlim(unwritten), /output tensor 13 "z" is neither written by a node nor an input/);
  rejects(mutate(bytes, (b) => setU32(b, grph + 12, 99)), /output 0 is tensor 99/);
  const plan = section(bytes, "PLAN").offset;
  rejects(mutate(bytes, (b) => setU32(b, plan, 4000)), /tensor 3 "h1": arena bytes 3,136..4,336 exceed arenaBytes \(4,000\)/);
  rejects(bytes, /arenaBytes 4,336 exceeds maxArenaBytes \(1,000\)/, { maxArenaBytes: 1000 });
  rejects(mutate(bytes, (b) => setU32(b, plan + 8, 1)), /section "PLAN" .*reserved word/);
  // h1 (live 0..1) moved onto x (live 0..0): both live at node 0.
  rejects(mutate(bytes, (b) => setU32(b, tensorAt(b, 3) + 32, 1024)),
    /tensor 3 "h1" at arena 1,024 overlaps tensor 0 "x" \(0..3,136\) while both are live \(nodes 0..0\)/);
  // r3 (live 5..6) moved to 16, over x (live 0..0) and r2 (3..4): never live together, allowed.
  assert.doesNotThrow(() => readSlim(mutate(bytes, (b) => setU32(b, tensorAt(b, 12) + 32, 16))));
});

test("writer refuses graphs the format cannot hold", () => {
  const g = mlp();
  g.tensors.set("w1", { ...g.tensors.get("w1")!, encoding: "binary" });
  assert.throws(() => writeSlim(g), /tensor "w1": binary row 0 holds .* at column 1, expected ±.* \(±α per row: \|w\| of the row's first element\)/);
  const h = mlp();
  h.nodes[0] = { ...h.nodes[0], attrs: { act: 0, actA: 0 } };
  assert.throws(() => writeSlim(h), /node "fc1" \(Gemm\): attribute actB is missing/);
  const k = mlp();
  k.nodes[1] = { ...k.nodes[1], inputs: ["nope"] };
  assert.throws(() => writeSlim(k), /refers to tensor "nope"/);
});

test("rejects a node whose shapes break its op's rule (what prepare checks)", () => {
  const bytes = writeSlim(mlp());
  const h1 = tensorAt(bytes, 3); // [1, 300] → [1, 299]
  rejects(mutate(bytes, (b) => { setU32(b, h1 + 12, 299); setU32(b, h1 + 36, 4 * 299); }),
    /node 0 "fc1" \(Gemm\): output tensor 3 "h1" is \[1,299\] but the inputs give \[1,300\]/);
  const b1 = tensorAt(bytes, 2); // bias [300] → [299]
  rejects(mutate(bytes, (b) => { setU32(b, b1 + 8, 299); setU32(b, b1 + 36, 4 * 299); }),
    /node 0 "fc1" \(Gemm\): Gemm: expected B \[300\], got \[299\]/);
});

test("inspect: header, sections and per-layer rows", () => {
  const g = mlp();
  const bytes = writeSlim(g);
  const ins = inspect(bytes);
  assert.equal(ins.bytes, bytes.length);
  assert.equal(ins.name, "mlp");
  assert.equal(ins.batchDynamic, true);
  assert.equal(ins.arenaBytes, 4336);
  assert.deepEqual(ins.sections.map((s) => s.kind), ["STRS", "TENS", "NODE", "GRPH", "PLAN", "WGTS"]);
  assert.deepEqual(ins.inputs, [{ name: "x", shape: [1, 784] }]);
  assert.deepEqual(ins.layers[0], { name: "fc1", op: "Gemm", shape: [1, 300], params: 235_500, encoding: "f32", bytes: 942_000, macs: 235_200 });
  assert.deepEqual(ins.layers[1], { name: "r1", op: "Relu", shape: [1, 300], params: 0, encoding: "", bytes: 0, macs: 300 });
  assert.equal(ins.params, 784 * 300 + 300 + 300 * 100 + 100 + 100 * 10 + 10);
  assert.equal(ins.weightBytes, 4 * ins.params);
  assert.equal(ins.macs, 784 * 300 + 300 * 100 + 100 * 10 + 300 + 100 + 10);
  assert.deepEqual(inspect(g), ins, "a Graph inspects as its file");
});

test("fuzz: any corrupted file (CRCs fixed) is read or rejected with a FormatError, never a crash", () => {
  const rand = rng(7);
  for (const bytes of [writeSlim(cnn()), writeSlim(mlp())]) {
    for (let i = 0; i < 1500; i++) {
      const b = mutate(bytes, (x) => {
        for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
          // mostly the small structural sections, not the bulk of the weights
          const at = 32 + Math.floor(rand() * Math.min(x.length - 32, 1600));
          x[at] = rand() < 0.5 ? x[at] ^ (1 << Math.floor(rand() * 8)) : Math.floor(rand() * 256);
        }
      });
      try {
        readSlim(b);
      } catch (e) {
        assert.ok(e instanceof FormatError, `mutation ${i}: ${e}`);
      }
    }
  }
});

// Concat without a copy (src/plan/concat-alias.ts, docs/FORMAT.md §6 "Concat slices"): which
// Concat inputs the planner puts inside the output, that the arena does not grow, and that the
// runtime computes the same output with and without the aliasing, at batch 1 (in place) and at
// batch 3 of a batch-dynamic file (through scratch), SIMD and scalar.
import { test } from "node:test";
import assert from "node:assert/strict";
import { GraphBuilder } from "../src/ir/build.js";
import { numel, type Graph } from "../src/ir/graph.js";
import { concatAliases } from "../src/plan/concat-alias.js";
import { planArena } from "../src/plan/arena.js";
import { writeSlim } from "../src/format/writer.js";
import { verify } from "../src/format/verify.js";
import { Model } from "../src/runtime/model.js";
import { fold } from "../src/passes/fold.js";
import { shufflenet } from "../src/zoo/shufflenet.js";
import { squeezenet } from "../src/zoo/squeezenet.js";
import { rng, randn } from "./helpers/onnx-builder.js";
import { fixCrcs, sectionOffset } from "./helpers/slim-bytes.js";

const r = rng(99);
const conv = (b: GraphBuilder, x: string, f: number, k: number): string => {
  const c = b.shape(x)[1], p = k >> 1;
  return b.node("Conv", [x, b.constant(`w${b.nodes.length}`, [f, c, k, k], randn(r, f * c * k * k)), b.constant(`b${b.nodes.length}`, [f], randn(r, f))],
    { group: 1, kh: k, kw: k, sh: 1, sw: 1, dh: 1, dw: 1, padTop: p, padLeft: p, padBottom: p, padRight: p, act: 1, actA: 0, actB: 0 });
};
/** squeeze 1×1 → expand 1×1 ‖ expand 3×3 → Concat(axis) [→ a 1×1 conv], batch-dynamic. */
function fire(o: { axis?: number; leak?: boolean; extraRead?: boolean; c?: number } = {}): Graph {
  const b = new GraphBuilder();
  const s = conv(b, b.input("x", [1, 8, 7, 6]), 4, 1);
  const e1 = conv(b, s, o.c ?? 8, 1), e3 = conv(b, s, o.c ?? 8, 3);
  let y = b.node("Concat", [e1, e3], { axis: o.axis ?? 1 });
  if (o.extraRead) y = b.node("Add", [y, b.node("Concat", [e1, e3], { axis: o.axis ?? 1 })]);
  y = conv(b, y, 6, 1);
  return b.build("fire", o.leak ? [y, e1] : [y], true);
}

test("planner: Concat inputs go to adjacent slices of the output; the arena does not grow", () => {
  for (const g of [fire(), squeezenet(3), (() => { const s = shufflenet(3); fold(s); return s; })()]) {
    const concats = g.nodes.filter((n) => n.op === "Concat"), alias = concatAliases(g);
    assert.equal(alias.size, 2 * concats.length, `${g.name}: every Concat input aliased`);
    const plain = planArena(g, { aliasConcat: false }), aliased = planArena(g, { aliasConcat: true });
    assert.ok(aliased.arenaBytes <= plain.arenaBytes, `${g.name}: ${aliased.arenaBytes} ≤ ${plain.arenaBytes}`);
    for (const n of concats) {
      let at = aliased.offsets.get(n.outputs[0])!;
      for (const x of n.inputs) { assert.equal(aliased.offsets.get(x), at, `${g.name}: ${x} at its slice`); at += 4 * numel(g.tensors.get(x)!.shape); }
    }
    console.log(`${g.name}: arena ${plain.arenaBytes} → ${aliased.arenaBytes} bytes at batch 1`);
    verify(writeSlim(g, { aliasConcat: true })); // the §6 checks accept Concat slices, and nothing else overlaps
  }
});

test("planner: no aliasing for near misses (axis with dims > 1 before it, inputs read elsewhere or graph outputs, unaligned slices)", () => {
  assert.equal(concatAliases(fire({ axis: 2 })).size, 0, "axis 2: slabs are not one run");
  assert.equal(concatAliases(fire({ leak: true })).size, 0, "an input is a graph output");
  assert.equal(concatAliases(fire({ extraRead: true })).size, 0, "inputs read by two Concats");
  assert.equal(concatAliases(fire({ c: 1 })).size, 0, "7·6 floats: the second slice is not 16-byte aligned");
  const b = new GraphBuilder(), x = b.input("x", [1, 4, 2, 2]);
  const inner = b.node("Concat", [b.node("Relu", [x]), b.node("Tanh", [x])], { axis: 1 });
  const g = b.build("nested", [b.node("Concat", [inner, b.node("Sigmoid", [x])], { axis: 1 })], true);
  assert.deepEqual([...concatAliases(g).values()].map((a) => a.into), [inner, inner], "only the inner Concat of a nest");
});

test("runtime: the same outputs with and without Concat slices, batch 1 (in place) and batch 3 (scratch)", async () => {
  for (const g of [fire(), squeezenet(4), (() => { const s = shufflenet(4); fold(s); return s; })()]) {
    const plain = writeSlim(g, { aliasConcat: false }), aliased = writeSlim(g, { aliasConcat: true });
    for (const simd of [true, false]) {
      const a = await Model.load(plain, { simd }), b = await Model.load(aliased, { simd });
      for (const batch of [1, 3, 1]) {
        const shape = [batch, ...g.tensors.get(g.inputs[0])!.shape.slice(1)];
        const feeds = { [g.inputs[0]]: { data: randn(r, numel(shape)), shape } };
        const want = a.run(feeds)[g.outputs[0]].data.slice(), got = b.run(feeds)[g.outputs[0]].data;
        assert.deepEqual(got, want, `${g.name} ${simd ? "simd" : "scalar"} batch ${batch}`);
      }
    }
  }
});

/** `bytes` with activation `id`'s arena offset set to `at`, CRCs redone. */
function moveTensor(bytes: Uint8Array, id: number, at: number): Uint8Array {
  const b = bytes.slice();
  new DataView(b.buffer).setUint32(sectionOffset(b, "TENS") + 4 + 48 * id + 32, at, true);
  return fixCrcs(b);
}

test("hostile files: a Concat input one slot off its slice overlaps a live tensor and is refused by both readers", async () => {
  const g = fire(), bytes = writeSlim(g, { aliasConcat: true }), file = verify(bytes);
  const concat = g.nodes.find((n) => n.op === "Concat")!, second = file.tensors.findIndex((t) => t.name === concat.inputs[1]);
  const moved = moveTensor(bytes, second, file.tensors[second].offset + 16);
  assert.throws(() => verify(moved), /overlaps .* while both are live/);
  await assert.rejects(Model.load(moved), /are live at the same time .* but overlap in the arena/);
});

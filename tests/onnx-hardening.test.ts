// ONNX files are untrusted input: every hostile model here ends in a FormatError, ShapeError or
// UnsupportedError naming the node or tensor and what was expected, never a TypeError,
// RangeError or a hang. The models are written with onnx-proto (as exporters do) and then
// broken on purpose; a seeded mini-fuzz (byte-level and structure-aware mutations of three valid
// models) checks the same over a few hundred cases (ONNX_FUZZ_CASES=N for more).
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import onnx from "onnx-proto";
import { importOnnx, type OnnxImportOptions } from "../src/import/onnx.js";
import { writeSlim } from "../src/format/writer.js";
import { FormatError, ShapeError, SlimnetError, UnsupportedError } from "../src/runtime/errors.js";
import { buildModel, rng, type ModelSpec } from "./helpers/onnx-builder.js";
import { evalGraph } from "./helpers/ir-eval.js";
import { B, fuzzBases, fuzzCases, gemmSpec, W } from "./helpers/onnx-fuzz.js";

const P = onnx.onnx;
// Hostile models are built by poking at decoded protos field by field: loosely typed on purpose.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type M = any;
const tmp = mkdtempSync(join(tmpdir(), "slimnet-onnx-hard-"));

const f32 = (a: ArrayLike<number>): Uint8Array => new Uint8Array(Float32Array.from(a).buffer);

/** The f64 oracle of gemmSpec. */
const gemmRef = (x: number[]): number[] =>
  [0, 1, 2].map((n) => Math.max(0, B[n] + x.reduce((s, v, k) => s + v * W[n * 4 + k], 0)));

/** Decodes `spec`, lets `mutate` break it, encodes it again. */
function hostile(mutate: (m: M) => void, spec: ModelSpec = gemmSpec()): Uint8Array {
  const m = P.ModelProto.decode(buildModel(spec));
  mutate(m);
  return P.ModelProto.encode(m).finish();
}

/** importOnnx must throw `Class` (never a TypeError/RangeError) with a message matching `re`, quickly. */
function rejects(bytes: Uint8Array, Class: typeof SlimnetError, re: RegExp, opts: OnnxImportOptions = {}): void {
  const t0 = performance.now();
  let err: unknown;
  try { importOnnx(bytes, opts); } catch (e) { err = e; }
  const ms = performance.now() - t0;
  assert.ok(err, `expected ${Class.name} matching ${re}, import succeeded`);
  assert.ok(err instanceof Class, `expected ${Class.name}, got ${(err as Error).name}: ${(err as Error).message}`);
  assert.match((err as Error).message, re);
  assert.ok(ms < 2000, `took ${ms.toFixed(0)} ms`);
}

test("malformed protobuf: random bytes, empty, truncated, not bytes → FormatError", () => {
  const seeded = rng(7), r = () => seeded(0, 1), good = buildModel(gemmSpec());
  rejects(new Uint8Array(0), FormatError, /ONNX model has no graph/);
  // 0x0a = field 1 (ir_version) with wire type 2 (length-delimited) → invalid wire type
  rejects(Uint8Array.from([0x0f, 0xff, 0xff, 0xff, 0xff, 0xff]), FormatError, /not an ONNX model/);
  rejects(Uint8Array.from({ length: 64 }, () => 0xff), FormatError, /not an ONNX model/);
  for (const cut of [good.length - 1, Math.floor(good.length / 2), 20, 3]) {
    let err: unknown;
    try { importOnnx(good.subarray(0, cut)); } catch (e) { err = e; }
    assert.ok(err instanceof SlimnetError, `truncated at ${cut}: ${(err as Error)?.name}: ${(err as Error)?.message}`);
  }
  for (let k = 0; k < 20; k++) {
    const junk = Uint8Array.from({ length: 1 + Math.floor(r() ** 2 * 500) }, () => Math.floor(r() * 256));
    try { importOnnx(junk); } catch (e) { assert.ok(e instanceof SlimnetError, `${(e as Error).name}: ${(e as Error).message}`); }
  }
  rejects("not bytes" as unknown as Uint8Array, FormatError, /takes the model's bytes as a Uint8Array, got string/);
});

test("a graph listed out of order is sorted; a cycle names one of its nodes", () => {
  const x = [0.3, -1, 2, 0.5];
  const reversed = hostile((m) => m.graph!.node.reverse());
  const g = importOnnx(reversed), y = evalGraph(g, { x: { data: Float32Array.from(x), shape: [1, 4] } }).y.data;
  gemmRef(x).forEach((v, i) => assert.ok(Math.abs(y[i] - v) < 1e-5, `y[${i}] = ${y[i]}, want ${v}`));

  rejects(hostile((m) => { m.graph!.node[0].input[0] = "y"; }), FormatError, /node "(fc|act)" \((Gemm|Relu)\) is on a cycle \(.*→.*\); expected an acyclic graph/);
  rejects(hostile((m) => { m.graph!.node[1].input[0] = "y"; }), FormatError, /node "act" \(Relu\) is on a cycle/);
});

test("missing initializers and inputs that are never defined", () => {
  rejects(hostile((m) => { m.graph!.initializer.splice(0, 1); }), FormatError, /node "fc" \(Gemm\): input "w" is not produced by any node, initializer or graph input \(missing initializer\?\)/);
  rejects(hostile((m) => { m.graph!.input = []; }), FormatError, /node "fc" \(Gemm\): input "x" is not produced/);
  rejects(hostile((m) => { m.graph!.output[0].name = "z"; }), FormatError, /graph output "z" is never produced/);
  rejects(hostile((m) => { m.graph!.node[0].input = ["x"]; }), FormatError, /node "fc" \(Gemm\): input 1 is required; expected at least 2 input\(s\), got 1/);
  rejects(hostile((m) => { m.graph!.node[1].output = []; }), FormatError, /node "act" \(Relu\): no output/);
  rejects(hostile((m) => { m.graph!.node[1].opType = ""; }), FormatError, /node "act" \(\): no op_type/);
});

test("duplicate names", () => {
  rejects(hostile((m) => { m.graph!.initializer.push(m.graph!.initializer[0]); }), FormatError, /initializer "w" is defined twice/);
  rejects(hostile((m) => { m.graph!.input.push(m.graph!.input[0]); }), FormatError, /graph input "x" is listed twice/);
  rejects(hostile((m) => { m.graph!.output.push(m.graph!.output[0]); }), FormatError, /graph output "y" is listed twice/);
  rejects(hostile((m) => { m.graph!.node[1].output[0] = "h"; m.graph!.output[0].name = "h"; }), FormatError, /node "act" \(Relu\): output "h" is also produced by node "fc" \(Gemm\)/);
  rejects(hostile((m) => { m.graph!.node[0].output[0] = "w"; m.graph!.node[1].input[0] = "w"; }), FormatError, /node "fc" \(Gemm\): output "w" has the name of an initializer/);
  rejects(hostile((m) => { m.graph!.node[0].output[0] = "x"; m.graph!.node[1].input[0] = "x"; }), FormatError, /output "x" has the name of a graph input/);
});

test("absurd shapes: negative dims, overflowing products, rank > 6, raw_data of the wrong length", () => {
  const init = (m: M) => m.graph!.initializer[0];
  rejects(hostile((m) => { init(m).dims = [-3, 4]; }), ShapeError, /initializer "w": tensor "w": dim 0 is -3 in \[-3,4\]; expected an integer ≥ 0/);
  rejects(hostile((m) => { init(m).dims = [65536, 65536, 65536]; }), ShapeError, /tensor "w": shape \[65536,65536,65536\] has 281474976710656 elements; expected ≤ 268435456/);
  rejects(hostile((m) => { init(m).dims = [2 ** 40, 0]; }), ShapeError, /dim 0 is 1099511627776 .*expected ≤ 268435456 elements/);
  rejects(hostile((m) => { init(m).dims = [1, 1, 1, 1, 1, 1, 3, 4]; }), ShapeError, /tensor "w": rank 8 \[1,1,1,1,1,1,3,4\]; expected rank ≤ 6/);
  rejects(hostile((m) => { init(m).rawData = init(m).rawData.subarray(0, 44); }), FormatError, /tensor "w" raw_data holds 44 bytes, shape \[3,4\] of FLOAT needs 48/);
  rejects(hostile((m) => { init(m).rawData = new Uint8Array(0); init(m).floatData = [1, 2]; }), FormatError, /tensor "w" holds 2 values, shape \[3,4\] needs 12/);
  rejects(hostile((m) => { m.graph!.input[0].type!.tensorType!.shape!.dim![1] = { dimValue: -4 }; }), ShapeError, /graph input "x": dim 1 is -4; expected a size ≥ 0/);
  rejects(hostile((m) => { m.graph!.input[0].type!.tensorType!.shape!.dim![1] = { dimValue: 2 ** 31 }; }), ShapeError, /graph input "x": dim 1 is 2147483648/);
  rejects(buildModel(gemmSpec()), ShapeError, /shapes\["x"\] given for graph input "x": rank 7/, { shapes: { x: [-1, 1, 1, 1, 1, 1, 4] } });
  // A shape subgraph that asks for 2^40 elements, and a Range with step 0.
  const huge: ModelSpec = {
    opset: 13, inputs: [{ name: "x", shape: [1, 4] }], outputs: ["y"],
    nodes: [
      { op: "ConstantOfShape", name: "fill", inputs: ["s"], outputs: ["z"] },
      { op: "Add", name: "add", inputs: ["x", "z"], outputs: ["y"] },
    ],
    initializers: [{ name: "s", dims: [2], data: [2 ** 20, 2 ** 20], dtype: "int64" }],
  };
  rejects(buildModel(huge), ShapeError, /node "fill" \(ConstantOfShape\): output shape: shape \[1048576,1048576\] has 1099511627776 elements/);
  const range: ModelSpec = {
    opset: 13, inputs: [{ name: "x", shape: [1, 4] }], outputs: ["y"],
    nodes: [
      { op: "Range", name: "r", inputs: ["a", "b", "d"], outputs: ["z"] },
      { op: "Add", name: "add", inputs: ["x", "z"], outputs: ["y"] },
    ],
    initializers: [{ name: "a", dims: [], data: [0] }, { name: "b", dims: [], data: [10] }, { name: "d", dims: [], data: [0] }],
  };
  rejects(buildModel(range), ShapeError, /node "r" \(Range\): Range\(0, 10, 0\) has Infinity elements/);
});

test("mismatched dtypes: integer weights where floats are computed", () => {
  const spec = gemmSpec();
  spec.initializers![0] = { name: "w", dims: [3, 4], data: Array.from({ length: 12 }, (_, i) => i), dtype: "int64" };
  rejects(buildModel(spec), FormatError, /node "fc" \(Gemm\): input 1 "w" is INT64; expected a float tensor \(Gemm computes in float\)/);
  const add: ModelSpec = {
    opset: 13, inputs: [{ name: "x", shape: [1, 4] }], outputs: ["y"],
    nodes: [{ op: "Add", name: "add", inputs: ["x", "k"], outputs: ["y"] }],
    initializers: [{ name: "k", dims: [4], data: [1, 2, 3, 4], dtype: "int32" }],
  };
  rejects(buildModel(add), FormatError, /node "add" \(Add\): input 1 "k" is INT32; expected a float tensor/);
  rejects(hostile((m) => { m.graph!.input[0].type!.tensorType!.elemType = P.TensorProto.DataType.INT64; }), UnsupportedError, /graph input "x" has element type INT64; supported: float/);
  rejects(hostile((m) => { m.graph!.initializer[0].dataType = P.TensorProto.DataType.STRING; }), UnsupportedError, /tensor "w" has element type STRING/);
});

test("malformed nodes and attributes are FormatErrors naming the node", () => {
  const perm: ModelSpec = {
    opset: 13, inputs: [{ name: "x", shape: [1, 4] }], outputs: ["y"],
    nodes: [{ op: "Transpose", name: "t", inputs: ["k"], outputs: ["kt"], attrs: { perm: [0, 0] } }, { op: "Add", name: "add", inputs: ["x", "kt"], outputs: ["y"] }],
    initializers: [{ name: "k", dims: [1, 4], data: [1, 2, 3, 4] }],
  };
  rejects(buildModel(perm), FormatError, /node "t" \(Transpose\): Transpose perm \[0,0\] is not a permutation/);
  rejects(hostile((m) => { m.graph!.node.push({ opType: "Constant", name: "c", output: ["unused"], attribute: [{ name: "value", type: P.AttributeProto.AttributeType.TENSOR }] } as onnx.onnx.NodeProto); }),
    FormatError, /node "c" \(Constant\): tensor attribute value holds no tensor/);
  rejects(hostile((m) => { m.graph!.node[0].attribute[0].i = 7 as never; m.graph!.node[0].attribute[0].type = P.AttributeProto.AttributeType.GRAPH; }),
    UnsupportedError, /node "fc" \(Gemm\): attribute transB has type GRAPH/);
});

// ---- external data -------------------------------------------------------------------------
function external(location: string, extra: Record<string, string> = {}): Uint8Array {
  return hostile((m) => {
    const t = m.graph!.initializer[0];
    t.rawData = new Uint8Array(0);
    t.dataLocation = P.TensorProto.DataLocation.EXTERNAL;
    t.externalData = [{ key: "location", value: location }, ...Object.entries(extra).map(([key, value]) => ({ key, value }))] as onnx.onnx.StringStringEntryProto[];
  });
}

test("external data: refused without baseDir; read only from inside the model's folder", () => {
  const dir = join(tmp, "model"), outside = join(tmp, "outside.bin");
  mkdirSync(join(dir, "weights"), { recursive: true });
  const pad = new Uint8Array(16).fill(0xee);
  writeFileSync(join(dir, "weights", "w.bin"), new Uint8Array([...pad, ...f32(W), ...pad]));
  writeFileSync(outside, f32(W));
  symlinkSync(outside, join(dir, "link.bin"));
  symlinkSync(join(dir, "weights", "w.bin"), join(dir, "inner-link.bin"));

  rejects(external("weights/w.bin", { offset: "16" }), UnsupportedError, /initializer "w": tensor "w": data is in the external file "weights\/w.bin", refused by default; pass \{ baseDir/);
  const x = [1, 2, -0.5, 0.25];
  for (const [loc, extra] of [["weights/w.bin", { offset: "16", length: "48" }], ["inner-link.bin", { offset: "16" }], ["./weights/../weights/w.bin", { offset: "16" }]] as const) {
    const g = importOnnx(external(loc, extra), { baseDir: dir });
    const y = evalGraph(g, { x: { data: Float32Array.from(x), shape: [1, 4] } }).y.data;
    gemmRef(x).forEach((v, i) => assert.ok(Math.abs(y[i] - v) < 1e-5, `${loc}: y[${i}] = ${y[i]}, want ${v}`));
  }
  const opts = { baseDir: dir };
  rejects(external(outside), FormatError, /external data location ".*outside\.bin" is an absolute path; expected a path relative to the model's folder/, opts);
  rejects(external("C:\\weights\\w.bin"), FormatError, /is an absolute path/, opts);
  rejects(external("../outside.bin"), FormatError, /external data location "\.\.\/outside\.bin" leaves the model's folder/, opts);
  rejects(external("weights/../../outside.bin"), FormatError, /leaves the model's folder/, opts);
  rejects(external("link.bin"), FormatError, /external data location "link\.bin" is a link to .*outside\.bin, outside the model's folder/, opts);
  rejects(external("nosuch.bin"), FormatError, /external data file "nosuch\.bin" cannot be opened \(ENOENT\)/, opts);
  rejects(external("weights"), FormatError, /"weights" is not a regular file/, opts);
  rejects(external("weights/w.bin", { offset: "64" }), FormatError, /external data \[64, 112\) lies outside "weights\/w.bin" \(80 bytes\)/, opts);
  rejects(external("weights/w.bin", { offset: "99999999999999999999" }), FormatError, /offset is "99999999999999999999"; expected a whole number of bytes/, opts);
  rejects(external("weights/w.bin", { offset: "-4" }), FormatError, /offset is "-4"/, opts);
  rejects(external("weights/w.bin", { offset: "16", length: "40" }), FormatError, /external_data length is 40 bytes; the tensor's shape and type need 48/, opts);
  rejects(external(""), FormatError, /external_data has no "location"/, opts);
  rejects(external("weights/w.bin\0.png"), FormatError, /absolute path|cannot be opened/, opts);
});

// ---- seeded mini-fuzz ----------------------------------------------------------------------
test("mini-fuzz: mutated ONNX models end in a graph or a SlimnetError, each within a second", () => {
  const cases = Number(process.env.ONNX_FUZZ_CASES ?? 400), seed = Number(process.env.ONNX_FUZZ_SEED ?? 2026);
  fuzzBases().forEach((b) => importOnnx(b)); // the bases are valid
  const outcomes = new Map<string, number>();
  let slowest = 0;
  for (const { k, kind, bytes } of fuzzCases(seed, cases)) {
    const t0 = performance.now();
    let outcome: string;
    const save = (): string => { const f = join(tmp, `case-${seed}-${k}.onnx`); writeFileSync(f, bytes); return f; };
    try {
      const g = importOnnx(bytes);
      try { writeSlim(g); outcome = "imported"; } catch (e) {
        if (!(e instanceof SlimnetError)) throw e;
        outcome = `imported, not written (${e.name})`;
      }
    } catch (e) {
      if (!(e instanceof SlimnetError)) assert.fail(`case ${k} (${kind}): ${(e as Error).name}: ${(e as Error).message} (input saved to ${save()})\n${(e as Error).stack}`);
      outcome = /malformed node \(/.test(e.message) ? `${e.name} (caught ${/\((\w+Error)/.exec(e.message)?.[1] ?? "error"})` : e.name;
    }
    const ms = performance.now() - t0;
    slowest = Math.max(slowest, ms);
    assert.ok(ms < 1000, `case ${k} (${kind}) took ${ms.toFixed(0)} ms (input saved to ${save()})`);
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  console.log(`onnx mini-fuzz: ${cases} cases (seed ${seed}), slowest ${slowest.toFixed(1)} ms: ${JSON.stringify(Object.fromEntries(outcomes))}`);
});

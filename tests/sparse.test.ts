// csr (docs/FORMAT.md §3.2) end to end: f32-spmv / f32-spmm vs their scalar twins vs a dense JS
// product; pruned LeNets written csr run like their dense files in both runtime builds; both
// readers reject every broken csr rule with its message (CRCs recomputed so the rule fires).
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { bothBuilds, randomKit, ACTS, applyAct, type KernelWasm } from "./kernels-wasm.js";
import { lenet300, lenet5 } from "../src/zoo/index.js";
import type { Graph } from "../src/ir/graph.js";
import { writeSlim } from "../src/format/writer.js";
import { readSlim } from "../src/format/reader.js";
import { crc32 } from "../src/format/crc32.js";
import { FormatError } from "../src/runtime/errors.js";
import { Model } from "../src/runtime/model.js";

const { rand, int, randn } = randomKit(5150);

/** Random rows × cols matrix at `density`, plus an empty row, a full row and a row whose gaps need fillers. */
function sparseMatrix(rows: number, cols: number, density: number): Float32Array {
  const w = Float32Array.from({ length: rows * cols }, () => (rand() < density ? rand() * 2 - 1 : 0));
  if (rows > 3) {
    w.fill(0, 0, cols);
    for (let c = 0; c < cols; c++) w[cols + c] = rand() + 0.1;
    w.fill(0, 2 * cols, 3 * cols);
    w[3 * cols - 1] = 0.5; // gap cols − 1 from the row start
  }
  return w;
}
/** The runtime's sparse form of w (decode/csr.ts): rowPtr, cols, vals. */
function toSparse(w: Float32Array, rows: number) {
  const cols = w.length / rows, rp = [0], cs: number[] = [], vs: number[] = [];
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) if (w[r * cols + c]) { cs.push(c); vs.push(w[r * cols + c]); }
    rp.push(cs.length);
  }
  const u = (a: number[]) => new Float32Array(Uint32Array.from(a).buffer);
  return [u(rp), u(cs), Float32Array.from(vs)];
}

let simd: KernelWasm, scalar: KernelWasm;
before(async () => { [simd, scalar] = await bothBuilds(); });

describe("sparse kernels: SIMD = scalar twin = dense JS product", () => {
  it("spmv and spmm on random sparse matrices (empty, full, filler rows; odd sizes; P % 4 ≠ 0)", () => {
    for (let t = 0; t < 40; t++) {
      const m = int(1, 40), k = int(1, 90), p = int(1, 21), act = ACTS[t % 4];
      const w = sparseMatrix(m, k, [0, 0.05, 0.3, 0.9, 1][t % 5]), x = randn(k * p), b = randn(m);
      const want = new Float64Array(m * p), mag = new Float64Array(m * p);
      for (let r = 0; r < m; r++) for (let q = 0; q < p; q++) {
        let s = b[r], a = Math.abs(b[r]);
        for (let i = 0; i < k; i++) { s += w[r * k + i] * x[i * p + q]; a += Math.abs(w[r * k + i] * x[i * p + q]); }
        want[r * p + q] = applyAct(s, act); mag[r * p + q] = a;
      }
      for (const [build, kw] of [["simd", simd], ["scalar", scalar]] as const) {
        for (const fn of ["f32Spmm", "refSpmm", "f32Spmv", "refSpmv"]) {
          const spmv = fn.endsWith("Spmv");
          const xs = spmv ? Float32Array.from({ length: k }, (_, i) => x[i * p]) : x;
          kw.reset();
          const [rp, cs, vs] = toSparse(w, m).map((a) => kw.put(a));
          const px = kw.put(xs), pb = kw.put(b), y = kw.put(new Float32Array(m * p).fill(NaN));
          if (spmv) kw.k[fn](m, rp, cs, vs, px, pb, y, act.act, act.a, act.b);
          else kw.k[fn](m, p, rp, cs, vs, px, p, pb, y, p, act.act, act.a, act.b);
          const got = kw.read(y, spmv ? m : m * p);
          got.forEach((v, i) => {
            const j = spmv ? i * p : i, tol = 1e-5 * mag[j] + 1e-6;
            if (!(Math.abs(v - want[j]) <= tol)) assert.fail(`${build} ${fn} m=${m} k=${k} p=${p} t=${t}: [${i}] = ${v}, want ${want[j]}`);
          });
        }
      }
    }
  });
});

/** `make()` with ~90% of every Gemm/Conv weight zeroed by magnitude and tagged csr. */
function pruned(make: () => Graph): Graph {
  const g = make();
  for (const t of g.tensors.values()) {
    if (!t.data || t.shape.length < 2) continue;
    const cut = [...t.data].map(Math.abs).sort((a, b) => a - b)[Math.floor(t.data.length * 0.9)];
    t.data = t.data.map((v) => (Math.abs(v) < cut ? 0 : v));
    t.encoding = "csr";
  }
  return g;
}

describe("pruned LeNets written csr", () => {
  for (const make of [lenet300, lenet5]) {
    it(`${make.name}: smaller file, byte-identical round trip, same outputs as dense (SIMD and scalar, batch 1 and 5)`, async () => {
      const g = pruned(make), dense = writeSlim(g, { training: true }), csr = writeSlim(g);
      assert.ok(csr.length < dense.length / 4, `csr ${csr.length} B vs dense ${dense.length} B`);
      const back = readSlim(csr);
      assert.deepEqual(writeSlim(back), csr, "round trip");
      assert.ok([...back.tensors.values()].some((t) => t.encoding === "csr"));
      for (const [name, t] of g.tensors) if (t.data) assert.deepEqual(back.tensors.get(name)!.data, t.data, name);
      for (const useSimd of [true, false]) {
        const [md, ms] = await Promise.all([Model.load(dense, { simd: useSimd }), Model.load(csr, { simd: useSimd })]);
        const input = md.inputs[0];
        for (const batch of [1, 5]) {
          const shape = [batch, ...input.shape.slice(1)];
          const x = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rand());
          const a = md.run({ [input.name]: { data: x, shape } }), b = ms.run({ [input.name]: { data: x, shape } });
          for (const name of Object.keys(a)) {
            const da = a[name].data, db = b[name].data, scale = Math.max(...da.map(Math.abs));
            da.forEach((v, i) => assert.ok(Math.abs(v - db[i]) <= 1e-5 * scale, `${useSimd ? "simd" : "scalar"} batch ${batch} ${name}[${i}]: ${db[i]} vs ${v}`));
          }
        }
      }
    });
  }
});

// A Gemm whose W [4, 40] has an empty row, a full row, a row needing fillers and a random row,
// written at b = 2: 4 + 16 + 4·nnz + ceil(2·nnz/8) bytes.
function smallGemm(): Graph {
  const w = sparseMatrix(4, 40, 0.2);
  return {
    name: "g", inputs: ["x"], outputs: ["y"], batchDynamic: false,
    tensors: new Map([
      ["x", { name: "x", shape: [1, 40] }],
      ["w", { name: "w", shape: [4, 40], data: w, encoding: "csr" as const }],
      ["b", { name: "b", shape: [4], data: randn(4), encoding: "f32" as const }],
      ["y", { name: "y", shape: [1, 4] }],
    ]),
    nodes: [{ op: "Gemm", name: "fc", inputs: ["x", "w", "b"], outputs: ["y"], attrs: { act: 0, actA: 0, actB: 0 } }],
  };
}

const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset);
function sectionOf(b: Uint8Array, kind: string): { at: number; offset: number; length: number } {
  for (let i = 0; i < dv(b).getUint32(8, true); i++) {
    const at = 32 + 16 * i;
    if (String.fromCharCode(...b.subarray(at, at + 4)) === kind) return { at, offset: dv(b).getUint32(at + 4, true), length: dv(b).getUint32(at + 8, true) };
  }
  throw new Error(kind);
}
function nnzOf(b: Uint8Array): number {
  const rec = sectionOf(b, "TENS").offset + 4 + 48;
  return dv(b).getUint32(sectionOf(b, "WGTS").offset + dv(b).getUint32(rec + 32, true), true);
}
function fixCrcs(b: Uint8Array): Uint8Array {
  const n = dv(b).getUint32(8, true);
  for (let i = 0; i < n; i++) {
    const at = 32 + 16 * i, o = dv(b).getUint32(at + 4, true), l = dv(b).getUint32(at + 8, true);
    dv(b).setUint32(at + 12, crc32(b.subarray(o, o + l)), true);
  }
  dv(b).setUint32(16, crc32(b.subarray(32, 32 + 16 * n), crc32(b.subarray(0, 16))), true);
  return b;
}

describe("csr checks: both readers reject every rule", () => {
  it("rank, param, byteLength, nnz, rowEnd, padding, columns", async () => {
    const g = smallGemm();
    // A gap width whose gap stream ends inside a byte, so there are padding bits to corrupt.
    const bits = [2, 3, 5, 7].find((k) => (k * nnzOf(writeSlim(g, { csrBits: k }))) % 8 !== 0)!;
    const good = writeSlim(g, { csrBits: bits });
    const rec = sectionOf(good, "TENS").offset + 4 + 48; // tensor 1 = w
    const data = sectionOf(good, "WGTS").offset + dv(good).getUint32(rec + 32, true);
    assert.equal(good[rec + 7], 3, "w is stored csr");
    const nnz = nnzOf(good), gaps = data + 4 + 16 + 4 * nnz;
    const rowEnd = (r: number) => data + 4 + 4 * r;
    assert.ok(nnz > 40 + 1 + 1, "the full row, the filler row");
    const fullLast = dv(good).getUint32(rowEnd(1), true) - 1; // column 39, gap 0
    const cases: [string, (b: Uint8Array) => void, RegExp][] = [
      ["rank", (b) => { b[rec + 6] = 1; dv(b).setUint32(rec + 12, 0, true); dv(b).setUint32(rec + 8, 160, true); }, /section "TENS" at offset 0x[0-9a-f]+: tensor 1 "w": csr needs rank ≥ 2, got 1/],
      ["param 0", (b) => dv(b).setUint32(rec + 40, 0, true), /tensor 1 "w": csr gap bits \(param\) 0 is outside 1..16/],
      ["param 17", (b) => dv(b).setUint32(rec + 40, 17, true), /csr gap bits \(param\) 17 is outside 1..16/],
      ["byteLength < 4", (b) => dv(b).setUint32(rec + 36, 3, true), /tensor 1 "w": byteLength 3 cannot hold the csr nnz/],
      ["nnz", (b) => dv(b).setUint32(data, 161, true), /section "WGTS" at offset 0x[0-9a-f]+: tensor 1 "w": csr nnz 161 exceeds the 160 elements/],
      ["byteLength", (b) => dv(b).setUint32(data, nnz - 1, true), new RegExp(`section "TENS" .*tensor 1 "w": byteLength \\d+, expected \\d+ for csr of ${nnz - 1} entries`)],
      ["rowEnd order", (b) => dv(b).setUint32(rowEnd(0), 50, true), /section "WGTS" .*tensor 1 "w": csr rowEnd\[1\] = \d+ is below the previous 50/],
      ["rowEnd last", (b) => dv(b).setUint32(rowEnd(3), nnz - 1, true), new RegExp(`csr rowEnd\\[3\\] = ${nnz - 1}, expected nnz = ${nnz}`)],
      ["padding", (b) => { b[gaps + (bits * nnz >> 3)] |= 0x80; }, /section "WGTS" .*tensor 1 "w": csr padding bits of the last gap byte are not 0/],
      ["column", (b) => { b[gaps + (bits * fullLast >> 3)] |= 1 << (bits * fullLast & 7); },
        new RegExp(`section "WGTS" at offset 0x${(gaps + (bits * fullLast >> 3)).toString(16)}: tensor 1 "w": csr entry ${fullLast} has column 40, expected < 40`)],
    ];
    for (const [label, edit, re] of cases) {
      const b = good.slice();
      edit(b);
      fixCrcs(b);
      assert.throws(() => readSlim(b), (e: unknown) => e instanceof FormatError && re.test(e.message), `TS reader: ${label}`);
      for (const useSimd of [true, false]) {
        await assert.rejects(Model.load(b, { simd: useSimd }), (e: Error) => re.test(e.message) || assert.fail(e.message), `runtime (${useSimd ? "simd" : "scalar"}): ${label}`);
      }
    }
    await Model.load(good); // the unmodified file loads
  });

  it("a csr tensor anywhere but Gemm/Conv input 1 is a prepare error", async () => {
    const g = smallGemm();
    g.tensors.set("s", { name: "s", shape: [1, 4], data: Float32Array.from([1, 0, 0, 0]), encoding: "csr" });
    g.tensors.set("z", { name: "z", shape: [1, 4] });
    g.nodes.push({ op: "Add", name: "add", inputs: ["y", "s"], outputs: ["z"], attrs: {} });
    g.outputs = ["z"];
    const b = writeSlim(g, { csrBits: 1 });
    assert.equal(b[sectionOf(b, "TENS").offset + 4 + 48 * 4 + 7], 3, "s is stored csr");
    await assert.rejects(Model.load(b), /node add \(Add\): input 1 is CSR-encoded; only Gemm and Conv weights may be sparse/);
  });
});

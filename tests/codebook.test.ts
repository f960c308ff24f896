// Codebook layouts (docs/FORMAT.md §3.3–3.5) end to end: the writer picks each layout when it is
// the smallest; pruned, 32-level LeNets run like their f32 files in both runtime builds with the
// weights expanded or kept as indices; x8-lut kernels = scalar twins = JS; both readers reject
// the new ✔ rules with the same message.
import { before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { bothBuilds, randomKit, ACTS, applyAct, type KernelWasm } from "./kernels-wasm.js";
import { lenet300, lenet5 } from "../src/zoo/index.js";
import type { Graph, Tensor } from "../src/ir/graph.js";
import { writeSlim } from "../src/format/writer.js";
import { readSlim } from "../src/format/reader.js";
import { inspect } from "../src/format/inspect.js";
import { FormatError } from "../src/runtime/errors.js";
import { Model } from "../src/runtime/model.js";
import { fixCrcs } from "./helpers/slim-bytes.js";

const { rand, int, randn } = randomKit(4242);

/** Gemm/Conv weights pruned to `keep` by magnitude and snapped to 2^5 levels (per tensor or per row). */
function compress(make: () => Graph, enc: "codebook" | "huffman", perRow: boolean, keep = 0.1): Graph {
  const g = make();
  for (const t of g.tensors.values()) {
    if (!t.data || t.shape.length < 2) continue;
    const cut = [...t.data].map(Math.abs).sort((a, b) => a - b)[Math.floor(t.data.length * (1 - keep))];
    const rows = t.shape[0], cols = t.data.length / rows;
    for (let r = 0; r < rows; r++) {
      const row = t.data.subarray(perRow ? r * cols : 0, perRow ? (r + 1) * cols : t.data.length);
      let lo = Infinity, hi = -Infinity;
      for (const v of row) { lo = Math.min(lo, v); hi = Math.max(hi, v); }
      const step = (hi - lo) / 31 || 1;
      for (let i = 0; i < row.length; i++) {
        const v = row[i];
        row[i] = Math.abs(v) < cut ? 0 : lo + Math.round((v - lo) / step) * step || step;
      }
      if (!perRow) break;
    }
    Object.assign(t, { encoding: enc, indexBits: 5, codebookPerRow: perRow });
  }
  return g;
}

describe("compressed LeNets", () => {
  for (const make of [lenet300, lenet5]) for (const perRow of [false, true]) {
    it(`${make.name}${perRow ? " per-row" : ""}: far smaller, byte-identical round trip, outputs = f32 file (SIMD, scalar; expanded and indices)`, async () => {
      const g = compress(make, "huffman", perRow), f32 = writeSlim(g, { training: true }), slim = writeSlim(g);
      const bits = (8 * slim.length) / [...g.tensors.values()].filter((t) => t.data && t.shape.length >= 2).reduce((s, t) => s + t.data!.length, 0);
      console.log(`${make.name}${perRow ? " per-row" : ""}: ${f32.length} → ${slim.length} B (${(f32.length / slim.length).toFixed(1)}×), ${bits.toFixed(2)} bits per weight`);
      for (const l of inspect(slim).layers) if (l.storage) console.log(`  ${l.name}: ${JSON.stringify(l.storage)} = ${((8 * l.bytes) / l.params).toFixed(2)} bits/param`);
      assert.ok(slim.length < f32.length / 20);
      assert.deepEqual(writeSlim(readSlim(slim)), slim);
      for (const [n, t] of readSlim(slim).tensors) if (t.data) assert.deepEqual(t.data, g.tensors.get(n)!.data, n);
      for (const simd of [true, false]) {
        const ref = await Model.load(f32, { simd });
        for (const expand of ["always", "never"] as const) {
          const m = await Model.load(slim, { simd, expand }), input = m.inputs[0];
          for (const batch of [1, 3]) {
            const shape = [batch, ...input.shape.slice(1)], x = Float32Array.from({ length: shape.reduce((a, b) => a * b) }, rand);
            const a = ref.run({ [input.name]: { data: x, shape } }), b = m.run({ [input.name]: { data: x, shape } });
            for (const k of Object.keys(a)) {
              const scale = Math.max(...a[k].data.map(Math.abs));
              a[k].data.forEach((v, i) => assert.ok(Math.abs(v - b[k].data[i]) <= 1e-5 * scale, `${simd} ${expand} ${batch} ${k}[${i}]`));
            }
          }
        }
      }
    });
  }
});

const gemm = (w: Tensor): Graph => ({
  name: "g", inputs: ["x"], outputs: ["y"], batchDynamic: false,
  tensors: new Map<string, Tensor>([["x", { name: "x", shape: [1, w.shape[1]] }], ["w", w], ["b", { name: "b", shape: [w.shape[0]], data: randn(w.shape[0]) }],
    ["y", { name: "y", shape: [1, w.shape[0]] }]]),
  nodes: [{ op: "Gemm", name: "fc", inputs: ["x", "w", "b"], outputs: ["y"], attrs: { act: 0, actA: 0, actB: 0 } }],
});
const tens = (b: Uint8Array) => { const dv = new DataView(b.buffer, b.byteOffset); for (let i = 0; i < dv.getUint32(8, true); i++) if (String.fromCharCode(...b.subarray(32 + 16 * i, 36 + 16 * i)) === "TENS") return dv.getUint32(36 + 16 * i, true); throw 0; };
const wgts = (b: Uint8Array) => { const dv = new DataView(b.buffer, b.byteOffset); for (let i = 0; i < dv.getUint32(8, true); i++) if (String.fromCharCode(...b.subarray(32 + 16 * i, 36 + 16 * i)) === "WGTS") return dv.getUint32(36 + 16 * i, true); throw 0; };
const tagOf = (b: Uint8Array) => b[tens(b) + 4 + 48 + 7];

/** W [rows, cols] whose elements are drawn from `levels` distinct values, `density` of them non-zero. */
function levelled(rows: number, cols: number, levels: number, density: number, skew = 0): Float32Array {
  const book = Array.from({ length: levels }, (_, i) => (i + 1) / 8);
  return Float32Array.from({ length: rows * cols }, () => (rand() < density ? book[Math.min(levels - 1, Math.floor(levels * rand() ** (1 + skew)))] : 0));
}

describe("writer picks the smallest layout", () => {
  it("csr f32, csr codebook, dense codebook, dense and sparse huffman each win somewhere", () => {
    const cases: [string, Float32Array, number, "csr" | "codebook" | "huffman", number][] = [
      ["csr f32 (tag csr, no indexBits)", levelled(16, 64, 200, 0.05), 8, "csr", 3],
      ["dense codebook", levelled(16, 64, 16, 1), 4, "codebook", 4],
      ["csr codebook", levelled(16, 64, 16, 0.05), 4, "codebook", 3],
      ["huffman dense", levelled(32, 64, 16, 1, 6), 4, "huffman", 5],
      ["huffman sparse", levelled(64, 256, 16, 0.1, 6), 4, "huffman", 5],
    ];
    for (const [label, data, ib, enc, tag] of cases) {
      const w: Tensor = { name: "w", shape: [data.length / 64 | 0 || 1, 64], data, encoding: enc, ...(enc !== "csr" && { indexBits: ib }) };
      w.shape = [label === "huffman sparse" ? 64 : data.length / 64, label === "huffman sparse" ? 256 : 64];
      const b = writeSlim(gemm(w));
      assert.equal(tagOf(b), tag, label);
      const p = new DataView(b.buffer).getUint32(tens(b) + 4 + 48 + 40, true);
      if (label.includes("codebook") && tag === 3) assert.ok(p >> 8, `${label}: indices`);
      if (label === "huffman sparse") assert.ok(p & 0xff, "sparse");
      if (label === "huffman dense") assert.equal(p & 0xff, 0, "dense");
      const back = readSlim(b);
      assert.deepEqual(back.tensors.get("w")!.data, data, label);
      assert.deepEqual(writeSlim(back), b, `${label}: round trip`);
    }
  });
  it("too many distinct values names the tensor", () => {
    const w: Tensor = { name: "w9", shape: [4, 16], data: levelled(4, 16, 40, 1), encoding: "codebook", indexBits: 3 };
    assert.throws(() => writeSlim(gemm(w)), /tensor "w9": \d+ distinct non-zero values exceed indexBits 3 \(8\)/);
  });
});

let simd: KernelWasm, scalar: KernelWasm;
before(async () => { [simd, scalar] = await bothBuilds(); });

describe("x8-lut kernels = scalar twins = JS", () => {
  it("gemv, spmv, spmm with one and per-row codebooks", () => {
    for (let t = 0; t < 30; t++) {
      const m = int(1, 30), k = int(1, 70), p = int(1, 19), act = ACTS[t % 4], v = int(1, 8), perRow = t % 2 === 1;
      const lut = randn((perRow ? m : 1) << v), stride = perRow ? 4 << v : 0;
      const dense = t % 3 === 0;
      const idx = Uint8Array.from({ length: m * k }, () => int(0, (1 << v) - 1));
      const keep = idx.map(() => (dense || rand() < 0.3 ? 1 : 0));
      const W = (r: number, i: number) => (keep[r * k + i] ? lut[(perRow ? r << v : 0) + idx[r * k + i]] : 0);
      const x = randn(k * p), b = randn(m);
      for (const [build, kw] of [["simd", simd], ["scalar", scalar]] as const) {
        for (const fn of dense ? ["x8LutGemv", "refLutGemv"] : ["x8LutSpmv", "refLutSpmv", "x8LutSpmm", "refLutSpmm"]) {
          const cols = fn.endsWith("Spmm") ? p : 1;
          kw.reset();
          const rp = [0], cs: number[] = [], is: number[] = [];
          for (let r = 0; r < m; r++) { for (let i = 0; i < k; i++) if (keep[r * k + i]) { cs.push(i); is.push(idx[r * k + i]); } rp.push(cs.length); }
          const u = (a: number[]) => kw.put(new Float32Array(Uint32Array.from(a).buffer));
          const bytes = (a: ArrayLike<number>) => { const ptr = kw.alloc(Math.ceil(a.length / 4) + 1); new Uint8Array(kw.k.memory.buffer, ptr, a.length).set(a); return ptr; };
          const xs = cols === 1 ? Float32Array.from({ length: k }, (_, i) => x[i * p]) : x;
          const pl = kw.put(lut), px = kw.put(xs), pb = kw.put(b), y = kw.put(new Float32Array(m * cols).fill(NaN));
          if (dense) kw.k[fn](m, k, px, bytes(idx), pl, stride, pb, y, act.act, act.a, act.b);
          else if (cols === 1) kw.k[fn](m, u(rp), u(cs), bytes(is), pl, stride, px, pb, y, act.act, act.a, act.b);
          else kw.k[fn](m, p, u(rp), u(cs), bytes(is), pl, stride, px, p, pb, y, p, act.act, act.a, act.b);
          kw.read(y, m * cols).forEach((got, o) => {
            const r = Math.floor(o / cols), q = o % cols;
            let s = b[r], mag = Math.abs(b[r]);
            for (let i = 0; i < k; i++) { s += W(r, i) * xs[i * cols + q]; mag += Math.abs(W(r, i) * xs[i * cols + q]); }
            assert.ok(Math.abs(got - applyAct(s, act)) <= 1e-5 * mag + 1e-6, `${build} ${fn} t=${t} [${o}] ${got} vs ${applyAct(s, act)}`);
          });
        }
      }
    }
  });
});


describe("codebook checks: both readers reject every new rule", () => {
  it("param, byteLength, codebook finite, index padding, huffman table and stream", async () => {
    const dense = (enc: "codebook" | "huffman", levels: number, skew = 0) =>
      writeSlim(gemm({ name: "w", shape: [7, 30], data: levelled(7, 30, levels, 1, skew), encoding: enc, indexBits: 3 }));
    const packed = dense("codebook", 7), huff = dense("huffman", 8, 6);
    assert.equal(tagOf(packed), 4);
    assert.equal(tagOf(huff), 5);
    const rec = tens(packed) + 4 + 48;
    const at = (b: Uint8Array) => wgts(b) + new DataView(b.buffer).getUint32(tens(b) + 4 + 48 + 32, true);
    const set32 = (b: Uint8Array, o: number, v: number) => new DataView(b.buffer).setUint32(o, v, true);
    const cases: [string, Uint8Array, (b: Uint8Array) => void, RegExp][] = [
      ["param bits", packed, (b) => set32(b, rec + 40, 3 << 8 | 1 << 13), /section "TENS" .*tensor 1 "w": param 0x2300 is invalid for encoding 4/],
      ["param b on tag 4", packed, (b) => set32(b, rec + 40, 3 << 8 | 2), /param 0x302 is invalid for encoding 4/],
      ["byteLength", packed, (b) => set32(b, rec + 36, new DataView(b.buffer).getUint32(rec + 36, true) - 1), /tensor 1 "w": byteLength \d+, expected \d+$/],
      ["codebook NaN", packed, (b) => set32(b, at(b) + 8, 0x7fc00000), /section "WGTS" .*tensor 1 "w": codebook value 2 is not finite/],
      ["index padding", packed, (b) => { b[at(b) + 32 + 78] |= 0x80; }, /tensor 1 "w": padding bits of the last index byte are not 0/],
      ["kraft", huff, (b) => { b[at(b) + 32] = 3; }, /tensor 1 "w": huffman code is over-subscribed/],
      ["symbol", huff, (b) => { const s = at(b) + 32 + 15; b[s + 1] = b[s]; }, /tensor 1 "w": huffman symbol \d+ is repeated or not below 8/],
      ["stream short", huff, (b) => { const o = at(b) + 32 + 15 + b.subarray(at(b) + 32, at(b) + 47).reduce((x, y) => x + y, 0); set32(b, o, new DataView(b.buffer).getUint32(o, true) - 1); },
        /tensor 1 "w": (huffman stream ends before symbol \d+ of 210|byteLength \d+, expected \d+)/],
    ];
    for (const [label, good, edit, re] of cases) {
      const b = good.slice();
      edit(b);
      fixCrcs(b);
      assert.throws(() => readSlim(b), (e: unknown) => e instanceof FormatError && re.test(e.message) || assert.fail(`${label}: ${(e as Error).message}`), `TS: ${label}`);
      for (const s of [true, false]) await assert.rejects(Model.load(b, { simd: s }), (e: Error) => re.test(e.message) || assert.fail(`${label} runtime: ${e.message}`));
    }
  });
});

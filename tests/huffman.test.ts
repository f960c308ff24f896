// src/format/huffman.ts: package-merge lengths are optimal under the limit (brute force on small
// alphabets) and satisfy Kraft; streams round-trip; corrupt tables and streams are rejected.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { codeLengths, decodeHuffman, encodeHuffman } from "../src/format/huffman.js";
import { randomKit } from "./kernels-wasm.js";

const { rand, int } = randomKit(77);
const kraft = (l: Uint8Array, limit = 15) => [...l].reduce((s, x) => s + (x ? 2 ** (limit - x) : 0), 0);
const cost = (f: number[], l: ArrayLike<number>) => f.reduce((s, x, i) => s + x * l[i], 0);

/** Least Σ f·l over all length vectors 1..limit that satisfy Kraft (used symbols only). */
function brute(f: number[], limit: number): number {
  const used = f.filter((x) => x > 0);
  if (used.length <= 1) return used.reduce((s, x) => s + x, 0);
  let best = Infinity;
  const l = new Array(used.length).fill(1);
  const walk = (i: number, k: number) => {
    if (k > 1 + 1e-12) return;
    if (i === used.length) { best = Math.min(best, cost(used, l)); return; }
    for (let x = 1; x <= limit; x++) { l[i] = x; walk(i + 1, k + 2 ** -x); }
  };
  walk(0, 0);
  return best;
}
const fail = (o: number, m: string): never => { throw new Error(`@${o}: ${m}`); };

describe("huffman codec", () => {
  it("lengths: optimal vs brute force (≤ 6 symbols, limits 2..5), Kraft ≤ 1, limit kept", () => {
    for (let t = 0; t < 150; t++) {
      const n = int(1, 6), limit = int(Math.max(2, Math.ceil(Math.log2(n))), 5);
      const f = Array.from({ length: n }, () => (rand() < 0.15 ? 0 : int(1, 1000)));
      const l = codeLengths(f, limit);
      assert.ok(kraft(l, limit) <= 2 ** limit, `Kraft ${f} → ${l}`);
      assert.ok(Math.max(...l) <= limit);
      f.forEach((x, i) => assert.equal(l[i] > 0, x > 0));
      assert.equal(cost(f, l), brute(f, limit), `f ${f} limit ${limit}: ${l}`);
    }
  });
  it("length limit 15 on Fibonacci frequencies (unlimited Huffman needs 25 bits)", () => {
    const f = [1, 1];
    while (f.length < 26) f.push(f[f.length - 1] + f[f.length - 2]);
    const l = codeLengths(f);
    assert.equal(Math.max(...l), 15);
    assert.ok(kraft(l) <= 2 ** 15);
  });
  it("round trips random streams, canonical order, one symbol, empty", () => {
    for (let t = 0; t < 40; t++) {
      const bits = int(1, 8), n = [0, 1, int(2, 3000)][t % 3];
      const skew = rand() * 3;
      const v = Uint8Array.from({ length: n }, () => Math.min((1 << bits) - 1, Math.floor((1 << bits) * rand() ** (1 + skew))));
      const s = encodeHuffman(v, 1 << bits);
      const { values, next } = decodeHuffman(s, 0, s.length, n, 1 << bits, "t", fail);
      assert.deepEqual(values, v);
      assert.equal(next, s.length);
      const counts = s.subarray(0, 15), total = counts.reduce((a, b) => a + b, 0);
      const syms = [...s.subarray(15, 15 + total)];
      let at = 0;
      counts.forEach((c) => { const run = syms.slice(at, at + c); assert.deepEqual(run, [...run].sort((a, b) => a - b)); at += c; });
      if (new Set(v).size === 1) assert.deepEqual([counts[0], total], [1, 1], "one symbol: one code of length 1");
    }
  });
  it("rejects over-subscribed, bad symbols, truncation, padding and trailing bytes", () => {
    const v = Uint8Array.from({ length: 100 }, (_, i) => i % 5);
    const s = encodeHuffman(v, 8);
    const dec = (b: Uint8Array, n = 100) => decodeHuffman(b, 0, b.length, n, 8, "t", fail);
    const total = s.subarray(0, 15).reduce((a, b) => a + b, 0), stream = 15 + total + 4;
    const edit = (f: (b: Uint8Array) => void) => { const b = s.slice(); f(b); return b; };
    assert.throws(() => dec(edit((b) => { b[0] += 3; })), /over-subscribed|repeated|past byteLength/);
    assert.throws(() => dec(edit((b) => { b[0] = 3; b[1] = 0; b[2] = 0; })), /over-subscribed \(Kraft sum 49152 > 32768\)/);
    assert.throws(() => dec(edit((b) => { b[16] = b[15]; })), /symbol \d+ is repeated or not below 8/);
    assert.throws(() => dec(edit((b) => { b[15] = 9; })), /symbol 9 is repeated or not below 8/);
    assert.throws(() => dec(s, 101), /huffman stream ends before symbol 100 of 101/);
    assert.throws(() => dec(s.subarray(0, s.length - 1)), /runs past byteLength/);
    assert.throws(() => dec(s, 99), /does not end with its last code/);
    assert.throws(() => decodeHuffman(s, 0, s.length, 100, 4, "t", fail), /not below 4/);
    assert.ok(stream < s.length);
  });
});

// Data readers: IDX (against known MNIST facts, and rejecting broken files) and .npy; jitter.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { gunzipSync, gzipSync } from "node:zlib";
import { imageJitter, jitter } from "../src/data/augment.js";
import { parseIdx, readIdx } from "../src/data/idx.js";
import { loadImageSet } from "../src/data/mnist.js";
import { encodeNpy, parseNpy, readNpy, writeNpy } from "../src/data/npy.js";
import { lenet300 } from "../src/zoo/lenet300.js";
import { lenet5 } from "../src/zoo/lenet5.js";
import { FormatError, InputError, UnsupportedError } from "../src/runtime/errors.js";

const MNIST = new URL("../data/mnist/", import.meta.url).pathname;
const tmp = mkdtempSync(join(tmpdir(), "slimnet-data-"));

test("IDX: first MNIST train label is 5, first test label is 7", () => {
  const train = readIdx(join(MNIST, "train-labels-idx1-ubyte.gz"));
  assert.deepEqual(train.dims, [60000]);
  assert.equal(train.data[0], 5);
  const test = readIdx(join(MNIST, "t10k-labels-idx1-ubyte.gz"));
  assert.equal(test.data[0], 7);
});

test("MNIST test set: 10,000 images in [0,1] and the known label histogram", () => {
  const set = loadImageSet("mnist", "test");
  assert.equal(set.n, 10000);
  assert.deepEqual(set.sample, [1, 28, 28]);
  assert.equal(set.images.length, 10000 * 784);
  const hist = new Array(10).fill(0);
  for (const l of set.labels) hist[l]++;
  assert.deepEqual(hist, [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009]);
  let min = Infinity, max = -Infinity;
  for (const v of set.images) { if (v < min) min = v; if (v > max) max = v; }
  assert.equal(min, 0);
  assert.equal(max, 1);
});

test("a folder holding the raw (not gzipped) IDX files loads the same", () => {
  const dir = mkdtempSync(join(tmp, "raw-"));
  for (const f of ["t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"]) {
    writeFileSync(join(dir, f), gunzipSync(readFileSync(join(MNIST, `${f}.gz`))));
  }
  const set = loadImageSet(dir, "test");
  assert.equal(set.n, 10000);
  assert.equal(set.labels[0], 7);
});

test("IDX: truncated, corrupt and non-IDX files fail with the file named", () => {
  const raw = gunzipSync(readFileSync(join(MNIST, "t10k-labels-idx1-ubyte.gz")));
  assert.throws(() => parseIdx(raw.subarray(0, 5000), "labels.idx"),
    (e: Error) => e instanceof FormatError && /labels\.idx/.test(e.message) && /truncated/.test(e.message));
  const gz = gzipSync(raw);
  assert.throws(() => parseIdx(gz.subarray(0, gz.length / 2), "half.gz"),
    (e: Error) => e instanceof FormatError && /half\.gz: corrupt gzip/.test(e.message));
  assert.throws(() => parseIdx(new TextEncoder().encode("hello world"), "text.idx"),
    (e: Error) => e instanceof FormatError && /text\.idx: bad IDX magic/.test(e.message));
  assert.throws(() => readIdx(join(tmp, "nope.idx")), (e: Error) => e instanceof InputError && /nope\.idx: ENOENT/.test(e.message));
  assert.throws(() => loadImageSet(tmp, "test"), (e: Error) => e instanceof InputError && /missing t10k-images/.test(e.message));
});

test("IDX: multi-byte types are big-endian", () => {
  const b = new Uint8Array([0, 0, 0x0b, 1, 0, 0, 0, 2, 0x01, 0x02, 0xff, 0xfe]);
  const idx = parseIdx(b, "i16");
  assert.deepEqual([...idx.data], [0x0102, -2]);
});

test("npy: f32 round trip keeps shape, values and NaN", () => {
  const data = new Float32Array([1.5, -2, NaN, Infinity, 0, 3e-8]);
  const path = join(tmp, "a.npy");
  writeNpy(path, { data, shape: [2, 3] });
  const back = readNpy(path);
  assert.deepEqual(back.shape, [2, 3]);
  assert.deepEqual([...back.data], [...data]);
  const bytes = readFileSync(path);
  assert.equal((10 + bytes.readUInt16LE(8)) % 64, 0, "data is 64-byte aligned as numpy writes it");
  assert.deepEqual(parseNpy(encodeNpy({ data: new Float32Array([7]), shape: [1] }), "one").shape, [1]);
  assert.deepEqual(parseNpy(encodeNpy({ data: new Float32Array([7]), shape: [] }), "scalar").shape, []);
});

test("npy: f8 is converted; other dtypes, Fortran order and short files fail clearly", () => {
  const header = (descr: string, shape: string, fortran = "False"): string => {
    let h = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': ${shape}, }`;
    return h + " ".repeat(63 - ((10 + h.length) % 64)) + "\n";
  };
  const file = (h: string, body: Uint8Array): Uint8Array => {
    const out = new Uint8Array(10 + h.length + body.length);
    out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
    new DataView(out.buffer).setUint16(8, h.length, true);
    out.set(new TextEncoder().encode(h), 10);
    out.set(body, 10 + h.length);
    return out;
  };
  const f8 = new Uint8Array(new Float64Array([0.25, -1]).buffer);
  assert.deepEqual([...parseNpy(file(header("<f8", "(2,)"), f8), "f8").data], [0.25, -1]);
  assert.throws(() => parseNpy(file(header("<i8", "(2,)"), f8), "ints.npy"),
    (e: Error) => e instanceof UnsupportedError && /ints\.npy: dtype '<i8'/.test(e.message));
  assert.throws(() => parseNpy(file(header("<f8", "(2,)", "True"), f8), "f.npy"),
    (e: Error) => e instanceof UnsupportedError && /Fortran/.test(e.message));
  assert.throws(() => parseNpy(file(header("<f8", "(3,)"), f8), "short.npy"),
    (e: Error) => e instanceof FormatError && /short\.npy: .*needs 24 data bytes, file has 16/.test(e.message));
  assert.throws(() => parseNpy(new Uint8Array(20), "zero.npy"), (e: Error) => e instanceof FormatError && /zero\.npy: not a \.npy/.test(e.message));
});

test("jitter moves every image by one shift within ±max, zero-filling, and is seeded", () => {
  // 40 images of 2 planes 5×6, each pixel a unique positive value: each moved plane must equal
  // the original shifted by some (dx, dy) in [−2, 2]², the same for both planes of an image.
  const n = 40, h = 5, w = 6, per = 2 * h * w;
  const x0 = Float32Array.from({ length: n * per }, (_, i) => i + 1), x = x0.slice();
  jitter(x, n, h, w, 2, 7);
  const seen = new Set<string>();
  for (let i = 0; i < n; i++) {
    const match = [-2, -1, 0, 1, 2].flatMap((dy) => [-2, -1, 0, 1, 2].map((dx) => [dx, dy])).filter(([dx, dy]) => {
      for (let p = 0; p < 2; p++)
        for (let y = 0; y < h; y++)
          for (let c = 0; c < w; c++) {
            const sy = y - dy, sx = c - dx, at = i * per + p * h * w;
            const want = sy >= 0 && sy < h && sx >= 0 && sx < w ? x0[at + sy * w + sx] : 0;
            if (x[at + y * w + c] !== want) return false;
          }
      return true;
    });
    assert.equal(match.length, 1, `image ${i} is not one shift of the original`);
    seen.add(match[0].join(","));
  }
  assert.ok(seen.size > 10, `only ${seen.size} distinct shifts over ${n} images`);
  const again = x0.slice();
  jitter(again, n, h, w, 2, 7);
  assert.deepEqual(again, x);
  const none = x0.slice();
  jitter(none, n, h, w, 0, 7);
  assert.deepEqual(none, x0);
});

test("imageJitter reads the image size off the model input: NCHW planes, or a flat square", () => {
  const x0 = Float32Array.from({ length: 2 * 784 }, (_, i) => (i % 784) + 1);
  for (const g of [lenet5(1), lenet300(1)]) {
    const a = x0.slice(), b = x0.slice();
    imageJitter(g, 2)(a, 2, 9);
    jitter(b, 2, 28, 28, 2, 9);
    assert.deepEqual(a, b, g.name);
  }
  assert.throws(() => imageJitter(lenet5(1), 28), /jitter 28 px: input "input" \[1,1,28,28\] is not an image \(NCHW, or a flat square\) larger than the shift/);
  assert.throws(() => imageJitter(lenet5(1), 1.5), /jitter must be a whole number of pixels ≥ 0, got 1.5/);
});

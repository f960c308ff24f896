// Encoding 6, binary (docs/FORMAT.md §3.8): per row an f32 scale α, then the row's signs as
// u32 words, bit c % 32 of word c / 32 set where the element is −α (x1-pack.ts: 1 = negative).
// The IR holds the dense ±α values; the writer's encoder derives α[r] = |data[r][0]| and the
// readers' checked decoder gives those values back bit for bit (so write(read(f)) = f).
import type { Tensor } from "../ir/graph.js";
import { SlimnetError } from "../runtime/errors.js";
import type { Bad } from "./csr.js";

export const ENC_BINARY = 6;

/** ✔ byteLength of a binary tensor of `rows` rows of `cols` elements. */
export const binaryBytes = (rows: number, cols: number): number => 4 * rows + 4 * rows * Math.ceil(cols / 32);

/** The §3.8 bytes of a "binary" tensor; throws naming the tensor when a row is not ±α. */
export function encodeBinary(t: Tensor): Uint8Array {
  const what = `tensor ${JSON.stringify(t.name)}`, data = t.data!;
  if (t.shape.length < 2) throw new SlimnetError(`${what}: binary needs rank ≥ 2, got shape [${t.shape}]`);
  const rows = t.shape[0], cols = data.length / rows, words = Math.ceil(cols / 32);
  const bits = new Uint32Array(data.buffer, data.byteOffset, data.length);
  const out = new Uint8Array(binaryBytes(rows, cols)), dv = new DataView(out.buffer);
  for (let r = 0; r < rows; r++) {
    const alphaBits = bits[r * cols] & 0x7fffffff, alpha = Math.abs(data[r * cols]);
    if (!Number.isFinite(alpha)) throw new SlimnetError(`${what}: binary row ${r} has scale ${alpha}, expected a finite |w|`);
    dv.setUint32(4 * r, alphaBits, true);
    const at = 4 * rows + 4 * words * r;
    for (let c = 0; c < cols; c++) {
      const b = bits[r * cols + c];
      if ((b & 0x7fffffff) !== alphaBits) {
        throw new SlimnetError(`${what}: binary row ${r} holds ${data[r * cols + c]} at column ${c}, expected ±${alpha} (±α per row: |w| of the row's first element)`);
      }
      if (b >>> 31) dv.setUint32(at + 4 * (c >> 5), dv.getUint32(at + 4 * (c >> 5), true) | (1 << (c & 31)), true);
    }
  }
  return out;
}

/**
 * Checks the §3.8 rules of the binary tensor at `at` (rank, param and byteLength before, at their
 * TENS fields `rankAt`, `paramAt`, `lengthAt`; then α and the padding bits, in WGTS) and returns
 * its dense ±α bit patterns.
 */
export function decodeBinary(dv: DataView, at: number, o: { dims: number[]; elements: number; byteLength: number; param: number; rankAt: number; lengthAt: number; paramAt: number }, what: string, bad: Bad): Uint32Array {
  if (o.dims.length < 2) bad("TENS", o.rankAt, `${what}: binary needs rank ≥ 2, got ${o.dims.length}`);
  if (o.param !== 0) bad("TENS", o.paramAt, `${what}: param 0x${o.param.toString(16)} is invalid for encoding 6 (binary: 0)`);
  const rows = o.dims[0], cols = o.elements / rows, words = Math.ceil(cols / 32), want = binaryBytes(rows, cols);
  if (o.byteLength !== want) bad("TENS", o.lengthAt, `${what}: byteLength ${o.byteLength}, expected ${want} for binary (4·${rows} + 4·${rows}·${words})`);
  const out = new Uint32Array(o.elements);
  for (let r = 0; r < rows; r++) {
    const a = dv.getUint32(at + 4 * r, true);
    if (a >>> 31 || (a & 0x7f800000) === 0x7f800000) bad("WGTS", at + 4 * r, `${what}: binary alpha[${r}] is not finite and ≥ 0 (${Object.is(dv.getFloat32(at + 4 * r, true), -0) ? "-0" : dv.getFloat32(at + 4 * r, true)}; −0 is refused too)`);
  }
  for (let r = 0; r < rows; r++) {
    const a = dv.getUint32(at + 4 * r, true), row = at + 4 * rows + 4 * words * r, last = row + 4 * (words - 1);
    if (cols & 31 && dv.getUint32(last, true) >>> (cols & 31)) bad("WGTS", last, `${what}: padding bits of binary row ${r}'s last word are not 0`);
    for (let c = 0; c < cols; c++) out[r * cols + c] = ((dv.getUint32(row + 4 * (c >> 5), true) >>> (c & 31)) & 1) << 31 | a;
  }
  return out;
}

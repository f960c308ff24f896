// int8 (tag 2, docs/FORMAT.md §3.7): per-row symmetric int8 weights with f32 scales, plus how the
// consuming Gemm/Conv quantizes its input to u8 (xScale, xZero; 0, 0 = per sample at run time).
// Writer: encodeInt8 (checks or derives the scales); readers: decodeInt8 (every ✔ of §3.7).
import type { Tensor } from "../ir/graph.js";
import { SlimnetError } from "../runtime/errors.js";
import type { Bad } from "./csr.js";

const fround = Math.fround;
/** Round half to even (the rounding of the §3.7 formulas). */
export const roundEven = (x: number): number => {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
};

/** Per-row scales of `t`: its own (checked) or max|row|/127 (1 for a zero row). */
export function int8Scales(t: Tensor): Float32Array {
  const rows = t.shape[0], cols = t.data!.length / rows;
  if (t.scales) return t.scales;
  const s = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    let m = 0;
    for (let c = 0; c < cols; c++) m = Math.max(m, Math.abs(t.data![r * cols + c]));
    s[r] = m > 0 && Number.isFinite(m) ? fround(m / 127) : 1;
  }
  return s;
}

/**
 * The §3.7 bytes of int8 tensor `t` (rank ≥ 2). With `t.scales`, every value must be exactly
 * f32(q·scale) with |q| ≤ 127, else this throws naming the tensor; without, values are quantized
 * (lossy) with scale max|row|/127.
 */
export function encodeInt8(t: Tensor): Uint8Array {
  const what = `tensor ${JSON.stringify(t.name)}`;
  if (t.shape.length < 2) throw new SlimnetError(`${what}: int8 needs rank ≥ 2 (rows × cols), got [${t.shape}]`);
  const data = t.data!, rows = t.shape[0], cols = data.length / rows;
  if (t.scales && t.scales.length !== rows) throw new SlimnetError(`${what}: ${t.scales.length} int8 scales for ${rows} rows`);
  const scales = int8Scales(t);
  const iq = t.inputQuant ?? { scale: 0, zeroPoint: 0 };
  const xs = fround(iq.scale);
  if (!(xs >= 0 && Number.isFinite(xs)) || !Number.isInteger(iq.zeroPoint) || iq.zeroPoint < 0 || iq.zeroPoint > 255 || (xs === 0 && iq.zeroPoint !== 0))
    throw new SlimnetError(`${what}: inputQuant {scale ${iq.scale}, zeroPoint ${iq.zeroPoint}} needs a finite scale ≥ 0 and an integer zeroPoint in 0..255 (0 when the scale is 0)`);
  const out = new Uint8Array(16 + 4 * rows + data.length), dv = new DataView(out.buffer);
  dv.setFloat32(0, xs, true);
  dv.setUint32(4, iq.zeroPoint, true);
  for (let r = 0; r < rows; r++) {
    const s = scales[r];
    if (!(s > 0 && Number.isFinite(s))) throw new SlimnetError(`${what}: int8 scale ${s} of row ${r} is not finite and > 0`);
    dv.setFloat32(16 + 4 * r, s, true);
    for (let c = 0; c < cols; c++) {
      const i = r * cols + c, x = data[i];
      let q = roundEven(x / s);
      if (t.scales) {
        if (!(Math.abs(q) <= 127) || fround(q * s) !== x)
          throw new SlimnetError(`${what}: element ${i} (row ${r}) = ${x} is not q·scale with |q| ≤ 127 for scale ${s}`);
      } else q = Math.max(-127, Math.min(127, Number.isNaN(q) ? 0 : q));
      out[16 + 4 * rows + i] = q & 0xff;
    }
  }
  return out;
}

export interface Int8Decoded { dense: Uint32Array; scales: Float32Array; xScale: number; xZero: number }

/** §3.7 checks, in this order: rank, param, byteLength (TENS), then xScale, xZero, bytes 8..15, scales, q (WGTS). */
export function decodeInt8(dv: DataView, at: number, r: { dims: number[]; param: number; elements: number; byteLength: number; rankAt: number; lengthAt: number; paramAt: number },
  what: string, bad: Bad): Int8Decoded {
  if (r.dims.length < 2) bad("TENS", r.rankAt, `${what}: int8 needs rank ≥ 2, got ${r.dims.length}`);
  if (r.param !== 0) bad("TENS", r.paramAt, `${what}: param ${r.param}, expected 0 for int8`);
  const rows = r.dims[0], cols = r.elements / rows, want = 16 + 4 * rows + r.elements;
  if (r.byteLength !== want) bad("TENS", r.lengthAt, `${what}: byteLength ${r.byteLength}, expected ${want} for int8 (16 + 4 × ${rows} rows + ${r.elements})`);
  const xScale = dv.getFloat32(at, true), xZero = dv.getUint32(at + 4, true);
  if (!(xScale >= 0 && Number.isFinite(xScale))) bad("WGTS", at, `${what}: int8 xScale ${xScale} is not finite and ≥ 0`);
  if (xZero > 255) bad("WGTS", at + 4, `${what}: int8 xZero ${xZero} exceeds 255`);
  if (xScale === 0 && xZero !== 0) bad("WGTS", at + 4, `${what}: int8 xZero ${xZero} with xScale 0 (dynamic), expected 0`);
  for (const o of [8, 12]) if (dv.getUint32(at + o, true)) bad("WGTS", at + o, `${what}: int8 reserved word at +${o} is ${dv.getUint32(at + o, true)}, expected 0`);
  const scales = new Float32Array(rows);
  for (let i = 0; i < rows; i++) {
    scales[i] = dv.getFloat32(at + 16 + 4 * i, true);
    if (!(scales[i] > 0 && Number.isFinite(scales[i]))) bad("WGTS", at + 16 + 4 * i, `${what}: int8 scale ${i} (${scales[i]}) is not finite and > 0`);
  }
  const q0 = at + 16 + 4 * rows, dense = new Float32Array(r.elements);
  for (let i = 0; i < r.elements; i++) {
    const q = dv.getInt8(q0 + i);
    if (q === -128) bad("WGTS", q0 + i, `${what}: int8 weight ${i} is -128, expected -127..127`);
    dense[i] = fround(scales[Math.floor(i / cols)] * q);
  }
  return { dense: new Uint32Array(dense.buffer), scales, xScale, xZero };
}

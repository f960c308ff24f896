// f16 (tag 1, docs/FORMAT.md §3.6): IEEE binary16, rounded to nearest with ties to even on write,
// expanded exactly to f32 on read. Bit-level so NaN payloads and ±Inf survive the expansion.
import type { Bad } from "./csr.js";

const f = new Float32Array(1), u = new Uint32Array(f.buffer);

/** The half nearest to f32 `v` (ties to even; beyond the half range ±Inf; NaN stays NaN, quiet). */
export function toHalf(v: number): number {
  f[0] = v;
  const x = u[0], sign = (x >>> 16) & 0x8000, e = (x >>> 23) & 0xff, m = x & 0x7fffff;
  if (e === 0xff) return sign | 0x7c00 | (m ? 0x200 | (m >>> 13) : 0);
  // Re-bias; a half exponent below 1 is subnormal (shift the implicit 1 in), above 30 overflows.
  let he = e - 127 + 15, mant = m | 0x800000, shift = 13;
  if (he < 1) { shift += 1 - he; he = 0; }
  if (shift > 24) return sign; // below half the smallest subnormal: ±0
  let h = mant >>> shift;
  const rem = mant & ((1 << shift) - 1), half = 1 << (shift - 1);
  if (he === 0) { if (rem > half || (rem === half && h & 1)) h++; return sign | h; }
  h &= 0x3ff;
  let out = (he << 10) | h;
  if (rem > half || (rem === half && out & 1)) out++; // a carry rolls into the exponent
  return out >= 0x7c00 ? sign | 0x7c00 : sign | out;
}

/** f32 bit pattern of half `h` (exact). */
export function halfToF32Bits(h: number): number {
  const sign = (h & 0x8000) << 16, e = (h >>> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0x1f) return (sign | 0x7f800000 | (m << 13)) >>> 0;
  if (e) return (sign | ((e + 112) << 23) | (m << 13)) >>> 0;
  if (!m) return sign >>> 0;
  let k = 0, mm = m;
  while (!(mm & 0x400)) { mm <<= 1; k++; }
  return (sign | ((113 - k) << 23) | ((mm & 0x3ff) << 13)) >>> 0;
}

export function encodeF16(data: Float32Array): Uint8Array {
  const out = new Uint8Array(2 * data.length), dv = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) dv.setUint16(2 * i, toHalf(data[i]), true);
  return out;
}

/** §3.6 checks (param, byteLength) then the f32 words. */
export function decodeF16(dv: DataView, at: number, r: { param: number; elements: number; byteLength: number; lengthAt: number; paramAt: number },
  what: string, bad: Bad): Uint32Array {
  if (r.param !== 0) bad("TENS", r.paramAt, `${what}: param ${r.param}, expected 0 for f16`);
  if (r.byteLength !== 2 * r.elements) bad("TENS", r.lengthAt, `${what}: byteLength ${r.byteLength}, expected 2 × ${r.elements} elements (f16)`);
  const out = new Uint32Array(r.elements);
  for (let i = 0; i < r.elements; i++) out[i] = halfToF32Bits(dv.getUint16(at + 2 * i, true));
  return out;
}

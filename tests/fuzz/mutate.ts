// Structure-aware mutations of valid .slim files (docs/FORMAT.md): bit flips, truncation,
// extension, counts and fields set to edge values, section offsets swapped or shifted, and
// corruption aimed at each encoding's own structures (csr rowEnd/gaps, codebook values and
// index padding, Huffman tables and streams, int8 scales, binary alphas and padding words).
// A mutation then usually re-computes the CRCs (robustly, whatever the table says) so it gets
// past the checksums to the check it targets.
import { crc32 } from "../../src/format/crc32.js";
import { verify, type SlimFile } from "../../src/format/verify.js";
import type { Rand } from "./prng.js";

/** Edge values for u32 fields. */
export const EDGE_U32 = [0, 1, 2, 3, 4, 7, 8, 15, 16, 17, 31, 32, 33, 48, 64, 255, 256, 4095, 4096, 4097, 65535, 65536, 65537,
  0x7fff_ffff, 0x8000_0000, 0x8000_0001, 0xffff_fff0, 0xffff_fffe, 0xffff_ffff, 2 ** 28, 2 ** 28 + 1, 2 ** 30, 2 ** 16 + 16];
/** Edge f32 values (as numbers; -0 kept). */
export const EDGE_F32 = [NaN, Infinity, -Infinity, 0, -0, -1, 1e-45, -1e-45, 3.4e38, -3.4e38, 1e-38, 0.5];

/** What the mutators know of a seed file (from verify()). */
export interface Anatomy {
  file: SlimFile;
  /** file offset of each TENS record */
  tensAt: number[];
  /** file offset of each NODE record and its length */
  nodeAt: [number, number][];
  sec: Map<string, { offset: number; length: number; index: number }>;
}

const anatomies = new WeakMap<Uint8Array, Anatomy>();
export function anatomy(bytes: Uint8Array): Anatomy {
  let a = anatomies.get(bytes);
  if (a) return a;
  const file = verify(bytes), dv = new DataView(bytes.buffer, bytes.byteOffset);
  const sec = new Map(file.sections.map((s, index) => [s.kind as string, { offset: s.offset, length: s.length, index }]));
  const tens = sec.get("TENS")!.offset;
  const tensAt = file.tensors.map((_, i) => tens + 4 + 48 * i);
  const nodeAt: [number, number][] = [];
  let p = sec.get("NODE")!.offset + 4;
  for (let k = 0; k < file.nodes.length; k++) {
    const len = 12 + 4 * (bytes[p + 6] + bytes[p + 7] + dv.getUint32(p + 8, true));
    nodeAt.push([p, len]);
    p += len;
  }
  a = { file, tensAt, nodeAt, sec };
  anatomies.set(bytes, a);
  return a;
}

/** Recomputes the CRCs of whatever the (possibly mutated) table describes, clamped to the file. */
export function fixCrcsRobust(b: Uint8Array): void {
  if (b.length < 32) return;
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const n = Math.min(dv.getUint32(8, true), Math.floor((b.length - 32) / 16), 64);
  for (let i = 0; i < n; i++) {
    const at = 32 + 16 * i, o = dv.getUint32(at + 4, true), l = dv.getUint32(at + 8, true);
    if (o + l <= b.length) dv.setUint32(at + 12, crc32(b.subarray(o, o + l)), true);
  }
  dv.setUint32(16, crc32(b.subarray(32, 32 + 16 * n), crc32(b.subarray(0, 16))), true);
}

class Buf {
  b: Uint8Array;
  dv: DataView;
  constructor(b: Uint8Array) { this.b = b; this.dv = new DataView(b.buffer, b.byteOffset, b.byteLength); }
  ok(o: number, n: number) { return o >= 0 && o + n <= this.b.length; }
  u32(o: number, v: number) { if (this.ok(o, 4)) this.dv.setUint32(o, v >>> 0, true); }
  get(o: number) { return this.ok(o, 4) ? this.dv.getUint32(o, true) : 0; }
  f32(o: number, v: number) { if (this.ok(o, 4)) this.dv.setFloat32(o, v, true); }
  u8(o: number, v: number) { if (this.ok(o, 1)) this.b[o] = v & 0xff; }
  resize(n: number) {
    const c = new Uint8Array(n);
    c.set(this.b.subarray(0, Math.min(n, this.b.length)));
    this.b = c; this.dv = new DataView(c.buffer);
  }
  setFileLength() { this.u32(12, this.b.length); }
}

/** An edge-ish u32: an edge value, the old value ± small, or random. */
function u32Value(r: Rand, old: number): number {
  const k = r.int(0, 3);
  if (k === 0) return r.pick(EDGE_U32);
  if (k === 1) return (old + r.int(-3, 3)) >>> 0;
  if (k === 2) return (old ^ (1 << r.int(0, 31))) >>> 0;
  return Math.floor(r.rand() * 2 ** 32);
}

/** The data region of constant `id` in the file. */
function dataOf(a: Anatomy, id: number): [number, number] {
  const t = a.file.tensors[id];
  return [a.file.weightsOffset + t.offset, t.byteLength];
}

/** Offsets of the structures of an encoded tensor worth hitting (by §3.2–3.8 layout). */
function encodedTargets(a: Anatomy, id: number, r: Rand, buf: Buf): { u32: number[]; f32: number[]; bytes: number[] } {
  const t = a.file.tensors[id];
  const [at, len] = dataOf(a, id);
  const rows = t.dims[0] ?? 1;
  const out = { u32: [] as number[], f32: [] as number[], bytes: [at + len - 1, at + r.int(0, Math.max(0, len - 1))] };
  const b = t.param & 0xff, v = (t.param >> 8) & 15, perRow = (t.param >> 12) & 1;
  const K = (perRow ? rows : 1) << v;
  switch (t.encoding) {
    case 1: out.u32.push(at + 2 * r.int(0, Math.max(0, len / 2 - 2))); break;
    case 2: {
      out.f32.push(at, at + 16 + 4 * r.int(0, rows - 1));
      out.u32.push(at + 4, at + 8, at + 12);
      out.bytes.push(at + 16 + 4 * rows + r.int(0, Math.max(0, len - 17 - 4 * rows)));
      break;
    }
    case 6: out.f32.push(at + 4 * r.int(0, rows - 1)); out.u32.push(at + 4 * rows + 4 * r.int(0, (len - 4 * rows) / 4 - 1)); break;
    case 3: case 4: case 5: {
      const sparse = t.encoding === 3 || b !== 0;
      let q = at;
      if (sparse) {
        out.u32.push(at, at + 4 + 4 * r.int(0, rows - 1), at + 4 * rows);
        q += 4 + 4 * rows;
      }
      if (v) { out.f32.push(q + 4 * r.int(0, K - 1)); q += 4 * K; } else if (sparse) out.f32.push(q + 4 * r.int(0, Math.max(0, buf.get(at) - 1)));
      if (t.encoding === 5) {
        // Huffman table: counts[15], symbols, streamBytes, stream
        out.bytes.push(q + r.int(0, 14), q + 15 + r.int(0, 3));
        let total = 0;
        for (let l = 0; l < 15; l++) total += buf.b[q + l] ?? 0;
        out.u32.push(q + 15 + total);
        out.bytes.push(q + 19 + total + r.int(0, 8));
      } else out.bytes.push(q + r.int(0, Math.max(0, at + len - q - 1)));
      break;
    }
  }
  return out;
}

/** One structure-aware mutation of `seed` (a valid file); returns new bytes and a description. */
export function mutate(seed: Uint8Array, r: Rand): { bytes: Uint8Array; what: string[] } {
  const a = anatomy(seed);
  const buf = new Buf(seed.slice());
  const what: string[] = [];
  const encoded = a.file.tensors.map((t, i) => (t.kind === 1 && t.encoding !== 0 ? i : -1)).filter((i) => i >= 0);
  const constants = a.file.tensors.map((t, i) => (t.kind === 1 ? i : -1)).filter((i) => i >= 0);
  const steps = r.int(1, 3);
  let fix = r.chance(0.92);
  for (let s = 0; s < steps; s++) {
    const op = r.int(0, 15);
    switch (op) {
      case 0: { // bit flips anywhere
        for (let k = r.int(1, 4); k > 0; k--) {
          const o = r.int(0, buf.b.length - 1), bit = r.int(0, 7);
          buf.u8(o, buf.b[o] ^ (1 << bit));
          what.push(`flip ${o}.${bit}`);
        }
        break;
      }
      case 1: { // random bytes in the structural sections
        const kind = r.pick(["STRS", "TENS", "NODE", "GRPH", "PLAN"]), s = a.sec.get(kind)!;
        const o = s.offset + r.int(0, Math.max(0, s.length - 1));
        buf.u8(o, r.int(0, 255));
        what.push(`byte ${kind}+${o - s.offset}`);
        break;
      }
      case 2: { // truncate
        const n = r.chance(0.5) ? r.int(0, buf.b.length - 1) : buf.b.length - r.int(1, 16);
        buf.resize(Math.max(0, n));
        if (r.chance(0.6)) buf.setFileLength();
        what.push(`truncate ${n}`);
        break;
      }
      case 3: { // extend
        const n = r.int(1, 64), old = buf.b.length;
        buf.resize(old + n);
        for (let i = old; i < old + n; i++) buf.b[i] = r.chance(0.5) ? 0 : r.int(0, 255);
        if (r.chance(0.7)) buf.setFileLength();
        if (r.chance(0.5)) { // grow the last section into it
          const last = [...a.sec.values()].sort((x, y) => y.offset - x.offset)[0];
          buf.u32(32 + 16 * last.index + 8, last.length + n);
        }
        what.push(`extend ${n}`);
        break;
      }
      case 4: { // header / table field
        const i = r.int(0, a.sec.size - 1);
        const o = r.pick([4, 6, 8, 12, 20, 24, 32 + 16 * i + 4, 32 + 16 * i + 8, 32 + 16 * i + 4, 32 + 16 * i + 8]);
        const v = o === 4 || o === 6 ? r.pick([0, 1, 2, 3, 0xffff, 0x8000]) : u32Value(r, buf.get(o));
        if (o === 4 || o === 6) { buf.u8(o, v); buf.u8(o + 1, v >> 8); } else buf.u32(o, v);
        what.push(`header/table @${o} = ${v}`);
        break;
      }
      case 5: { // swap or shift section offsets
        const es = [...a.sec.values()];
        const x = r.pick(es), y = r.pick(es);
        if (r.chance(0.5)) {
          const xo = buf.get(32 + 16 * x.index + 4), xl = buf.get(32 + 16 * x.index + 8);
          buf.u32(32 + 16 * x.index + 4, buf.get(32 + 16 * y.index + 4));
          buf.u32(32 + 16 * x.index + 8, buf.get(32 + 16 * y.index + 8));
          buf.u32(32 + 16 * y.index + 4, xo);
          buf.u32(32 + 16 * y.index + 8, xl);
          what.push(`swap sections ${x.index},${y.index}`);
        } else {
          const d = r.pick([-32, -16, 16, 32, -1, 1, 4]);
          buf.u32(32 + 16 * x.index + 4, buf.get(32 + 16 * x.index + 4) + d);
          if (r.chance(0.5)) buf.u32(32 + 16 * x.index + 8, buf.get(32 + 16 * x.index + 8) + r.pick([-16, -4, -1, 1, 4, 16]));
          what.push(`shift section ${x.index} by ${d}`);
        }
        break;
      }
      case 6: { // counts: tensor, node, graph io
        const o = r.pick([a.sec.get("TENS")!.offset, a.sec.get("NODE")!.offset, a.sec.get("GRPH")!.offset,
          a.sec.get("GRPH")!.offset + 4 + 4 * a.file.inputs.length, a.sec.get("PLAN")!.offset]);
        const v = u32Value(r, buf.get(o));
        buf.u32(o, v);
        what.push(`count @${o} = ${v}`);
        break;
      }
      case 7: case 8: { // a TENS record field
        const id = r.int(0, a.tensAt.length - 1), rec = a.tensAt[id];
        const f = r.pick([0, 4, 5, 6, 7, 8, 12, 16, 20, 32, 36, 40, 44]);
        if (f >= 4 && f <= 7) {
          const v = r.pick([0, 1, 2, 3, 4, 5, 6, 7, 8, 255, buf.b[rec + f] + 1, buf.b[rec + f] - 1]);
          buf.u8(rec + f, v);
          what.push(`tensor ${id} byte +${f} = ${v & 0xff}`);
        } else {
          const v = u32Value(r, buf.get(rec + f));
          buf.u32(rec + f, v);
          what.push(`tensor ${id} u32 +${f} = ${v}`);
        }
        break;
      }
      case 9: case 10: { // a NODE record field
        const [p, len] = r.pick(a.nodeAt);
        const f = r.chance(0.3) ? r.pick([0, 4, 6, 7, 8]) : 12 + 4 * r.int(0, (len - 12) / 4 - 1);
        if (f === 4) { const v = r.int(0, 40); buf.u8(p + 4, v); buf.u8(p + 5, r.chance(0.9) ? 0 : 255); what.push(`node opcode = ${v}`); }
        else if (f === 6 || f === 7) { const v = r.int(0, 8); buf.u8(p + f, v); what.push(`node @${p}+${f} = ${v}`); }
        else { const v = r.chance(0.3) ? r.int(0, a.tensAt.length + 1) : u32Value(r, buf.get(p + f)); buf.u32(p + f, v); what.push(`node @${p}+${f} = ${v}`); }
        break;
      }
      case 11: { // arena plan / activation offsets
        if (r.chance(0.5)) {
          const v = u32Value(r, buf.get(a.sec.get("PLAN")!.offset));
          buf.u32(a.sec.get("PLAN")!.offset, v);
          what.push(`arenaBytes = ${v}`);
        } else {
          const acts = a.file.tensors.map((t, i) => (t.kind === 0 ? i : -1)).filter((i) => i >= 0);
          const id = r.pick(acts), o = a.tensAt[id] + 32;
          const v = r.chance(0.7) ? 16 * r.int(0, 64) : u32Value(r, buf.get(o));
          buf.u32(o, v);
          what.push(`activation ${id} offset = ${v}`);
        }
        break;
      }
      case 12: case 13: case 14: { // the encoded weights' own structures
        const id = r.pick(encoded.length ? encoded : constants);
        const tg = encodedTargets(a, id, r, buf);
        const k = r.int(0, 2);
        if (k === 0 && tg.f32.length) { const o = r.pick(tg.f32), v = r.pick(EDGE_F32); buf.f32(o, v); what.push(`tensor ${id} f32 @${o} = ${v}`); }
        else if (k === 1 && tg.u32.length) { const o = r.pick(tg.u32), v = u32Value(r, buf.get(o)); buf.u32(o, v); what.push(`tensor ${id} u32 @${o} = ${v}`); }
        else {
          const o = r.pick(tg.bytes), v = r.chance(0.5) ? buf.b[o] ^ (1 << r.int(0, 7)) : r.int(0, 255);
          buf.u8(o, v);
          what.push(`tensor ${id} byte @${o} = ${v & 0xff}`);
        }
        if (r.chance(0.2)) { // and its param
          const o = a.tensAt[id] + 40, v = r.chance(0.5) ? buf.get(o) ^ (1 << r.int(0, 13)) : u32Value(r, buf.get(o));
          buf.u32(o, v);
          what.push(`tensor ${id} param = ${v}`);
        }
        break;
      }
      case 15: { // no CRC fix: the checksum is what must catch it
        fix = false;
        const o = r.int(32, buf.b.length - 1);
        buf.u8(o, buf.b[o] ^ 0x10);
        what.push(`flip ${o}.4 (CRCs kept)`);
        break;
      }
    }
  }
  if (fix) fixCrcsRobust(buf.b);
  else what.push("no CRC fix");
  return { bytes: buf.b, what };
}

/** Layer (a): random bytes, or random content behind a seed's valid header and section table. */
export function randomBytes(seed: Uint8Array, r: Rand): { bytes: Uint8Array; what: string[] } {
  const k = r.int(0, 3);
  if (k === 0) {
    const b = Uint8Array.from({ length: r.int(0, 700) }, () => r.int(0, 255));
    return { bytes: b, what: [`random ${b.length} bytes`] };
  }
  if (k === 1) { // magic + plausible header, random rest
    const n = r.int(32, 900), b = Uint8Array.from({ length: n }, () => (r.chance(0.5) ? 0 : r.int(0, 255)));
    b.set([0x53, 0x4c, 0x49, 0x4d, 1, 0, 0, 0]);
    const dv = new DataView(b.buffer);
    dv.setUint32(8, r.int(1, 8), true);
    dv.setUint32(12, n, true);
    b.fill(0, 20, 32);
    fixCrcsRobust(b);
    return { bytes: b, what: [`magic + random ${n} bytes`] };
  }
  // a seed's header + table, random section contents
  const a = anatomy(seed), b = seed.slice(), what: string[] = [];
  for (const [kind, s] of a.sec) {
    if (k === 2 && !r.chance(0.4)) continue;
    const zeroish = r.chance(0.3);
    for (let i = s.offset; i < s.offset + s.length; i++) b[i] = zeroish && r.chance(0.7) ? 0 : r.int(0, 255);
    what.push(`random ${kind}`);
  }
  if (r.chance(0.5)) { // keep the counts plausible so the parsers go deeper
    const dv = new DataView(b.buffer);
    dv.setUint32(a.sec.get("TENS")!.offset, a.file.tensors.length, true);
    dv.setUint32(a.sec.get("NODE")!.offset, a.file.nodes.length, true);
    what.push("counts kept");
  }
  fixCrcsRobust(b);
  return { bytes: b, what };
}

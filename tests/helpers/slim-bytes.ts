// Byte surgery on .slim files for the verifier tests (docs/FORMAT.md §1): find a section, and
// redo the section and header CRCs after a mutation so the mutation gets past the checksums.
import { crc32 } from "../../src/format/crc32.js";

/** File offset of the section `kind` ("TENS", "WGTS", …). */
export function sectionOffset(b: Uint8Array, kind: string): number {
  const dv = new DataView(b.buffer, b.byteOffset);
  for (let i = 0; i < dv.getUint32(8, true); i++) if (String.fromCharCode(...b.subarray(32 + 16 * i, 36 + 16 * i)) === kind) return dv.getUint32(36 + 16 * i, true);
  throw new Error(`no section ${kind}`);
}

/** Recomputes every section's CRC and the header CRC of `b` in place; returns `b`. */
export function fixCrcs(b: Uint8Array): Uint8Array {
  const dv = new DataView(b.buffer, b.byteOffset), n = dv.getUint32(8, true);
  for (let i = 0; i < n; i++) {
    const at = 32 + 16 * i, o = dv.getUint32(at + 4, true), l = dv.getUint32(at + 8, true);
    dv.setUint32(at + 12, crc32(b.subarray(o, o + l)), true);
  }
  dv.setUint32(16, crc32(b.subarray(32, 32 + 16 * n), crc32(b.subarray(0, 16))), true);
  return b;
}

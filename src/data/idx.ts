// IDX files (the MNIST container): big-endian header `00 00 <type> <rank>`, rank u32 dims,
// then the elements row-major. Read raw or gzipped (detected by the gzip magic 1f 8b).
import { readFileSync } from "node:fs";
import { gunzipSync } from "node:zlib";
import { FormatError, InputError } from "../runtime/errors.js";

export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface Idx {
  dims: number[];
  data: IdxData;
}

// type byte → element size and big-endian reader
const TYPES: Record<number, { name: string; size: number; make: (n: number) => IdxData; get: (v: DataView, o: number) => number }> = {
  0x08: { name: "u8", size: 1, make: (n) => new Uint8Array(n), get: (v, o) => v.getUint8(o) },
  0x09: { name: "i8", size: 1, make: (n) => new Int8Array(n), get: (v, o) => v.getInt8(o) },
  0x0b: { name: "i16", size: 2, make: (n) => new Int16Array(n), get: (v, o) => v.getInt16(o) },
  0x0c: { name: "i32", size: 4, make: (n) => new Int32Array(n), get: (v, o) => v.getInt32(o) },
  0x0d: { name: "f32", size: 4, make: (n) => new Float32Array(n), get: (v, o) => v.getFloat32(o) },
  0x0e: { name: "f64", size: 8, make: (n) => new Float64Array(n), get: (v, o) => v.getFloat64(o) },
};

/** Parses IDX bytes (raw or gzipped); `file` names the source in error messages. */
export function parseIdx(bytes: Uint8Array, file: string): Idx {
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      bytes = gunzipSync(bytes);
    } catch (e) {
      throw new FormatError(`${file}: corrupt gzip stream (${(e as Error).message})`);
    }
  }
  if (bytes.length < 4) throw new FormatError(`${file}: ${bytes.length} bytes is too short for an IDX header (4)`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const type = TYPES[bytes[2]];
  if (bytes[0] !== 0 || bytes[1] !== 0 || !type) {
    const magic = [...bytes.subarray(0, 4)].map((b) => b.toString(16).padStart(2, "0")).join(" ");
    throw new FormatError(`${file}: bad IDX magic ${magic} (expected 00 00 <type 08..0e> <rank>)`);
  }
  const rank = bytes[3];
  const headerBytes = 4 + 4 * rank;
  if (rank === 0 || bytes.length < headerBytes) {
    throw new FormatError(`${file}: IDX header of rank ${rank} needs ${headerBytes} bytes, file has ${bytes.length}`);
  }
  const dims = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.size;
  if (bytes.length !== expected) {
    throw new FormatError(`${file}: IDX ${type.name} [${dims.join(",")}] needs ${expected} bytes, file has ${bytes.length}` +
      (bytes.length < expected ? " (truncated)" : ""));
  }
  const data = type.make(count);
  if (type.size === 1) {
    data.set(bytes.subarray(headerBytes));
  } else {
    for (let i = 0; i < count; i++) data[i] = type.get(view, headerBytes + i * type.size);
  }
  return { dims, data };
}

export function readIdx(path: string): Idx {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return parseIdx(bytes, path);
}

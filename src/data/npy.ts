// NumPy .npy files (format 1.0–3.0): `\x93NUMPY`, version, header length, a Python dict
// literal `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }`, then the data.
// Reads f4 and f8 (converted to f32) in either byte order, C order; writes '<f4' version 1.0.
import { readFileSync, writeFileSync } from "node:fs";
import { FormatError, InputError, UnsupportedError } from "../runtime/errors.js";

export interface NpyArray {
  data: Float32Array;
  shape: number[];
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

export function parseNpy(bytes: Uint8Array, file: string): NpyArray {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b)) {
    throw new FormatError(`${file}: not a .npy file (no \\x93NUMPY magic)`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const major = bytes[6];
  if (major < 1 || major > 3) throw new UnsupportedError(`${file}: .npy format version ${major}.${bytes[7]} (supported 1.0–3.0)`);
  const wide = major >= 2;
  if (wide && bytes.length < 12) throw new FormatError(`${file}: truncated .npy header`);
  const headerLen = wide ? view.getUint32(8, true) : view.getUint16(8, true);
  const start = (wide ? 12 : 10) + headerLen;
  if (start > bytes.length) throw new FormatError(`${file}: .npy header of ${headerLen} bytes runs past the end (${bytes.length})`);
  const header = new TextDecoder().decode(bytes.subarray(wide ? 12 : 10, start));
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new FormatError(`${file}: .npy header lacks descr, fortran_order or shape: ${header.trim()}`);
  }
  if (fortran === "True") throw new UnsupportedError(`${file}: Fortran-order arrays are not supported; save with np.ascontiguousarray`);
  const shape = shapeText.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) throw new FormatError(`${file}: bad .npy shape (${shapeText})`);
  const match = /^([<>|=])f([48])$/.exec(descr);
  if (!match) throw new UnsupportedError(`${file}: dtype '${descr}' is not supported (use float32 '<f4' or float64 '<f8')`);
  const little = match[1] !== ">";
  const size = Number(match[2]);
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - start !== count * size) {
    throw new FormatError(`${file}: shape (${shape.join(", ")}) of '${descr}' needs ${count * size} data bytes, file has ${bytes.length - start}`);
  }
  const data = new Float32Array(count);
  for (let i = 0; i < count; i++) {
    data[i] = size === 4 ? view.getFloat32(start + 4 * i, little) : view.getFloat64(start + 8 * i, little);
  }
  return { data, shape };
}

export function readNpy(path: string): NpyArray {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return parseNpy(bytes, path);
}

export function encodeNpy({ data, shape }: NpyArray): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new InputError(`npy: shape (${shape.join(", ")}) needs ${count} values, got ${data.length}`);
  const dims = shape.length === 1 ? `${shape[0]},` : shape.join(", ");
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${dims}), }`;
  header += " ".repeat(63 - ((10 + header.length) % 64)) + "\n"; // data starts 64-aligned
  const out = new Uint8Array(10 + header.length + 4 * count);
  const view = new DataView(out.buffer);
  out.set(MAGIC);
  out[6] = 1;
  view.setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  for (let i = 0; i < count; i++) view.setFloat32(10 + header.length + 4 * i, data[i], true);
  return out;
}

export function writeNpy(path: string, array: NpyArray): void {
  writeFileSync(path, encodeNpy(array));
}

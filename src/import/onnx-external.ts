// ONNX external data (TensorProto.data_location = EXTERNAL, external_data {location, offset,
// length}): the bytes of a tensor in another file next to the model. Refused unless the caller
// names the model's folder (`importOnnx(bytes, { baseDir })`; the CLI passes the file's folder);
// then only a relative path that stays inside that folder after resolving `..` and symlinks is
// read, and only the byte range [offset, offset + length) that lies inside the file.
import { closeSync, openSync, readSync, realpathSync, statSync } from "node:fs";
import { isAbsolute, relative, resolve, sep, win32 } from "node:path";
import type onnx from "onnx-proto";
import { FormatError, UnsupportedError } from "../runtime/errors.js";

/** True when the tensor's data is stored outside the model file. */
export const isExternal = (t: onnx.onnx.ITensorProto): boolean => t.dataLocation === 1 || (t.externalData ?? []).length > 0;

const inside = (base: string, p: string): boolean => {
  const r = relative(base, p);
  return r === "" || (!r.startsWith(".." + sep) && r !== ".." && !isAbsolute(r));
};

function count(v: string | undefined, key: string, what: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new FormatError(`${what}: external_data ${key} is "${v}"; expected a whole number of bytes`);
  return Number(v);
}

/** Reads `want` bytes of an external tensor from inside `baseDir`; `what` names the tensor. */
export function readExternal(t: onnx.onnx.ITensorProto, what: string, want: number, baseDir: string | undefined): Uint8Array {
  const kv = new Map((t.externalData ?? []).map((e) => [e.key ?? "", e.value ?? ""]));
  const location = kv.get("location");
  if (!location) throw new FormatError(`${what}: data_location is EXTERNAL but external_data has no "location"; expected the data file's relative path`);
  if (baseDir === undefined)
    throw new UnsupportedError(`${what}: data is in the external file "${location}", refused by default; pass { baseDir: <the model's folder> } to importOnnx (the CLI does), or save the model with its weights inside the file`);
  if (isAbsolute(location) || win32.isAbsolute(location) || location.includes("\0"))
    throw new FormatError(`${what}: external data location "${location}" is an absolute path; expected a path relative to the model's folder`);
  let base: string;
  try { base = realpathSync(baseDir); } catch (e) {
    throw new FormatError(`${what}: model folder ${baseDir} for external data cannot be resolved: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  const path = resolve(base, location);
  if (!inside(base, path)) throw new FormatError(`${what}: external data location "${location}" leaves the model's folder ${base}; expected a file inside it`);
  let real: string;
  try { real = realpathSync(path); } catch (e) {
    throw new FormatError(`${what}: external data file "${location}" cannot be opened (${(e as NodeJS.ErrnoException).code ?? e}); expected it in ${base}`);
  }
  if (!inside(base, real)) throw new FormatError(`${what}: external data location "${location}" is a link to ${real}, outside the model's folder ${base}; expected a file inside it`);
  const st = statSync(real);
  if (!st.isFile()) throw new FormatError(`${what}: external data location "${location}" is not a regular file`);
  const offset = count(kv.get("offset"), "offset", what) ?? 0;
  const length = count(kv.get("length"), "length", what) ?? want;
  if (length !== want) throw new FormatError(`${what}: external_data length is ${length} bytes; the tensor's shape and type need ${want}`);
  if (offset > st.size || offset + length > st.size)
    throw new FormatError(`${what}: external data [${offset}, ${offset + length}) lies outside "${location}" (${st.size} bytes)`);
  const out = new Uint8Array(length), fd = openSync(real, "r");
  try {
    let got = 0;
    while (got < length) {
      const k = readSync(fd, out, got, length - got, offset + got);
      if (k <= 0) throw new FormatError(`${what}: external data file "${location}" ended after ${offset + got} bytes`);
      got += k;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

// Model files as the CLI sees them: a .slim file, or an .onnx file converted on the fly.
import { readFileSync } from "node:fs";
import { dirname, extname } from "node:path";
import { writeSlim } from "../format/writer.js";
import { importOnnx } from "../import/onnx.js";
import { InputError, SlimnetError } from "../runtime/errors.js";
import { Model } from "../runtime/model.js";
import { fsReason, writeOutput } from "./write-output.js";

export interface ModelFile {
  path: string;
  kind: "onnx" | "slim";
  /** Size of the file on disk. */
  fileBytes: number;
  /** The .slim bytes (the file itself, or the conversion of the ONNX file). */
  slim: Uint8Array;
}

export function readBytes(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${fsReason(e)}`);
  }
}

/** Writes an output file atomically, creating its folder first (src/cli/write-output.ts). */
export const writeBytes = (path: string, bytes: Uint8Array): void => writeOutput(path, bytes);

const isSlim = (b: Uint8Array): boolean => b[0] === 0x53 && b[1] === 0x4c && b[2] === 0x49 && b[3] === 0x4d;

/** ONNX bytes → .slim bytes; external data is read from inside `baseDir` (the model's folder) only. */
export const convertOnnx = (bytes: Uint8Array, baseDir?: string): Uint8Array => writeSlim(importOnnx(bytes, { baseDir }));

/** Prefixes an error of ours with the file it is about (same class). */
function about(path: string, e: unknown): unknown {
  if (!(e instanceof SlimnetError) || e.message.startsWith(path)) return e;
  const Class = e.constructor as new (message: string) => SlimnetError;
  return new Class(`${path}: ${e.message}`);
}

/** Reads a model; anything not starting with the SLIM magic and named *.onnx is converted. */
export function readModelFile(path: string): ModelFile {
  const bytes = readBytes(path);
  if (!isSlim(bytes) && extname(path).toLowerCase() === ".onnx") {
    try {
      return { path, kind: "onnx", fileBytes: bytes.length, slim: convertOnnx(bytes, dirname(path)) };
    } catch (e) {
      throw about(path, e);
    }
  }
  return { path, kind: "slim", fileBytes: bytes.length, slim: bytes };
}

export async function loadModel(path: string): Promise<Model> {
  const file = readModelFile(path);
  try {
    return await Model.load(file.slim);
  } catch (e) {
    throw about(path, e);
  }
}

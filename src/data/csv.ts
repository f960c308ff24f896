// Numeric CSV: one sample per line, comma-separated numbers, one column holds the integer class
// label. A first line with any non-numeric field is a header (then the label column may be
// named). Errors name the file, the line and the column.
import { readFileSync } from "node:fs";
import { FormatError, InputError } from "../runtime/errors.js";
import { labeled, type Labeled } from "./batches.js";

export interface CsvOptions {
  /** Label column: an index (negative counts from the end) or a header name. Default: last. */
  label?: number | string;
}

const isNumber = (s: string): boolean => s.trim() !== "" && Number.isFinite(Number(s));

/** Parses CSV text; `file` names the source in error messages. */
export function parseCsv(text: string, file: string, options: CsvOptions = {}): Labeled {
  const lines = text.split(/\r?\n/);
  while (lines.length && lines[lines.length - 1].trim() === "") lines.pop();
  if (!lines.length) throw new FormatError(`${file}: empty CSV file`);
  const first = lines[0].split(",");
  const header = first.some((f) => !isNumber(f)) ? first.map((f) => f.trim()) : undefined;
  const cols = first.length;
  if (cols < 2) throw new FormatError(`${file}:1: ${cols} column; expected features and a label column`);
  let col: number;
  const want = options.label ?? -1;
  if (typeof want === "string") {
    if (!header) throw new InputError(`${file}: label column "${want}" named, but the file has no header line`);
    col = header.indexOf(want);
    if (col < 0) throw new InputError(`${file}:1: no column "${want}" in the header (${header.join(", ")})`);
  } else {
    col = want < 0 ? cols + want : want;
    if (!Number.isInteger(want) || col < 0 || col >= cols) throw new InputError(`${file}: label column ${want} is outside the ${cols} columns`);
  }
  const start = header ? 1 : 0, n = lines.length - start;
  if (n < 1) throw new FormatError(`${file}: a header line and no samples`);
  const x = new Float32Array(n * (cols - 1)), labels = new Int32Array(n);
  let k = 0;
  for (let li = start; li < lines.length; li++) {
    const fields = lines[li].split(","), at = `${file}:${li + 1}`;
    if (fields.length !== cols) throw new FormatError(`${at}: ${fields.length} columns, expected ${cols} (as line ${start + 1})`);
    fields.forEach((f, c) => {
      const name = header ? `column ${c + 1} ("${header[c]}")` : `column ${c + 1}`;
      if (!isNumber(f)) throw new FormatError(`${at}: ${name} is ${JSON.stringify(f)}, not a number`);
      const v = Number(f);
      if (c === col) {
        if (!Number.isInteger(v) || v < 0) throw new FormatError(`${at}: label ${name} is ${f.trim()}, not a class index ≥ 0`);
        labels[li - start] = v;
      } else x[k++] = v;
    });
  }
  return labeled(x, labels, [cols - 1], file);
}

export function readCsv(path: string, options: CsvOptions = {}): Labeled {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    throw new InputError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? e}`);
  }
  return parseCsv(text, path, options);
}

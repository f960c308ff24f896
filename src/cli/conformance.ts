// npm run conformance -- FOLDER [--json] [--filter TEXT]
// Runs every ONNX backend node test under FOLDER (a directory holding model.onnx and
// test_data_set_*/input_N.pb, output_N.pb) through convert → .slim → wasm runtime and compares
// with the expected outputs using the ONNX backend runner's own tolerance (|got − want| ≤
// 1e-7 + 1e-3·|want|: some expected files are stored rounded to 4 digits). An UnsupportedError is
// "unsupported"; wrong numbers, any other error or a crash is "fail" and makes the exit code 1.
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import onnx from "onnx-proto";
import { decodeTensor } from "../import/onnx-values.js";
import { InputError, SlimnetError, UnsupportedError } from "../runtime/errors.js";
import { Model, type Feed } from "../runtime/model.js";
import { printJson } from "./command.js";
import { progress } from "./progress.js";
import { convertOnnx, readBytes } from "./models.js";
import { table } from "./table.js";

const RTOL = 1e-3;
const ATOL = 1e-7;

export interface CaseResult {
  name: string;
  status: "pass" | "fail" | "unsupported";
  detail: string;
}

/** Test folders: FOLDER itself when it holds model.onnx, else its sub-folders that do. */
export function findTests(folder: string): string[] {
  if (!existsSync(folder) || !statSync(folder).isDirectory()) throw new InputError(`${folder}: not a folder`);
  if (existsSync(join(folder, "model.onnx"))) return [folder];
  return readdirSync(folder).sort()
    .map((d) => join(folder, d))
    .filter((d) => existsSync(join(d, "model.onnx")));
}

function readTensor(path: string): { name: string; data: Float32Array; shape: number[] } {
  let proto: onnx.onnx.TensorProto;
  try {
    proto = onnx.onnx.TensorProto.decode(readBytes(path));
  } catch (e) {
    throw new UnsupportedError(`${path}: not a TensorProto (${(e as Error).message}); only tensor test data is supported`);
  }
  const t = decodeTensor(proto, path);
  return { name: proto.name ?? "", data: Float32Array.from(t.data), shape: t.shape };
}

const pbFiles = (dir: string, prefix: string): string[] =>
  readdirSync(dir)
    .filter((f) => f.startsWith(prefix) && f.endsWith(".pb"))
    .sort((a, b) => parseInt(a.slice(prefix.length)) - parseInt(b.slice(prefix.length)))
    .map((f) => join(dir, f));

const close = (got: number, want: number): boolean =>
  Number.isNaN(want) ? Number.isNaN(got) : got === want || Math.abs(got - want) <= ATOL + RTOL * Math.abs(want);

type Value = { data: Float32Array; shape: number[] };

/** Compares one output: the largest finite error, and a description of the worst mismatch if any. */
function compare(name: string, got: Value, want: Value): { maxErr: number; bad?: string } {
  if (got.shape.join(",") !== want.shape.join(",")) return { maxErr: Infinity, bad: `output "${name}": shape [${got.shape}] expected [${want.shape}]` };
  let maxErr = 0;
  let worst = -1;
  for (let i = 0; i < want.data.length; i++) {
    const err = Math.abs(got.data[i] - want.data[i]);
    if (close(got.data[i], want.data[i])) {
      if (err > maxErr) maxErr = err;
    } else if (worst < 0 || !(Math.abs(got.data[worst] - want.data[worst]) >= err)) {
      worst = i;
    }
  }
  if (worst < 0) return { maxErr };
  return { maxErr, bad: `output "${name}"[${worst}] = ${got.data[worst]}, expected ${want.data[worst]}` };
}

/** Inputs that ops take as quantization parameters (scale, zero point; QLinearConv's bias). */
const PARAM_INPUTS: Record<string, number[]> = {
  QuantizeLinear: [1, 2], DequantizeLinear: [1, 2], QLinearMatMul: [1, 2, 4, 5, 6, 7],
  QLinearConv: [1, 2, 4, 5, 6, 7, 8], MatMulInteger: [2, 3], ConvInteger: [2, 3],
};

/**
 * slimnet needs quantization parameters as constants (docs/FORMAT.md §4.1 ops 30/31), as the
 * QDQ models exporters write have them; the backend tests feed them as graph inputs. Such inputs
 * become initializers holding the test data (the same in every data set, else unsupported).
 */
function bindQuantParams(dir: string, sets: string[]): { bytes: Uint8Array; bound: Set<string> } {
  const bytes = readBytes(join(dir, "model.onnx")), m = onnx.onnx.ModelProto.decode(bytes), g = m.graph!;
  const inits = new Set((g.initializer ?? []).map((t) => t.name));
  const inputs = (g.input ?? []).map((v) => v.name!).filter((n) => !inits.has(n));
  const bound = new Set<string>();
  for (const n of g.node ?? []) for (const i of PARAM_INPUTS[n.opType ?? ""] ?? []) if (inputs.includes(n.input?.[i] ?? "")) bound.add(n.input![i]);
  if (bound.size === 0) return { bytes, bound };
  for (const name of bound) {
    const k = inputs.indexOf(name);
    const protos = sets.map((set) => onnx.onnx.TensorProto.decode(readBytes(pbFiles(join(dir, set), "input_")[k])));
    const enc = protos.map((p) => Buffer.from(onnx.onnx.TensorProto.encode(p).finish()).toString("hex"));
    if (enc.some((e) => e !== enc[0])) throw new UnsupportedError(`input "${name}" is a quantization parameter that varies between data sets; slimnet needs it constant`);
    g.initializer = [...(g.initializer ?? []), { ...protos[0], name }];
  }
  return { bytes: onnx.onnx.ModelProto.encode(m).finish(), bound };
}

export async function runCase(dir: string): Promise<CaseResult> {
  const name = dir.split(/[\\/]/).pop()!;
  try {
    const sets = readdirSync(dir).filter((d) => d.startsWith("test_data_set_")).sort();
    const { bytes, bound } = bindQuantParams(dir, sets);
    const model = await Model.load(convertOnnx(bytes));
    let worst = 0;
    for (const set of sets) {
      const inputs = pbFiles(join(dir, set), "input_").map(readTensor).filter((t) => !bound.has(t.name));
      const outputs = pbFiles(join(dir, set), "output_").map(readTensor);
      const feeds: Record<string, Feed> = {};
      inputs.forEach((t, i) => {
        const info = model.inputs.find((m) => m.name === t.name) ?? model.inputs[i];
        if (!info) throw new SlimnetError(`${set}: input_${i}.pb "${t.name}" matches no model input`);
        feeds[info.name] = { data: t.data, shape: t.shape };
      });
      const got = model.run(feeds);
      for (const [i, want] of outputs.entries()) {
        const info = model.outputs.find((m) => m.name === want.name) ?? model.outputs[i];
        if (!info) throw new SlimnetError(`${set}: output_${i}.pb "${want.name}" matches no model output`);
        const { maxErr, bad } = compare(info.name, got[info.name], want);
        if (bad) return { name, status: "fail", detail: `${set}: ${bad}` };
        worst = Math.max(worst, maxErr);
      }
    }
    return { name, status: "pass", detail: `max |err| ${worst.toPrecision(3)}` };
  } catch (e) {
    if (e instanceof UnsupportedError) return { name, status: "unsupported", detail: e.message };
    const what = e instanceof SlimnetError ? `${e.name}: ${e.message}` : `crash: ${e instanceof Error ? e.stack?.split("\n").slice(0, 3).join(" ") : String(e)}`;
    return { name, status: "fail", detail: what };
  }
}

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    options: { json: { type: "boolean" }, filter: { type: "string" } },
    allowPositionals: true,
  });
  if (positionals.length !== 1) throw new InputError("usage: npm run conformance -- FOLDER [--json] [--filter TEXT]");
  const tests = findTests(positionals[0]).filter((d) => !values.filter || d.includes(values.filter));
  if (tests.length === 0) throw new InputError(`${positionals[0]}: no test folders with model.onnx`);
  const results: CaseResult[] = [];
  const bar = progress("conformance", tests.length);
  for (const dir of tests) {
    results.push(await runCase(dir));
    bar.update(results.length, `${results.filter((r) => r.status === "fail").length} fail`);
  }
  bar.stop();
  const count = (s: CaseResult["status"]): number => results.filter((r) => r.status === s).length;
  const totals = { tests: results.length, pass: count("pass"), fail: count("fail"), unsupported: count("unsupported") };
  if (values.json) {
    printJson({ ...totals, results });
  } else {
    const clip = (s: string): string => (s.length > 140 ? s.slice(0, 137) + "..." : s);
    console.log(table(["test", "status", "detail"], results.map((r) => [r.name, r.status, clip(r.detail)])));
    console.log(`\n${totals.tests} tests: ${totals.pass} pass, ${totals.fail} fail, ${totals.unsupported} unsupported`);
  }
  if (totals.fail > 0) process.exitCode = 1;
}

main().catch((e: unknown) => {
  process.stderr.write(`slimnet: ${e instanceof SlimnetError ? e.message : e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});

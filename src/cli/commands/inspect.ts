// slimnet inspect FILE [--json]: header, sections, inputs/outputs and the per-layer table.
import { inspect as inspectSlim, type Inspection } from "../../format/inspect.js";
import { onePositional, printJson, type Command } from "../command.js";
import { readModelFile } from "../models.js";
import { bytes, int, shape, table } from "../table.js";

/** The per-layer table with totals (also printed by `demo`). */
export function layerTable(ins: Inspection): string {
  return table(
    ["layer", "op", "output (N=1)", "params", "encoding", "bytes", "MACs"],
    ins.layers.map((l) => [l.name, l.op, shape(l.shape), l.params, l.encoding || "-", l.bytes, l.macs]),
    ["total", "", "", ins.params, "", ins.weightBytes, ins.macs],
  );
}

export function describe(ins: Inspection, label: string): string {
  const dims = (d: number[]) => (ins.batchDynamic ? `[N${d.slice(1).map((x) => `,${x}`).join("")}]` : shape(d));
  const io = (kind: string, list: Inspection["inputs"]) => list.map((t) => `${kind} ${t.name} ${dims(t.shape)}`).join("\n");
  return [
    `${label}: "${ins.name}", .slim v${ins.version}, ${bytes(ins.bytes)} (${int(ins.bytes)} bytes)` +
      `, arena ${bytes(ins.arenaBytes)} per sample, ${ins.batchDynamic ? "batch-dynamic (dim 0 = N)" : "fixed batch"}`,
    io("input ", ins.inputs),
    io("output", ins.outputs),
    "",
    table(["section", "offset", "length", "crc32"],
      ins.sections.map((s) => [s.kind, s.offset, s.length, s.crc.toString(16).padStart(8, "0")])),
    "",
    layerTable(ins),
  ].join("\n");
}

export const inspect: Command = {
  name: "inspect",
  summary: "header, sections and per-layer table (op, shape, params, encoding, bytes, MACs)",
  usage: "FILE [--json]",
  options: { json: { type: "boolean" } },
  async run(values, positionals) {
    const path = onePositional(this, positionals);
    const file = readModelFile(path);
    const ins = inspectSlim(file.slim);
    if (values.json) printJson({ file: path, converted: file.kind === "onnx", ...ins });
    else console.log(describe(ins, file.kind === "onnx" ? `${path} (converted from ONNX, ${bytes(file.fileBytes)})` : path));
  },
};

// slimnet convert IN.onnx -o OUT.slim
import { InputError } from "../../runtime/errors.js";
import { onePositional, printJson, type Command } from "../command.js";
import { readModelFile, writeBytes } from "../models.js";
import { bytes } from "../table.js";

export const convert: Command = {
  name: "convert",
  summary: "convert an ONNX model to a .slim file",
  usage: "IN.onnx -o OUT.slim [--json]",
  options: {
    out: { type: "string", short: "o" },
    json: { type: "boolean" },
  },
  async run(values, positionals) {
    const input = onePositional(this, positionals);
    const out = typeof values.out === "string" ? values.out : input.replace(/\.onnx$/i, "") + ".slim";
    if (out === input) throw new InputError(`convert would overwrite ${input}; give -o OUT.slim`);
    const file = readModelFile(input);
    writeBytes(out, file.slim);
    const summary = { input, output: out, inputBytes: file.fileBytes, outputBytes: file.slim.length };
    if (values.json) printJson(summary);
    else console.log(`${input} (${bytes(file.fileBytes)}) → ${out} (${bytes(file.slim.length)})`);
  },
};

// slimnet convert IN.onnx -o OUT.slim
import { writeFileSync } from "node:fs";
import { InputError } from "../../runtime/errors.js";
import { onePositional, printJson, type Command } from "../command.js";
import { readModelFile } from "../models.js";
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
    try {
      writeFileSync(out, file.slim);
    } catch (e) {
      throw new InputError(`cannot write ${out}: ${(e as NodeJS.ErrnoException).code ?? e}`);
    }
    const summary = { input, output: out, inputBytes: file.fileBytes, outputBytes: file.slim.length };
    if (values.json) printJson(summary);
    else console.log(`${input} (${bytes(file.fileBytes)}) → ${out} (${bytes(file.slim.length)})`);
  },
};

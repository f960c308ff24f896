// slimnet run FILE --input NAME=FILE.npy ... --out DIR: one inference, outputs as DIR/<name>.npy.
import { join } from "node:path";
import { encodeNpy, readNpy } from "../../data/npy.js";
import { InputError } from "../../runtime/errors.js";
import type { Feed } from "../../runtime/model.js";
import { onePositional, printJson, type Command } from "../command.js";
import { loadModel } from "../models.js";
import { shape, table } from "../table.js";
import { writeOutput } from "../write-output.js";

/** File name for a tensor name (ONNX names may hold "/" or ":"). */
export const npyName = (tensor: string): string => `${tensor.replace(/[^A-Za-z0-9._-]/g, "_")}.npy`;

export const run: Command = {
  name: "run",
  summary: "run a model on .npy inputs and write each output to DIR/<output>.npy",
  usage: "FILE --input NAME=FILE.npy ... --out DIR [--json]",
  options: {
    input: { type: "string", multiple: true },
    out: { type: "string", short: "o" },
    json: { type: "boolean" },
  },
  async run(values, positionals) {
    const file = onePositional(this, positionals);
    const out = values.out;
    if (typeof out !== "string") throw new InputError(`run needs --out DIR; usage: slimnet run ${this.usage}`);
    const model = await loadModel(file);
    const specs = (values.input ?? []) as string[];
    if (specs.length === 0) {
      throw new InputError(`run needs --input NAME=FILE.npy for ${model.inputs.map((t) => `"${t.name}" ${shape(t.shape)}`).join(", ")}`);
    }
    const feeds: Record<string, Feed> = {};
    for (const spec of specs) {
      const eq = spec.indexOf("=");
      // a bare FILE.npy feeds the only input of a one-input model
      const name = eq >= 0 ? spec.slice(0, eq) : model.inputs.length === 1 ? model.inputs[0].name : "";
      if (!name) throw new InputError(`--input ${spec}: write NAME=FILE.npy (inputs: ${model.inputs.map((t) => t.name).join(", ")})`);
      if (name in feeds) throw new InputError(`--input ${name} is given twice`);
      feeds[name] = readNpy(eq >= 0 ? spec.slice(eq + 1) : spec);
    }
    const results = model.run(feeds);
    const written = Object.entries(results).map(([name, value]) => {
      const path = join(out, npyName(name));
      writeOutput(path, encodeNpy(value));
      return { name, shape: value.shape, file: path };
    });
    if (values.json) printJson({ model: file, outputs: written });
    else console.log(table(["output", "shape", "file"], written.map((w) => [w.name, shape(w.shape), w.file])));
  },
};

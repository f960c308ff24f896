// slimnet CLI: one registry of subcommands, each in src/cli/commands/<name>.ts.
// Errors of ours print as "slimnet: <message>" (exit 1); anything else is a bug and keeps its stack.
import { parseArgs } from "node:util";
import { SlimnetError } from "../runtime/errors.js";
import type { Command } from "./command.js";
import { binarize } from "./commands/binarize.js";
import { distill } from "./commands/distill.js";
import { earlyExit } from "./commands/early-exit.js";
import { cluster } from "./commands/cluster.js";
import { compress } from "./commands/compress.js";
import { convert } from "./commands/convert.js";
import { demo } from "./commands/demo.js";
import { evaluate } from "./commands/eval.js";
import { inspect } from "./commands/inspect.js";
import { lowrank } from "./commands/lowrank.js";
import { prune } from "./commands/prune.js";
import { pruneNeurons } from "./commands/prune-neurons.js";
import { quantize } from "./commands/quantize.js";
import { report } from "./commands/report.js";
import { run } from "./commands/run.js";
import { separable } from "./commands/separable.js";
import { train } from "./commands/train.js";

const COMMANDS: readonly Command[] = [convert, inspect, run, evaluate, report, train, prune, pruneNeurons, cluster, quantize, binarize, lowrank, separable, distill, earlyExit, compress, demo];

function help(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "usage: slimnet <command> [options]",
    "",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}\n  ${" ".repeat(width)}  slimnet ${c.name} ${c.usage}`),
    "",
    "Every command takes .onnx or .slim models; --json prints one JSON object on stdout.",
  ].join("\n");
}

async function main(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    console.log(help());
    return;
  }
  const cmd = COMMANDS.find((c) => c.name === name);
  if (!cmd) throw new SlimnetError(`unknown command "${name}"; commands: ${COMMANDS.map((c) => c.name).join(", ")}`);
  if (rest.includes("--help") || rest.includes("-h")) {
    console.log(`usage: slimnet ${cmd.name} ${cmd.usage}\n${cmd.summary}`);
    return;
  }
  let parsed;
  try {
    parsed = parseArgs({ args: rest, options: cmd.options, allowPositionals: true, strict: true });
  } catch (e) {
    throw new SlimnetError(`${cmd.name}: ${(e as Error).message}; usage: slimnet ${cmd.name} ${cmd.usage}`);
  }
  await cmd.run(parsed.values, parsed.positionals);
}

main(process.argv.slice(2)).catch((e: unknown) => {
  if (e instanceof SlimnetError) process.stderr.write(`slimnet: ${e.message}\n`);
  else process.stderr.write(`slimnet: internal error: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exitCode = 1;
});

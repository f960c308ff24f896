// slimnet CLI: one registry of subcommands, each in src/cli/commands/<name>.ts.
// Errors print as one line, "slimnet: <what>; <how to fix>" (exit 1), see src/cli/fail.ts;
// --verbose (anywhere on the line) adds the stack.
import { parseArgs } from "node:util";
import { SlimnetError } from "../runtime/errors.js";
import type { Command } from "./command.js";
import { report as reportError, withFix } from "./fail.js";
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
    throw new SlimnetError(`${cmd.name}: ${(e as Error).message.replace(/\.?\s*To specify a positional argument.*$/s, "").replace(/\s*\n\s*/g, " ").replace(/\.$/, "")}; usage: slimnet ${cmd.name} ${cmd.usage}`);
  }
  try {
    await cmd.run(parsed.values, parsed.positionals);
  } catch (e) {
    throw withFix(e, cmd.name);
  }
}

const argv = process.argv.slice(2), verbose = argv.includes("--verbose");
// `slimnet inspect x | head -1`: a closed pipe ends the run quietly; anything thrown outside main's promise is reported like the rest.
process.stdout.on("error", (e: NodeJS.ErrnoException) => { if (e.code === "EPIPE") process.exit(0); throw e; });
process.on("uncaughtException", (e) => { process.stderr.write(reportError(e, verbose)); process.exit(1); });
main(argv.filter((a) => a !== "--verbose")).catch((e: unknown) => {
  process.stderr.write(reportError(e, verbose));
  process.exitCode = 1;
});

// What a subcommand is: its options for util.parseArgs, a usage line and its action.
import type { ParseArgsConfig } from "node:util";
import { InputError } from "../runtime/errors.js";

export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  name: string;
  summary: string;
  /** Arguments after the command name, e.g. "FILE [--json]". */
  usage: string;
  options: NonNullable<ParseArgsConfig["options"]>;
  run(values: Values, positionals: string[]): Promise<void>;
}

/** The one positional argument a command requires. */
export function onePositional(cmd: Command, positionals: string[]): string {
  if (positionals.length !== 1) {
    throw new InputError(`${cmd.name} takes one file, got ${positionals.length === 0 ? "none" : positionals.join(" ")}; usage: slimnet ${cmd.name} ${cmd.usage}`);
  }
  return positionals[0];
}

/** A positive integer option, or `fallback` when absent. */
export function intOption(values: Values, name: string, fallback: number): number {
  const raw = values[name];
  if (raw === undefined) return fallback;
  const n = String(raw).trim() === "" ? NaN : Number(raw);
  if (!Number.isInteger(n) || n < 1) throw new InputError(`--${name} takes a positive integer, got "${raw}"`);
  return n;
}

export const printJson = (value: unknown): void => {
  process.stdout.write(JSON.stringify(value, null, 2) + "\n");
};

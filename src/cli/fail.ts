// How the CLI reports a failure: one line on stderr, "slimnet: <what>; <how to fix>", exit 1.
// Errors of ours (SlimnetError) carry the what; when their message gives no fix, one is added
// from the error class. Anything else is a bug of ours: one line naming it and "run with
// --verbose for the stack". --verbose prints the stack after the line, for both.
import { FormatError, InputError, ShapeError, SlimnetError } from "../runtime/errors.js";
import { fsReason } from "./write-output.js";

const oneLine = (s: string): string => s.replace(/\s*\n\s*/g, " ").trim();

/** `e` with a how-to-fix clause when its message has none (same class); non-Slimnet errors pass through. */
export function withFix(e: unknown, command: string): unknown {
  if (!(e instanceof SlimnetError) || e.message.includes("; ")) return e;
  const code = /: (E[A-Z]+)$/.exec(e.message)?.[1]; // "cannot read FILE: EISDIR" from the data readers
  const fix = code ? undefined : e instanceof InputError ? `see slimnet ${command} --help`
    : e instanceof FormatError ? "the file is damaged or not in the expected format; re-export or re-download it"
      : e instanceof ShapeError ? "check that the data fits the model's input"
        : undefined;
  if (!fix && !code) return e;
  const Class = e.constructor as new (message: string) => SlimnetError;
  const out = new Class(code ? `${e.message.slice(0, -code.length)}${fsReason({ code })}` : `${e.message}; ${fix}`);
  out.stack = e.stack;
  return out;
}

/** The text written to stderr for a failed run. */
export function report(e: unknown, verbose: boolean): string {
  const stack = verbose && e instanceof Error && e.stack ? `${e.stack}\n` : "";
  if (e instanceof SlimnetError) return `slimnet: ${oneLine(e.message)}\n${stack}`;
  const what = e instanceof Error ? `${e.name}: ${oneLine(e.message)}` : oneLine(String(e));
  return `slimnet: internal error: ${what}${verbose ? "" : "; run with --verbose for the stack"}\n${stack}`;
}

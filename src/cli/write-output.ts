// Every output file of the CLI is written here, atomically: the bytes go to a temp file in the
// same folder (".<name>.<pid>.<random>.tmp"), are flushed to disk, and the temp file is renamed
// over OUT. A run that fails or is interrupted before the rename leaves OUT untouched (absent,
// or the previous version) and removes its temp file; nobody ever sees a half-written OUT.
// The write is synchronous, so a signal can only kill it mid-way under its default action. From
// the first write on, SIGINT/SIGTERM/SIGHUP are therefore caught: node runs the handler once the
// write (rename or cleanup included) is over, and the handler delivers the signal again with the
// default action, so Ctrl-C still stops the run. (Listeners are never removed again: libuv drops a
// signal that is pending when its last listener goes away, which loses a Ctrl-C.) Before the
// first write nothing is caught, so Ctrl-C stops long synchronous training at once.
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { InputError } from "../runtime/errors.js";

const SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;
let holding = false;

/** Catches SIGINT/SIGTERM/SIGHUP from now on; each is delivered again once the current write is over. */
function holdSignals(): void {
  if (holding) return;
  holding = true;
  const redeliver = (s: NodeJS.Signals): void => {
    for (const t of SIGNALS) process.off(t, redeliver);
    process.kill(process.pid, s);
  };
  for (const s of SIGNALS) process.on(s, redeliver);
}

/** What an fs error code means, and what to do about it. */
export function fsReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException)?.code;
  const why: Record<string, string> = {
    ENOENT: "no such file or folder; check the path",
    EACCES: "permission denied; check the permissions",
    EPERM: "operation not permitted; check the permissions",
    EISDIR: "it is a folder; give a file name",
    ENOTDIR: "a part of the path is not a folder; check the path",
    ENOSPC: "no space left on the device; free some space",
    EROFS: "read-only file system; write somewhere else",
    EEXIST: "a file is in the way of a folder; check the path",
  };
  return code ? `${code} (${why[code] ?? "see the system error"})` : String((e as Error)?.message ?? e);
}

/**
 * Writes `data` to `path` atomically (temp file in the same folder, fsync, rename), creating
 * the folder first as `-o build/x.slim` users expect. Errors are InputErrors naming the path.
 */
export function writeOutput(path: string, data: Uint8Array | string): void {
  const bytes = typeof data === "string" ? new TextEncoder().encode(data) : data;
  const dir = dirname(path), temp = join(dir, `.${basename(path)}.${process.pid}.${Math.random().toString(36).slice(2, 8)}.tmp`);
  holdSignals();
  let fd: number | undefined, renamed = false;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(temp, "wx", 0o666);
    for (let off = 0; off < bytes.length;) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(temp, path);
    renamed = true;
  } catch (e) {
    throw new InputError(`cannot write ${path}: ${fsReason(e)}`);
  } finally {
    if (fd !== undefined) try { closeSync(fd); } catch { /* already failing */ }
    if (!renamed) try { rmSync(temp, { force: true }); } catch { /* the folder itself is unusable */ }
  }
}

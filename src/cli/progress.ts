// Progress on stderr: a live bar (cli-progress) on a terminal; elsewhere (pipes, CI logs,
// background runs) one plain line every 10 s, so long work still shows where it is.
// @ts-expect-error cli-progress ships no type declarations
import cliProgress from "cli-progress";

export interface Progress {
  /** `status` (e.g. "loss 0.31 acc 91.2%") shows before the ETA when given. */
  update(done: number, status?: string): void;
  stop(): void;
}

const LINE_EVERY_MS = 10_000;

const clock = (s: number): string => (s >= 3600 ? `${Math.floor(s / 3600)}h${String(Math.floor(s / 60) % 60).padStart(2, "0")}m` :
  s >= 60 ? `${Math.floor(s / 60)}m${String(Math.floor(s) % 60).padStart(2, "0")}s` : `${Math.round(s)}s`);

function lines(label: string, total: number): Progress {
  const start = performance.now();
  let last = start;
  return {
    update(done, status) {
      const now = performance.now();
      if (now - last < LINE_EVERY_MS || done <= 0) return;
      last = now;
      const eta = ((now - start) / 1000) * (total - done) / done;
      process.stderr.write(`${label} ${Math.floor((100 * done) / total)}% ${done}/${total}${status ? ` | ${status}` : ""} | ETA ${clock(eta)}\n`);
    },
    stop() {},
  };
}

export function progress(label: string, total: number): Progress {
  if (!process.stderr.isTTY) return lines(label, total);
  const bar = new cliProgress.SingleBar({
    format: `${label} {bar} {percentage}% | {value}/{total} | {status}ETA {eta_formatted}`,
    stream: process.stderr,
    clearOnComplete: true,
    hideCursor: true,
    etaBuffer: 50,
    fps: 10,
  }, cliProgress.Presets.shades_classic);
  bar.start(total, 0, { status: "" });
  return { update: (done, status) => bar.update(done, { status: status ? `${status} | ` : "" }), stop: () => bar.stop() };
}

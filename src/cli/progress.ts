// Progress on stderr (cli-progress; silent when stderr is not a terminal, so pipes and tests
// see clean output).
// @ts-expect-error cli-progress ships no type declarations
import cliProgress from "cli-progress";

export interface Progress {
  /** `status` (e.g. "loss 0.31 acc 91.2%") shows before the ETA when given. */
  update(done: number, status?: string): void;
  stop(): void;
}

export function progress(label: string, total: number): Progress {
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

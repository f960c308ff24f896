// The built-in models, by name (CLI `--model`, benchmarks, tests).
import type { Graph } from "../ir/graph.js";
import { lenet300 } from "./lenet300.js";
import { lenet5 } from "./lenet5.js";
import { mobilenet } from "./mobilenet.js";

export const ZOO: Record<string, (seed?: number) => Graph> = { lenet300, lenet5, mobilenet };
export { lenet300, lenet5, mobilenet };

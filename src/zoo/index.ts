// The built-in models, by name (CLI `--model` / `--arch`, benchmarks, tests).
import type { Graph } from "../ir/graph.js";
import { binaryconnect } from "./binaryconnect.js";
import { hintonStudent, hintonTeacher } from "./hinton.js";
import { lenet300 } from "./lenet300.js";
import { lenet5 } from "./lenet5.js";
import { mobilenet } from "./mobilenet.js";
import { mobilenetTiny } from "./mobilenet-tiny.js";
import { shufflenet } from "./shufflenet.js";
import { squeezenet } from "./squeezenet.js";

export const ZOO: Record<string, (seed?: number) => Graph> = {
  lenet300, lenet5, "hinton-teacher": hintonTeacher, "hinton-student": hintonStudent,
  "mobilenet-tiny": mobilenetTiny, mobilenet, binaryconnect,
  shufflenet, squeezenet,
};
export { binaryconnect, hintonStudent, hintonTeacher, lenet300, lenet5, mobilenet, mobilenetTiny, shufflenet, squeezenet };

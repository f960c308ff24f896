// trainer.wasm: its ABI (docs/TRAINER.md; the runtime ABI of docs/RUNTIME.md plus training
// exports) and loading it in Node from dist/ (next to the bundled CLI, or ../../dist from src/).
import { existsSync } from "node:fs";
import { SlimnetError } from "../runtime/errors.js";
import { instantiateRuntime, readLocalFile, type RuntimeExports, type WasmSource } from "../runtime/wasm.js";

export interface TrainerExports extends RuntimeExports {
  trainPlan(): number;
  setTraining(on: number): void;
  gradData(id: number): number;
  backward(): number;
  alloc(bytes: number): number;
  lossSoftmaxCE(logits: number, labels: number, n: number, classes: number, dLogits: number, weight: number): number;
  lossDistill(logits: number, teacherProbs: number, labels: number, n: number, classes: number, T: number, alpha: number, dLogits: number, weight: number): number;
  lossMimic(logits: number, teacherLogits: number, n: number, classes: number, dLogits: number, weight: number): number;
  countCorrect(logits: number, labels: number, n: number, classes: number): number;
  sgdStep(w: number, g: number, v: number, n: number, lr: number, momentum: number, weightDecay: number, nesterov: number): void;
  adamStep(w: number, g: number, m: number, v: number, n: number, lr: number, beta1: number, beta2: number, eps: number, weightDecay: number, step: number): void;
  maskApply(x: number, mask: number, n: number): void;
  steSign(shadow: number, w: number, n: number, scalePerRow: number, rows: number): void;
  steSignGrad(shadow: number, g: number, n: number): void;
  fakeQuant(shadow: number, w: number, n: number, rows: number, bits: number): void;
  groupGrad(g: number, index: number, n: number, centroidGrad: number, k: number): void;
}

const FILE = "trainer.wasm";

/** A fresh trainer instance; `wasm` overrides where the module comes from. */
export async function instantiateTrainer(wasm?: WasmSource): Promise<TrainerExports> {
  let source = wasm;
  if (source === undefined) {
    const candidates = [new URL(`./${FILE}`, import.meta.url), new URL(`../../dist/${FILE}`, import.meta.url)];
    const found = candidates.find((u) => existsSync(u));
    if (!found) throw new SlimnetError(`${FILE} not found at ${candidates.map((u) => decodeURIComponent(u.pathname)).join(" or ")}: run \`npm run build\``);
    source = await readLocalFile(found);
  }
  return (await instantiateRuntime({ wasm: source })) as TrainerExports;
}

// Optimizer configurations (validated with messages naming the field) and the driver that runs
// trainer.wasm's sgdStep / adamStep over each trainable buffer with its state buffers.
import { InputError } from "../runtime/errors.js";
import type { TrainerExports } from "./wasm.js";

export interface SgdConfig {
  kind: "sgd";
  lr: number;
  /** Heavy-ball momentum in [0, 1); default 0.9. */
  momentum?: number;
  /** L2 penalty added to the gradient (coupled); default 0. */
  weightDecay?: number;
  /** Nesterov momentum (needs momentum > 0); default false. */
  nesterov?: boolean;
}

export interface AdamConfig {
  kind: "adam";
  lr: number;
  beta1?: number;
  beta2?: number;
  eps?: number;
  /** Decoupled weight decay (AdamW) when > 0; default 0. */
  weightDecay?: number;
}

export type OptimizerConfig = SgdConfig | AdamConfig;

const check = (ok: boolean, what: string, v: unknown): void => {
  if (!ok) throw new InputError(`optimizer: ${what}, got ${JSON.stringify(v)}`);
};
const isNum = (v: unknown): v is number => typeof v === "number" && Number.isFinite(v);

/** Fills defaults and checks every field; throws an InputError naming the bad one. */
export function optimizerConfig(c: OptimizerConfig): Required<SgdConfig> | Required<AdamConfig> {
  check(c !== null && typeof c === "object" && (c.kind === "sgd" || c.kind === "adam"), `kind must be "sgd" or "adam"`, (c as { kind?: unknown })?.kind);
  check(isNum(c.lr) && c.lr > 0, "lr must be a finite number > 0", c.lr);
  const wd = c.weightDecay ?? 0;
  check(isNum(wd) && wd >= 0, "weightDecay must be a finite number ≥ 0", wd);
  if (c.kind === "sgd") {
    const momentum = c.momentum ?? 0.9, nesterov = c.nesterov ?? false;
    check(isNum(momentum) && momentum >= 0 && momentum < 1, "sgd momentum must be in [0, 1)", momentum);
    check(typeof nesterov === "boolean", "sgd nesterov must be true or false", nesterov);
    check(!nesterov || momentum > 0, "sgd nesterov needs momentum > 0", momentum);
    return { kind: "sgd", lr: c.lr, momentum, weightDecay: wd, nesterov };
  }
  const beta1 = c.beta1 ?? 0.9, beta2 = c.beta2 ?? 0.999, eps = c.eps ?? 1e-8;
  check(isNum(beta1) && beta1 >= 0 && beta1 < 1, "adam beta1 must be in [0, 1)", beta1);
  check(isNum(beta2) && beta2 >= 0 && beta2 < 1, "adam beta2 must be in [0, 1)", beta2);
  check(isNum(eps) && eps > 0, "adam eps must be a finite number > 0", eps);
  return { kind: "adam", lr: c.lr, beta1, beta2, eps, weightDecay: wd };
}

/** One trainable buffer in wasm memory: parameters and their gradient, n floats each. */
export interface OptimParam {
  param: number;
  grad: number;
  n: number;
  /** Multiplies the learning rate for this buffer (e.g. BinaryConnect's per-layer Glorot scale); default 1. */
  lrScale?: number;
}

export class Optimizer {
  readonly config: Required<SgdConfig> | Required<AdamConfig>;
  #wasm: TrainerExports;
  #slots: { p: OptimParam; m: number; v: number }[] = [];
  #steps = 0;

  constructor(wasm: TrainerExports, config: OptimizerConfig) {
    this.config = optimizerConfig(config);
    this.#wasm = wasm;
  }

  /** Registers a buffer; allocates its zeroed state (velocity, or Adam's m and v). */
  add(p: OptimParam): void {
    const w = this.#wasm, bytes = 4 * p.n;
    const m = w.alloc(bytes), v = this.config.kind === "adam" ? w.alloc(bytes) : 0;
    new Float32Array(w.memory.buffer, m, p.n).fill(0);
    if (v) new Float32Array(w.memory.buffer, v, p.n).fill(0);
    this.#slots.push({ p, m, v });
  }

  /** One update of every registered buffer at learning rate `lr`. */
  step(lr: number): void {
    const w = this.#wasm, c = this.config;
    this.#steps++;
    for (const { p, m, v } of this.#slots) {
      const r = lr * (p.lrScale ?? 1);
      if (c.kind === "sgd") w.sgdStep(p.param, p.grad, m, p.n, r, c.momentum, c.weightDecay, c.nesterov ? 1 : 0);
      else w.adamStep(p.param, p.grad, m, v, p.n, r, c.beta1, c.beta2, c.eps, c.weightDecay, this.#steps);
    }
  }
}

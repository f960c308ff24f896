// Hooks reshape what the optimizer sees for one weight tensor; later passes install them:
//   mask      pruning (Han et al. 2015): gradients masked before the step, weights after it,
//             so pruned weights stay exactly zero
//   sign      BinaryConnect / XNOR-Net: the optimizer updates a float shadow; the deployed
//             weights are sign(shadow) (× per-row mean|shadow|); straight-through gradient
//             cancelled where |shadow| > 1
//   quant     fake quantization: deployed = per-row symmetric b-bit quantize(shadow);
//             straight-through gradient
//   cluster   Deep Compression weight sharing: gradients summed per cluster into the centroids,
//             the optimizer updates the k centroids, weights are re-gathered from them
// A tensor has at most one of sign/quant/cluster, optionally with a mask. Frozen tensors get no
// optimizer at all (the Trainer's `frozen` option).
import { InputError } from "../runtime/errors.js";
import type { OptimParam } from "./optim.js";
import type { TrainerExports } from "./wasm.js";

export type Hook =
  | { kind: "mask"; mask: ArrayLike<number> }
  | { kind: "sign"; scalePerRow?: boolean; mask?: ArrayLike<number> }
  | { kind: "quant"; bits: number; mask?: ArrayLike<number> }
  | { kind: "cluster"; index: Uint8Array; centroids: Float32Array };

/** A weight tensor of the loaded file: its data and gradient in wasm memory. */
export interface WeightSlot {
  name: string;
  shape: number[];
  n: number;
  w: number;
  g: number;
}

/** What the trainer runs around the optimizer step of one tensor. */
export interface Installed {
  /** What the optimizer updates. */
  target: OptimParam;
  before(): void;
  after(): void;
  /** Float values the optimizer holds (shadow weights or centroids), for reading back. */
  state(): Float32Array;
}

const f32 = (w: TrainerExports, ptr: number, n: number): Float32Array => new Float32Array(w.memory.buffer, ptr, n);

/** Copies `data` into a fresh 16-aligned wasm buffer; returns its pointer. */
function put(w: TrainerExports, data: Float32Array | Uint8Array): number {
  const p = w.alloc(Math.max(16, data.byteLength));
  new Uint8Array(w.memory.buffer, p, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return p;
}

function maskBuffer(w: TrainerExports, slot: WeightSlot, mask: ArrayLike<number>): number {
  if (mask.length !== slot.n) throw new InputError(`mask of "${slot.name}": ${mask.length} values for ${slot.n} weights [${slot.shape}]`);
  return put(w, Float32Array.from(mask, (v) => (v ? 1 : 0)));
}

/** Wires `hook` around `slot`; the weights in wasm memory are brought in line at once. */
export function install(w: TrainerExports, slot: WeightSlot, hook: Hook): Installed {
  const rows = slot.shape[0] ?? 1, plain: OptimParam = { param: slot.w, grad: slot.g, n: slot.n };
  const mask = "mask" in hook && hook.mask ? maskBuffer(w, slot, hook.mask) : 0;
  const masked = (p: OptimParam) => (mask ? () => w.maskApply(p.grad, mask, p.n) : () => {});
  switch (hook.kind) {
    case "mask": {
      w.maskApply(slot.w, mask, slot.n);
      return { target: plain, before: masked(plain), after: () => w.maskApply(slot.w, mask, slot.n), state: () => f32(w, slot.w, slot.n) };
    }
    case "sign":
    case "quant": {
      if (hook.kind === "quant" && !(Number.isInteger(hook.bits) && hook.bits >= 2 && hook.bits <= 16))
        throw new InputError(`fake quantization of "${slot.name}": bits must be an integer in 2..16, got ${hook.bits}`);
      const shadow = put(w, f32(w, slot.w, slot.n).slice());
      const scale = hook.kind === "sign" && hook.scalePerRow ? w.alloc(4 * rows) : 0;
      const target = { param: shadow, grad: slot.g, n: slot.n };
      const deploy = hook.kind === "sign"
        ? () => w.steSign(shadow, slot.w, slot.n, scale, rows)
        : () => w.fakeQuant(shadow, slot.w, slot.n, rows, hook.bits);
      if (mask) w.maskApply(shadow, mask, slot.n);
      deploy();
      const before = hook.kind === "sign"
        ? () => { masked(target)(); w.steSignGrad(shadow, slot.g, slot.n); }
        : masked(target);
      const after = () => { if (mask) w.maskApply(shadow, mask, slot.n); deploy(); };
      return { target, before, after, state: () => f32(w, shadow, slot.n) };
    }
    case "cluster": {
      const k = hook.centroids.length;
      if (hook.index.length !== slot.n) throw new InputError(`clusters of "${slot.name}": ${hook.index.length} indices for ${slot.n} weights`);
      if (k < 1 || k > 256) throw new InputError(`clusters of "${slot.name}": ${k} centroids (1..256)`);
      const bad = hook.index.findIndex((i) => i >= k);
      if (bad >= 0) throw new InputError(`clusters of "${slot.name}": index ${hook.index[bad]} of weight ${bad} ≥ ${k} centroids`);
      const centroids = put(w, Float32Array.from(hook.centroids)), cgrad = w.alloc(Math.max(16, 4 * k)), index = put(w, hook.index);
      const gather = () => {
        const c = f32(w, centroids, k), out = f32(w, slot.w, slot.n), idx = new Uint8Array(w.memory.buffer, index, slot.n);
        for (let i = 0; i < slot.n; i++) out[i] = c[idx[i]];
      };
      gather();
      return {
        target: { param: centroids, grad: cgrad, n: k },
        before: () => { f32(w, cgrad, k).fill(0); w.groupGrad(slot.g, index, slot.n, cgrad, k); },
        after: gather,
        state: () => f32(w, centroids, k),
      };
    }
    default:
      throw new InputError(`unknown hook kind ${JSON.stringify((hook as { kind: unknown }).kind)}`);
  }
}

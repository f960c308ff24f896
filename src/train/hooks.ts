// Hooks reshape what the optimizer sees for one weight tensor; later passes install them:
//   mask      pruning (Han et al. 2015): gradients masked before the step, weights after it,
//             so pruned weights stay exactly zero
//   sign      BinaryConnect / XNOR-Net: the optimizer updates a float shadow; the deployed
//             weights are sign(shadow) (× per-row mean|shadow|); straight-through gradient
//             cancelled where |shadow| > 1
//   quant     fake quantization: deployed = per-row symmetric b-bit quantize(shadow);
//             straight-through gradient
//   cluster   Deep Compression weight sharing (trained quantization): gradients summed per
//             cluster into the centroids (one codebook, or one per row), the optimizer updates the
//             centroids, weights are re-gathered from them; masked (pruned) weights take no part
//             and stay exactly zero
// A tensor has at most one of sign/quant/cluster, optionally with a mask. Frozen tensors get no
// optimizer at all (the Trainer's `frozen` option).
import type { Tensor } from "../ir/graph.js";
import { InputError } from "../runtime/errors.js";
import type { OptimParam } from "./optim.js";
import type { TrainerExports } from "./wasm.js";

export type Hook =
  | { kind: "mask"; mask: ArrayLike<number> }
  | { kind: "sign"; scalePerRow?: boolean; mask?: ArrayLike<number> }
  | { kind: "quant"; bits: number; mask?: ArrayLike<number> }
  /** `centroids` holds k per codebook: k for the tensor, or rows × k with `perRow` (index i of row r is centroid r·k + i). */
  | { kind: "cluster"; index: Uint8Array; centroids: Float32Array; perRow?: boolean; mask?: ArrayLike<number> };

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
function put(w: TrainerExports, data: Float32Array | Uint32Array | Uint8Array): number {
  const p = w.alloc(Math.max(16, data.byteLength));
  new Uint8Array(w.memory.buffer, p, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return p;
}

function maskBuffer(w: TrainerExports, slot: WeightSlot, mask: ArrayLike<number>): number {
  if (mask.length !== slot.n) throw new InputError(`mask of "${slot.name}": ${mask.length} values for ${slot.n} weights [${slot.shape}]`);
  return put(w, Uint32Array.from(mask, (v) => (v ? 0xffffffff : 0)));
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
      const books = hook.perRow ? rows : 1, k = hook.centroids.length / books, len = slot.n / books;
      if (hook.index.length !== slot.n) throw new InputError(`clusters of "${slot.name}": ${hook.index.length} indices for ${slot.n} weights`);
      if (!Number.isInteger(k) || k < 1 || k > 256) throw new InputError(`clusters of "${slot.name}": ${hook.centroids.length} centroids for ${books} codebook(s) (1..256 each)`);
      const bad = hook.index.findIndex((i) => i >= k);
      if (bad >= 0) throw new InputError(`clusters of "${slot.name}": index ${hook.index[bad]} of weight ${bad} ≥ ${k} centroids`);
      const all = books * k, centroids = put(w, Float32Array.from(hook.centroids)), cgrad = w.alloc(Math.max(16, 4 * all)), index = put(w, hook.index);
      const gather = () => {
        const c = f32(w, centroids, all), out = f32(w, slot.w, slot.n), idx = new Uint8Array(w.memory.buffer, index, slot.n);
        for (let i = 0; i < slot.n; i++) out[i] = c[Math.floor(i / len) * k + idx[i]];
        if (mask) w.maskApply(slot.w, mask, slot.n);
      };
      gather();
      return {
        target: { param: centroids, grad: cgrad, n: all },
        before: () => {
          if (mask) w.maskApply(slot.g, mask, slot.n);
          for (let r = 0; r < books; r++) w.groupGrad(slot.g + 4 * r * len, index + r * len, len, cgrad + 4 * r * k, k);
        },
        after: gather,
        state: () => f32(w, centroids, all),
      };
    }
    default:
      throw new InputError(`unknown hook kind ${JSON.stringify((hook as { kind: unknown }).kind)}`);
  }
}

/**
 * The cluster hook a clustered tensor's data implies (Tensor.indexBits set): each distinct
 * non-zero value of the tensor (of each row with `codebookPerRow`) is a centroid; zeros are
 * pruned weights, masked so they stay zero.
 */
export function codebookHook(t: Tensor): Hook {
  const d = t.data!, bits = t.indexBits!, books = t.codebookPerRow ? t.shape[0] : 1, len = d.length / books;
  const values = Array.from({ length: books }, (_, r) => [...new Set(d.subarray(r * len, (r + 1) * len))].filter((v) => v !== 0).sort((a, b) => a - b));
  const k = Math.max(1, ...values.map((v) => v.length));
  if (k > 2 ** bits) {
    const r = values.findIndex((v) => v.length === k);
    throw new InputError(`"${t.name}"${books > 1 ? ` row ${r}` : ""}: ${k} distinct non-zero values, more than 2^${bits} (indexBits); cluster it again`);
  }
  const centroids = new Float32Array(books * k), index = new Uint8Array(d.length);
  values.forEach((v, r) => {
    centroids.set(v, r * k);
    const at = new Map(v.map((c, i) => [c, i]));
    for (let i = r * len; i < (r + 1) * len; i++) index[i] = at.get(d[i]) ?? 0;
  });
  const mask = d.includes(0) ? Uint8Array.from(d, (v) => (v !== 0 ? 1 : 0)) : undefined;
  return { kind: "cluster", index, centroids, perRow: books > 1, mask };
}

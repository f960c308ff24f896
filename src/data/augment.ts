// Data augmentation for image batches, in place on a training batch (fit's copy, never the data
// set): random translations, the "±2 px jitter" of Hinton et al. 2015's MNIST teacher.
import type { Graph } from "../ir/graph.js";
import { InputError } from "../runtime/errors.js";
import { rng } from "../zoo/init.js";

/**
 * Shifts each of the `n` images (planes of h×w, `x.length / n` values per image, e.g. 784 or
 * 1×28×28) by dx, dy uniform in [−max, max], zero-filling what moves in; seeded.
 */
export function jitter(x: Float32Array, n: number, h: number, w: number, max: number, seed: number): void {
  const per = x.length / n, planes = per / (h * w);
  if (!Number.isInteger(planes)) throw new Error(`jitter: ${per} values per image are not planes of ${h}×${w}`);
  const r = rng(seed), shift = (): number => Math.floor(r(0, 2 * max + 1)) - max;
  const plane = new Float32Array(h * w);
  for (let i = 0; i < n; i++) {
    const dx = shift(), dy = shift();
    if (!dx && !dy) continue;
    for (let p = 0; p < planes; p++) {
      const at = i * per + p * h * w;
      plane.set(x.subarray(at, at + h * w));
      for (let y = 0; y < h; y++) {
        const sy = y - dy;
        for (let c = 0; c < w; c++) {
          const sx = c - dx;
          x[at + y * w + c] = sy >= 0 && sy < h && sx >= 0 && sx < w ? plane[sy * w + sx] : 0;
        }
      }
    }
  }
}

/** fit's `augment` shifting the images of `g`'s input by up to `max` px: planes from an NCHW input, or
 *  a square from a flat one (784 → 28×28). */
export function imageJitter(g: Graph, max: number): (x: Float32Array, n: number, seed: number) => void {
  if (!(Number.isInteger(max) && max >= 0)) throw new InputError(`jitter must be a whole number of pixels ≥ 0, got ${max}`);
  const shape = g.tensors.get(g.inputs[0])!.shape, side = Math.sqrt(shape[shape.length - 1]);
  const [h, w] = shape.length === 4 ? [shape[2], shape[3]] : shape.length === 2 && Number.isInteger(side) ? [side, side] : [0, 0];
  if (!h || max >= Math.min(h, w)) throw new InputError(`jitter ${max} px: input "${g.inputs[0]}" [${shape}] is not an image (NCHW, or a flat square) larger than the shift`);
  return (x, n, seed) => jitter(x, n, h, w, max, seed);
}

// Data augmentation for image batches, in place on a training batch (fit's copy, never the data
// set): random translations, the "±2 px jitter" of Hinton et al. 2015's MNIST teacher.
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

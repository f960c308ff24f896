// Pad: constant / reflect / edge / wrap, pads = begins then ends, every pad ≥ 0. Each output
// row maps its outer indices to an input row (or the constant); the row's middle is a copy.
import { nIn, nOut, nAttrI, nAttrF, tData, tRank, tDim, tSize, fail } from "../graph";

const MODE_CONSTANT = 0, MODE_REFLECT = 1, MODE_WRAP = 3;

/** Input index for output index o on an axis of size d padded by `before`; -1: constant
 * (also the backward's, assembly/grad/shape.ts). */
// @ts-ignore: decorator
@inline export function source(o: i32, before: i32, d: i32, mode: i32): i32 {
  let i = o - before;
  if (i >= 0 && i < d) return i;
  if (mode == MODE_CONSTANT) return -1;
  if (mode == MODE_WRAP) return ((i % d) + d) % d;
  if (mode == MODE_REFLECT) {
    const period = 2 * (d - 1);
    i = ((i % period) + period) % period;
    return i < d ? i : period - i;
  }
  return i < 0 ? 0 : d - 1;  // edge
}

export function preparePad(n: u32): bool {
  const x = nIn(n, 0), y = nOut(n, 0), r = tRank(x), mode = nAttrI(n, 0);
  if (mode < 0 || mode > 3) return fail("mode %d is not 0 constant, 1 reflect, 2 edge or 3 wrap", mode);
  if (tRank(y) != r) return fail("output %t rank differs from input %t", y, x);
  for (let i = 0; i < r; i++) {
    const b = nAttrI(n, 2 + i), e = nAttrI(n, 2 + r + i), d = tDim(x, i);
    if (b < 0 || e < 0) return fail("pad on axis %d is negative (%i, %i)", i, b, e);
    if (mode == MODE_REFLECT && (b > 0 || e > 0) && (b >= d || e >= d)) return fail("reflect pad on axis %d must be below the dim %d", i, d);
    if (tDim(y, i) != d + b + e) return fail("output %t is not input %t plus pads on axis %d", y, x, i);
  }
  return true;
}

/** Input element index feeding output index `index` of axes 0..last (whose trailing stride is
 *  `stride`), or -1 when it falls in constant padding. Shared by runPad (rows) and gradPad. */
export function sourceIndex(n: u32, x: u32, y: u32, index: i32, last: i32, stride: i32, mode: i32): i32 {
  let rest = index, src = 0;
  for (let j = last; j >= 0; j--) {
    const od = tDim(y, j), o = rest % od;
    rest /= od;
    const i = source(o, nAttrI(n, 2 + j), tDim(x, j), mode);
    if (i < 0) return -1;
    src += i * stride;
    stride *= tDim(x, j);
  }
  return src;
}

export function runPad(n: u32): void {
  const x = nIn(n, 0), y = nOut(n, 0), r = tRank(x), mode = nAttrI(n, 0);
  const value = nAttrF(n, 1), px = tData(x), py = tData(y);
  if (r == 0) { store<f32>(py, load<f32>(px)); return; }
  const len = tDim(y, r - 1), d = tDim(x, r - 1), before = nAttrI(n, 1 + r);
  const rows = tSize(y) / len;
  for (let row = 0; row < rows; row++) {
    const dst = py + (<usize>(row * len) << 2);
    const src = sourceIndex(n, x, y, row, r - 2, d, mode);
    if (src < 0) {
      for (let i = 0; i < len; i++) store<f32>(dst + (<usize>i << 2), value);
      continue;
    }
    const s = px + (<usize>src << 2);
    memory.copy(dst + (<usize>before << 2), s, <usize>d << 2);
    for (let i = 0; i < len; i++) {
      if (i == before) { i += d - 1; continue; }
      const k = source(i, before, d, mode);
      store<f32>(dst + (<usize>i << 2), k < 0 ? value : load<f32>(s + (<usize>k << 2)));
    }
  }
}

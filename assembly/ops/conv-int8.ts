// Conv with an int8 W (docs/FORMAT.md §3.7, docs/RUNTIME.md "int8 weights"): each image is
// quantized to u8 in scratch (static, or from the image's min/max), then per group and block of
// output rows x8-im2col (pads = xZero) and qs8-gemm with positions as rows and filters as
// columns, written straight into Y[F, P]. Blocks bound the column buffer to COL_BYTES.
import { nIn, nOut, nAttrI, nAttrF, tData, tDim, tSparse, needScratch, scratch } from "../graph";
import { x8Im2col } from "../kernels/x8-im2col";
import { qs8Gemm } from "../kernels/qs8-gemm";
import { checkInt8Cols, quantizeInput } from "./gemm-int8";

const COL_BYTES: i32 = 256 << 10;

// @ts-ignore: decorator
@inline function blockRows(kp: i32, oh: i32, ow: i32): i32 { return max(1, min(oh, COL_BYTES / (kp * ow))); }

export function prepareConvInt8(n: u32): bool {
  const x = nIn(n, 0), w = nIn(n, 1), y = nOut(n, 0);
  const kp = load<i32>(tSparse(w), 12), oh = tDim(y, 2), ow = tDim(y, 3);
  const image = (<usize>tDim(x, 1) * <usize>tDim(x, 2) * <usize>tDim(x, 3) + 23) & ~15;
  needScratch(16 + image + <usize>blockRows(kp, oh, ow) * <usize>ow * <usize>kp + 16);
  return checkInt8Cols(w, tDim(w, 1) * tDim(w, 2) * tDim(w, 3));
}

export function runConvInt8(n: u32): void {
  const x = nIn(n, 0), w = nIn(n, 1), y = nOut(n, 0);
  const batch = tDim(x, 0), c = tDim(x, 1), h = tDim(x, 2), wd = tDim(x, 3), f = tDim(w, 0), oh = tDim(y, 2), ow = tDim(y, 3);
  const g = nAttrI(n, 0), kh = nAttrI(n, 1), kw = nAttrI(n, 2), sh = nAttrI(n, 3), sw = nAttrI(n, 4);
  const dh = nAttrI(n, 5), dw = nAttrI(n, 6), pt = nAttrI(n, 7), pl = nAttrI(n, 8);
  const act = nAttrI(n, 11), actA = nAttrF(n, 12), actB = nAttrF(n, 13);
  const form = tSparse(w), kp = load<i32>(form, 12), qw = load<usize>(form), sums = load<usize>(form, 4), sc = load<usize>(form, 8);
  const px = tData(x), pb = tData(nIn(n, 2)), py = tData(y);
  const cg = c / g, fg = f / g, p = oh * ow, image = c * h * wd, rows = blockRows(kp, oh, ow);
  // [xScale, xZero] | u8 image (+ 8 bytes of im2col over-read) | columns (+ over-write slack)
  const xq = scratch(), qx = xq + 16, cols = qx + ((<usize>image + 23) & ~15);
  for (let i = 0; i < batch; i++) {
    quantizeInput(image, px + (<usize>(i * image) << 2), qx, form, xq);
    const z = load<i32>(xq, 4);
    for (let j = 0; j < g; j++) {
      const yg = py + (<usize>(i * f + j * fg) * <usize>p << 2);
      for (let oy = 0, r = 0; oy < oh; oy += r) {
        r = min(rows, oh - oy);
        x8Im2col(cg, h, wd, kh, kw, sh, sw, dh, dw, pt, pl, oy, r, ow, qx + <usize>(j * cg * h * wd), z, cols, kp);
        qs8Gemm(r * ow, fg, kp, cols, qw + <usize>(j * fg) * <usize>kp, sums + (<usize>(j * fg) << 2), sc + (<usize>(j * fg) << 2), xq, 0,
          pb + (<usize>(j * fg) << 2), yg + (<usize>(oy * ow) << 2), 1, p, act, actA, actB);
      }
    }
  }
}

// Conv (2-D, NCHW): Y = act(X ⋆ W + B) with group, strides, dilations, asymmetric pads.
// attrs: group, kh, kw, sh, sw, dh, dw, padTop, padLeft, padBottom, padRight, act, actA, actB.
// Kernel by shape (prepare and run use the same choice):
//   depthwise 3×3, stride 1 or 2, dilation 1   → f32-dwconv-3x3 (zero-bordered channel in scratch)
//   other depthwise (one filter per channel)    → f32-conv-dw
//   1×1, stride 1, no pad                       → f32-gemm-nn straight on the NCHW planes
//   everything else                             → f32-im2col into scratch, then f32-gemm-nn,
//                                                 in blocks of output rows whose columns fit
//                                                 COL_BYTES (bounded scratch, L2-resident)
// f32-gemm-nn gets a pack buffer (scratch after the im2col columns) for its B panels.
// A sparse W (csr kept sparse at load) takes the 1×1 or im2col path (depthwise too, as groups
// of one channel) with f32-spmm in place of f32-gemm-nn, group j's rows on group j's columns;
// x8-lut-spmm when its values are codebook indices (a dense codebook W is expanded at load).
import { nIn, nOut, nAttrI, nAttrF, tData, tRank, tDim, tSparse, tEncoding, needScratch, scratch, fail } from "../graph";
import { prepareConvInt8, runConvInt8 } from "./conv-int8";
import { prepareConvBinary, runConvBinary } from "./gemm-binary";
import { checkAct } from "./gemm";
import { f32GemmNN } from "../kernels/f32-gemm-nn";
import { f32Im2col } from "../kernels/f32-im2col";
import { f32Dwconv3x3, dwconv3x3Scratch } from "../kernels/f32-dwconv-3x3";
import { f32ConvDw, convDwScratch } from "../kernels/f32-conv-dw";
import { f32Spmm } from "../kernels/f32-spmm";
import { x8LutSpmm } from "../kernels/x8-lut-spmm";

/**
 * A csr Conv W stays sparse at load when at most this fraction of it is non-zero, else it is
 * expanded to dense f32. Measured (LeNet-5 conv2: F 50, K 500, P 64, Node 20, SIMD): f32-spmm
 * vs f32-gemm-nn is 12× at 5%, 4.5× at 12%, 2.9× at 20%, 1.5× at 50%, 1.2× at 60%, 0.74× at 80%.
 */
export const SPMM_SPARSE_MAX: f64 = 0.6;

const DW3X3 = 0;
const DW = 1;
const POINTWISE = 2;
const IM2COL = 3;

function kind(n: u32, c: i32, f: i32): i32 {
  const g = nAttrI(n, 0), kh = nAttrI(n, 1), kw = nAttrI(n, 2), sh = nAttrI(n, 3), sw = nAttrI(n, 4);
  if (g == c && f == c && !tSparse(nIn(n, 1))) {
    return kh == 3 && kw == 3 && nAttrI(n, 5) == 1 && nAttrI(n, 6) == 1 && sh == sw && sh <= 2 ? DW3X3 : DW;
  }
  const noPad = nAttrI(n, 7) == 0 && nAttrI(n, 8) == 0 && nAttrI(n, 9) == 0 && nAttrI(n, 10) == 0;
  return kh == 1 && kw == 1 && sh == 1 && sw == 1 && noPad ? POINTWISE : IM2COL;
}

const COL_BYTES: i32 = 256 << 10;

/** Output rows per im2col block: as many as fit COL_BYTES, at least one. */
// @ts-ignore: decorator
@inline function blockRows(kk: i32, oh: i32, ow: i32): i32 { return max(1, min(oh, COL_BYTES / (kk * ow * 4))); }

// @ts-ignore: decorator
@inline function outDim(size: i32, pads: i32, k: i32, s: i32, d: i32): i32 { return (size + pads - (k - 1) * d - 1) / s + 1; }

export function prepareConv(n: u32): bool {
  const x = nIn(n, 0), w = nIn(n, 1), b = nIn(n, 2), y = nOut(n, 0);
  if (tRank(x) != 4) return fail("X is %t but must be [N,C,H,W]", x);
  if (tRank(w) != 4) return fail("W is %t but must be [F,C/group,kh,kw]", w);
  const c = tDim(x, 1), h = tDim(x, 2), wd = tDim(x, 3), f = tDim(w, 0);
  const g = nAttrI(n, 0), kh = nAttrI(n, 1), kw = nAttrI(n, 2), sh = nAttrI(n, 3), sw = nAttrI(n, 4);
  const dh = nAttrI(n, 5), dw = nAttrI(n, 6);
  const pt = nAttrI(n, 7), pl = nAttrI(n, 8), pb = nAttrI(n, 9), pr = nAttrI(n, 10);
  if (g < 1 || c % g != 0 || f % g != 0) return fail("group %i does not divide C = %d and F = %d", g, c, f);
  if (kh < 1 || kw < 1 || sh < 1 || sw < 1 || dh < 1 || dw < 1) return fail("kernel, strides and dilations must be ≥ 1");
  if (pt < 0 || pl < 0 || pb < 0 || pr < 0) return fail("pads must be ≥ 0");
  if (tDim(w, 1) != c / g || tDim(w, 2) != kh || tDim(w, 3) != kw) {
    return fail("W is %t but X %t with group %d and the kernel attributes needs [F,%d,%d,%d]", w, x, g, c / g, kh, kw);
  }
  if (tRank(b) != 1 || tDim(b, 0) != f) return fail("B is %t but W is %t: B must be [%d]", b, w, f);
  if (h + pt + pb < (kh - 1) * dh + 1 || wd + pl + pr < (kw - 1) * dw + 1) return fail("the dilated kernel is larger than the padded input %t", x);
  const oh = outDim(h, pt + pb, kh, sh, dh), ow = outDim(wd, pl + pr, kw, sw, dw);
  if (tRank(y) != 4 || tDim(y, 0) != tDim(x, 0) || tDim(y, 1) != f || tDim(y, 2) != oh || tDim(y, 3) != ow) {
    return fail("Y is %t but X %t ⋆ W %t gives [N,%d,%d,%d]", y, x, w, f, oh, ow);
  }
  if (!checkAct(nAttrI(n, 11))) return false;
  if (tEncoding(w) == 2) return prepareConvInt8(n);
  if (tEncoding(w) == 6) { prepareConvBinary(n); return true; }
  const k = kind(n, c, f);
  if (k == DW3X3) needScratch(dwconv3x3Scratch(oh, ow, sh));
  else if (k == DW) needScratch(convDwScratch(oh, ow, kh, kw, sh, sw, dh, dw));
  else if (k == POINTWISE) needScratch(<usize>c / <usize>g * <usize>oh * <usize>ow << 2);
  else {
    const kk = (c / g) * kh * kw;
    needScratch(<usize>2 * <usize>kk * <usize>(blockRows(kk, oh, ow) * ow) << 2);
  }
  return true;
}

export function runConv(n: u32): void {
  const x = nIn(n, 0), w = nIn(n, 1), y = nOut(n, 0);
  if (tEncoding(w) == 2) { runConvInt8(n); return; }
  if (tEncoding(w) == 6) { runConvBinary(n); return; }
  const batch = tDim(x, 0), c = tDim(x, 1), h = tDim(x, 2), wd = tDim(x, 3), f = tDim(w, 0);
  const oh = tDim(y, 2), ow = tDim(y, 3);
  const g = nAttrI(n, 0), kh = nAttrI(n, 1), kw = nAttrI(n, 2), sh = nAttrI(n, 3), sw = nAttrI(n, 4);
  const dh = nAttrI(n, 5), dw = nAttrI(n, 6), pt = nAttrI(n, 7), pl = nAttrI(n, 8);
  const act = nAttrI(n, 11), actA = nAttrF(n, 12), actB = nAttrF(n, 13);
  const sp = tSparse(w);
  const px = tData(x), pw = tData(w), pb = tData(nIn(n, 2)), py = tData(y), buf = scratch();
  const xImage = <usize>c * <usize>h * <usize>wd << 2;
  const yImage = <usize>f * <usize>oh * <usize>ow << 2;
  const k = kind(n, c, f);
  if (k <= DW) {
    for (let i = 0; i < batch; i++) {
      const xi = px + <usize>i * xImage, yi = py + <usize>i * yImage;
      if (k == DW3X3) f32Dwconv3x3(c, h, wd, oh, ow, sh, pt, pl, xi, pw, pb, yi, act, actA, actB, buf);
      else f32ConvDw(c, h, wd, oh, ow, kh, kw, sh, sw, dh, dw, pt, pl, xi, pw, pb, yi, act, actA, actB, buf);
    }
    return;
  }
  const cg = c / g, fg = f / g, kk = cg * kh * kw, p = oh * ow;
  const rows = blockRows(kk, oh, ow);
  const pack = k == IM2COL ? buf + (<usize>kk * <usize>(rows * ow) << 2) : buf;
  const xGroup = <usize>cg * <usize>h * <usize>wd << 2;
  const wGroup = <usize>fg * <usize>kk << 2;
  const yGroup = <usize>fg * <usize>p << 2;
  for (let i = 0; i < batch; i++) {
    for (let j = 0; j < g; j++) {
      const xg = px + <usize>i * xImage + <usize>j * xGroup;
      const yg = py + <usize>i * yImage + <usize>j * yGroup;
      const wg = pw + <usize>j * wGroup, bg = pb + (<usize>(j * fg) << 2);
      if (k == POINTWISE && !sp) {
        f32GemmNN(fg, p, cg, wg, xg, bg, yg, p, act, actA, actB, pack);
        continue;
      }
      // The sparse 1×1 is one block whose "columns" are the input planes themselves.
      for (let oy = 0, r = 0; oy < oh; oy += r) {
        r = k == POINTWISE ? oh : min(rows, oh - oy);
        const yb = yg + (<usize>(oy * ow) << 2);
        // Shifting the top pad makes im2col start at output row oy.
        if (k == IM2COL) f32Im2col(cg, h, wd, kh, kw, sh, sw, dh, dw, pt - oy * sh, pl, r, ow, xg, buf);
        const cols = k == IM2COL ? buf : xg, ldc = k == IM2COL ? r * ow : p;
        const rp = sp ? load<usize>(sp) + (<usize>(j * fg) << 2) : 0, lut = sp ? load<usize>(sp, 16) : 0, stride = sp ? load<u32>(sp, 20) : 0;
        if (lut) x8LutSpmm(fg, r * ow, rp, load<usize>(sp, 4), load<usize>(sp, 8), lut + <usize>(j * fg) * stride, stride, cols, ldc, bg, yb, p, act, actA, actB);
        else if (sp) f32Spmm(fg, r * ow, rp, load<usize>(sp, 4), load<usize>(sp, 8), cols, ldc, bg, yb, p, act, actA, actB);
        else f32GemmNN(fg, r * ow, kk, wg, buf, bg, yb, p, act, actA, actB, pack);
      }
    }
  }
}

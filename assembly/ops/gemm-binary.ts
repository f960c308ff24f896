// Gemm and Conv with a binary W (docs/FORMAT.md §3.8, tag 6), read in place: α[N] f32, then N
// rows of `words = ⌈K/32⌉` u32 sign words (1 = −α). Two paths (docs/RUNTIME.md):
//   BNN       X is the output of a BinarySign node, so every x is ±1: X is packed to bits in
//             scratch (x1-pack) and y = α·(K − 2·popcount(x XOR w)) (x1-xnor-gemm), exact.
//   otherwise real X: y = α·Σ ±x (x1-sign-gemv, one row of X at a time), no multiplies.
// Conv: each output position's patch (c, ky, kx order, as im2col) becomes a row of [P, K] in
// scratch, then the same; Y is written back transposed with the bias and the fused act. A padded
// Conv keeps the sign-select path even after a BinarySign: its zero padding is not ±1 (the f32
// model adds w·0 = 0 there, the XNOR kernel would add ±α), so both agree exactly either way.
import { nIn, nOut, nAttrI, nAttrF, tData, tDim, tSize, needScratch, scratch, gNodeCount, nOpcode } from "../graph";
import { OP_BINARYSIGN } from "./opcodes";
import { actS } from "../kernels/f32-gemm-act";
import { f32ActRows } from "../kernels/f32-gemm-act";
import { x1Pack } from "../kernels/x1-pack";
import { x1SignGemv, signGemvScratch } from "../kernels/x1-sign-gemv";
import { x1XnorGemm } from "../kernels/x1-xnor-gemm";

/** True when tensor t is the output of a BinarySign node (its values are exactly ±1). */
function signed(t: u32): bool {
  for (let i: u32 = 0; i < gNodeCount; i++) if (nOut(i, 0) == t && nOpcode(i) == OP_BINARYSIGN) return true;
  return false;
}

// @ts-ignore: decorator
@inline function wordsOf(k: i32): i32 { return (k + 31) >> 5; }

/** Y[M,N] (rows `ldy` floats apart, before bias/act) = X[M,K] · binary W[N,K]ᵀ, X rows contiguous; buf: scratch. */
function binRows(x: usize, m: i32, k: i32, w: usize, nn: i32, bnn: bool, y: usize, buf: usize): void {
  const words = wordsOf(k), bits = w + (<usize>nn << 2);
  if (bnn) {
    x1Pack(x, m, k, buf, words);
    x1XnorGemm(buf, bits, w, y, m, nn, k, words);
  } else for (let i = 0; i < m; i++) x1SignGemv(x + (<usize>i * <usize>k << 2), bits, w, y + (<usize>i * <usize>nn << 2), nn, k, words, buf);
}

/** Scratch of binRows for m rows: packed X (BNN) or the sign-gemv tables. */
function rowsScratch(m: i32, k: i32, bnn: bool): usize { return bnn ? <usize>m * <usize>wordsOf(k) << 2 : signGemvScratch(k); }

export function prepareGemmBinary(n: u32): void {
  const x = nIn(n, 0);
  needScratch(rowsScratch(tDim(x, 0), tDim(x, 1), signed(x)));
}

export function runGemmBinary(n: u32): void {
  const x = nIn(n, 0), w = nIn(n, 1), m = tDim(x, 0), k = tDim(x, 1), nn = tDim(w, 0), y = tData(nOut(n, 0));
  binRows(tData(x), m, k, tData(w), nn, signed(x), y, scratch());
  const b = tData(nIn(n, 2));
  for (let i = 0; i < m; i++) for (let j = 0; j < nn; j++) {
    const p = y + (<usize>(i * nn + j) << 2);
    store<f32>(p, load<f32>(p) + load<f32>(b + (<usize>j << 2)));
  }
  const act = nAttrI(n, 0);
  if (act) f32ActRows(y, m, nn, nn, act, nAttrF(n, 1), nAttrF(n, 2));
}

/** BNN conv: X from BinarySign and no padding (else the sign-select path, see above). */
function convBnn(n: u32): bool {
  return signed(nIn(n, 0)) && !(nAttrI(n, 7) | nAttrI(n, 8) | nAttrI(n, 9) | nAttrI(n, 10));
}

/** Patches, their Y rows and the kernel's scratch, per group of one image: [P, K] + [P, F/g] + rows. */
export function prepareConvBinary(n: u32): void {
  const y = nOut(n, 0), g = nAttrI(n, 0), k = tSize(nIn(n, 1)) / tDim(nIn(n, 1), 0), p = tDim(y, 2) * tDim(y, 3);
  needScratch((<usize>p * <usize>(k + tDim(y, 1) / g) << 2) + rowsScratch(p, k, convBnn(n)));
}

export function runConvBinary(n: u32): void {
  const x = nIn(n, 0), w = nIn(n, 1), y = nOut(n, 0), bnn = convBnn(n);
  const batch = tDim(x, 0), c = tDim(x, 1), h = tDim(x, 2), wd = tDim(x, 3), f = tDim(w, 0), oh = tDim(y, 2), ow = tDim(y, 3);
  const g = nAttrI(n, 0), kh = nAttrI(n, 1), kw = nAttrI(n, 2), sh = nAttrI(n, 3), sw = nAttrI(n, 4);
  const dh = nAttrI(n, 5), dw = nAttrI(n, 6), pt = nAttrI(n, 7), pl = nAttrI(n, 8);
  const act = nAttrI(n, 11), a = nAttrF(n, 12), bb = nAttrF(n, 13);
  const cg = c / g, fg = f / g, k = cg * kh * kw, p = oh * ow, words = wordsOf(k);
  const pw = tData(w), pb = tData(nIn(n, 2)), patches = scratch(), yt = patches + (<usize>p * <usize>k << 2), buf = yt + (<usize>p * <usize>fg << 2);
  for (let i = 0; i < batch; i++) for (let j = 0; j < g; j++) {
    const xg = tData(x) + (<usize>((i * c + j * cg) * h * wd) << 2);
    // Patch rows: q = position, e = (ch, ky, kx); 0 outside the image (the padding).
    for (let q = 0; q < p; q++) {
      const oy = q / ow, ox = q % ow;
      for (let e = 0; e < k; e++) {
        const ch = e / (kh * kw), ky = e / kw % kh, kx = e % kw, iy = oy * sh - pt + ky * dh, ix = ox * sw - pl + kx * dw;
        store<f32>(patches + (<usize>(q * k + e) << 2), iy >= 0 && iy < h && ix >= 0 && ix < wd ? load<f32>(xg + (<usize>((ch * h + iy) * wd + ix) << 2)) : 0);
      }
    }
    // Group j's rows of W: α at j·fg, sign words after all f rows of α.
    const wg = pw + (<usize>(j * fg) << 2);
    if (bnn) {
      x1Pack(patches, p, k, buf, words);
      x1XnorGemm(buf, pw + (<usize>f << 2) + (<usize>(j * fg * words) << 2), wg, yt, p, fg, k, words);
    } else {
      for (let q = 0; q < p; q++) x1SignGemv(patches + (<usize>(q * k) << 2), pw + (<usize>f << 2) + (<usize>(j * fg * words) << 2), wg, yt + (<usize>(q * fg) << 2), fg, k, words, buf);
    }
    const yg = tData(y) + (<usize>((i * f + j * fg) * p) << 2);
    for (let o = 0; o < fg; o++) {
      const bias = load<f32>(pb + (<usize>(j * fg + o) << 2));
      for (let q = 0; q < p; q++) store<f32>(yg + (<usize>(o * p + q) << 2), actS(load<f32>(yt + (<usize>(q * fg + o) << 2)) + bias, act, a, bb));
    }
  }
}

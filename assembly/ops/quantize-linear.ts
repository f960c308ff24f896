// QuantizeLinear (y = clamp(roundHalfEven(x/scale) + zeroPoint, qmin, qmax)) and DequantizeLinear
// (y = (x − zeroPoint)·scale), docs/FORMAT.md §4.1 ops 30/31: integers held in f32. scale and
// zeroPoint are constants of 1 element (per tensor) or dims[axis] elements (per axis).
import { nIn, nOut, nOpcode, nAttrI, tData, tDim, tRank, tSize, tIsConst, fail } from "../graph";
import { OP_QUANTIZELINEAR } from "./opcodes";
import { expectShape, dimProd } from "./shape";
import { f32Vquant, f32Vdequant } from "../kernels/f32-vquant";

export function prepareQuantizeLinear(n: u32): bool {
  const x = nIn(n, 0), axis = nAttrI(n, 0);
  for (let i = 1; i < 3; i++) {
    const p = nIn(n, i), k = tSize(p);
    if (!tIsConst(p) || (k != 1 && (axis < 0 || axis >= tRank(x) || k != tDim(x, axis))))
      return fail("input %d %t: constant, 1 or dims[axis] of X %t elements", i, p, x);
  }
  if (nOpcode(n) == OP_QUANTIZELINEAR && nAttrI(n, 1) > nAttrI(n, 2)) return fail("qmin %i > qmax %i", nAttrI(n, 1), nAttrI(n, 2));
  return expectShape(nOut(n, 0), x, true);
}

/** Node n's runs of elements sharing a scale: `quantRuns` of `quantLen` elements; run j (0-based)
 *  uses the scale and zero point of `quantParam(j)`. */
export let quantRuns: i32 = 0, quantLen: i32 = 0;
let qC: i32 = 1, qS: usize = 0, qZ: usize = 0, qDs: usize = 0, qDz: usize = 0;
export function quantSetup(n: u32): void {
  const xt = nIn(n, 0), st = nIn(n, 1), zt = nIn(n, 2);
  qS = tData(st); qZ = tData(zt);
  qDs = tSize(st) > 1 ? 4 : 0; qDz = tSize(zt) > 1 ? 4 : 0;
  qC = 1; quantLen = tSize(xt);
  if (qDs | qDz) { const a = nAttrI(n, 0); qC = tDim(xt, a); quantLen = dimProd(xt, a + 1, tRank(xt)); }
  quantRuns = tSize(xt) / quantLen;
}
export function quantScale(j: i32): f32 { return load<f32>(qS + <usize>(j % qC) * qDs); }
export function quantZero(j: i32): f32 { return load<f32>(qZ + <usize>(j % qC) * qDz); }

export function runQuantizeLinear(n: u32): void {
  quantSetup(n);
  const q = nOpcode(n) == OP_QUANTIZELINEAR, lo = <f32>nAttrI(n, 1), hi = <f32>nAttrI(n, 2), step = <usize>quantLen << 2;
  let x = tData(nIn(n, 0)), y = tData(nOut(n, 0));
  for (let j = 0; j < quantRuns; j++, x += step, y += step) {
    if (q) f32Vquant(x, y, quantLen, quantScale(j), quantZero(j), lo, hi);
    else f32Vdequant(x, y, quantLen, quantScale(j), quantZero(j));
  }
}

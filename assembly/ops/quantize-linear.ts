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
    if (!tIsConst(p)) return fail("input %d %t must be a constant", i, p);
    if (k != 1 && (axis < 0 || axis >= tRank(x) || k != tDim(x, axis)))
      return fail("input %d has %d elements; expected 1 or dims[axis=%i] of X %t", i, k, axis, x);
  }
  if (nOpcode(n) == OP_QUANTIZELINEAR && nAttrI(n, 1) > nAttrI(n, 2)) return fail("qmin %i > qmax %i", nAttrI(n, 1), nAttrI(n, 2));
  return expectShape(nOut(n, 0), x, true);
}

/** Calls body(x, y, count, scale, zeroPoint) on each run of elements sharing a scale. */
export function quantRuns(n: u32, x: usize, y: usize, body: (x: usize, y: usize, len: i32, s: f32, z: f32) => void): void {
  const xt = nIn(n, 0), st = nIn(n, 1), zt = nIn(n, 2), ps = tData(st), pz = tData(zt);
  const ds: usize = tSize(st) > 1 ? 4 : 0, dz: usize = tSize(zt) > 1 ? 4 : 0;
  let c = 1, inner = tSize(xt);
  if (ds | dz) { const a = nAttrI(n, 0); c = tDim(xt, a); inner = dimProd(xt, a + 1, tRank(xt)); }
  const outer = tSize(xt) / (c * inner), step = <usize>inner << 2;
  for (let o = 0; o < outer; o++) {
    for (let k = 0; k < c; k++) {
      body(x, y, inner, load<f32>(ps + <usize>k * ds), load<f32>(pz + <usize>k * dz));
      x += step; y += step;
    }
  }
}

// The attribute bounds of the node being run (a closure may not capture locals).
let qlo: f32 = 0, qhi: f32 = 0;

export function runQuantizeLinear(n: u32): void {
  const x = tData(nIn(n, 0)), y = tData(nOut(n, 0));
  if (nOpcode(n) == OP_QUANTIZELINEAR) {
    qlo = <f32>nAttrI(n, 1); qhi = <f32>nAttrI(n, 2);
    quantRuns(n, x, y, (x: usize, y: usize, len: i32, s: f32, z: f32): void => f32Vquant(x, y, len, s, z, qlo, qhi));
  } else quantRuns(n, x, y, f32Vdequant);
}

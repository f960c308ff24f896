// Dropout in the trainer: inverted dropout, y = x·mask with mask ∈ {0, 1/(1 − ratio)} drawn from
// a per-node xorshift32 stream seeded by the `seed` attribute (advanced every training forward,
// so runs are reproducible and masks differ step to step). The mask stays in the node state for
// backward: dX += dY·mask (dX += dY after an inference-mode forward).
import { nIn, nOut, nAttrF, nAttrI, tData, tSize } from "../graph";
import { gradPtr, wantGrad, needNodeState, nodeState, isTraining } from "./state";
import { addTo } from "./act";

// Node state: [rng u32, pad to 16 | mask f32 × elements]
export function prepareGradDropout(n: u32): bool {
  needNodeState(16 + (<usize>tSize(nIn(n, 0)) << 2));
  return true;
}

/** Seeds the node's generator (trainPlan); xorshift32 needs a non-zero state. */
export function seedDropout(n: u32): void {
  const s = <u32>nAttrI(n, 1) * 0x9E3779B9 + 0x6A09E667;
  store<u32>(nodeState(n), s ? s : 1);
}

export function trainDropout(n: u32): void {
  const x = tData(nIn(n, 0)), y = tData(nOut(n, 0)), len = tSize(nIn(n, 0));
  const st = nodeState(n), mask = st + 16, ratio = nAttrF(n, 0);
  const keep: f32 = ratio < 1 ? <f32>1 / (<f32>1 - ratio) : 0;
  let s = load<u32>(st);
  for (let i = 0; i < len; i++) {
    s ^= s << 13; s ^= s >> 17; s ^= s << 5;
    const u = <f32>(s >> 8) * <f32>5.9604645e-8; // [0, 1) in steps of 2^-24
    const m: f32 = u >= ratio ? keep : 0;
    store<f32>(mask + (<usize>i << 2), m);
    store<f32>(y + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) * m);
  }
  store<u32>(st, s);
}

export function gradDropout(n: u32): void {
  const x = nIn(n, 0), len = tSize(x);
  if (!wantGrad(x)) return;
  const dx = gradPtr(x), dy = gradPtr(nOut(n, 0));
  if (!isTraining()) { addTo(dx, dy, len); return; }
  const mask = nodeState(n) + 16;
  for (let i = 0; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o) * load<f32>(mask + o));
  }
}

// BinarySign backward: the straight-through estimator of Hubara et al. 2016 (BNN), the gradient of
// hard tanh: dX += dY·1{|x| ≤ 1}. Elementwise and cheap next to the GEMMs: scalar.
import { nIn, nOut, tData, tSize } from "../graph";
import { gradPtr, wantGrad } from "./state";

export function gradBinarySign(n: u32): void {
  const xt = nIn(n, 0), yt = nOut(n, 0);
  if (!wantGrad(xt)) return;
  const x = tData(xt), dy = gradPtr(yt), dx = gradPtr(xt), len = tSize(xt);
  for (let i = 0; i < len; i++) {
    const o = <usize>i << 2;
    if (Mathf.abs(load<f32>(x + o)) <= 1) store<f32>(dx + o, load<f32>(dx + o) + load<f32>(dy + o));
  }
}

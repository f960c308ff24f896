// BatchNormalization in the trainer. Training forward: batch mean and (biased) variance per
// channel over N and the spatial axes; y = (x − μ)·γ/√(σ² + ε) + β; running statistics updated
// in place (running = momentum·running + (1 − momentum)·batch, the variance unbiased as in
// PyTorch). Backward with batch statistics (training) or with the running ones (inference mode).
// Node state: μ[C], 1/√(σ²+ε)[C], then the per-channel scale and shift of the affine [2C].
import { nIn, nOut, nAttrF, tData, tRank, tDim } from "../graph";
import { dimProd } from "../ops/shape";
import { f32Vmulcaddc } from "../kernels/f32-vmulcaddc";
import { gradPtr, wantGrad, needNodeState, nodeState, isTraining } from "./state";

export function prepareGradBatchNorm(n: u32): bool {
  needNodeState(<usize>tDim(nIn(n, 0), 1) << 4);
  return true;
}

export function trainBatchNorm(n: u32): void {
  const x = nIn(n, 0), r = tRank(x);
  const batch = tDim(x, 0), c = tDim(x, 1), inner = dimProd(x, 2, r);
  const px = tData(x), py = tData(nOut(n, 0)), st = nodeState(n), cb = <usize>c << 2;
  const g = tData(nIn(n, 1)), b = tData(nIn(n, 2)), rm = tData(nIn(n, 3)), rv = tData(nIn(n, 4));
  const eps = nAttrF(n, 0), mom = nAttrF(n, 1), count = <f64>batch * <f64>inner;
  for (let ch = 0; ch < c; ch++) {
    let s: f64 = 0, q: f64 = 0;
    for (let i = 0; i < batch; i++) {
      const row = px + (<usize>(i * c + ch) * <usize>inner << 2);
      for (let j = 0; j < inner; j++) s += <f64>load<f32>(row + (<usize>j << 2));
    }
    const mean = s / count;
    for (let i = 0; i < batch; i++) {
      const row = px + (<usize>(i * c + ch) * <usize>inner << 2);
      for (let j = 0; j < inner; j++) { const d = <f64>load<f32>(row + (<usize>j << 2)) - mean; q += d * d; }
    }
    const v = q / count, inv = <f32>(1 / Math.sqrt(v + <f64>eps)), o = <usize>ch << 2;
    store<f32>(st + o, <f32>mean);
    store<f32>(st + cb + o, inv);
    const k = load<f32>(g + o) * inv;
    store<f32>(st + 2 * cb + o, k);
    store<f32>(st + 3 * cb + o, load<f32>(b + o) - <f32>mean * k);
    store<f32>(rm + o, mom * load<f32>(rm + o) + (1 - mom) * <f32>mean);
    store<f32>(rv + o, mom * load<f32>(rv + o) + (1 - mom) * <f32>(count > 1 ? q / (count - 1) : v));
  }
  const step = <usize>c * <usize>inner << 2;
  for (let i = 0; i < batch; i++) f32Vmulcaddc(px + <usize>i * step, py + <usize>i * step, c, inner, st + 2 * cb, st + 3 * cb);
}

export function gradBatchNorm(n: u32): void {
  const x = nIn(n, 0), r = tRank(x);
  const batch = tDim(x, 0), c = tDim(x, 1), inner = dimProd(x, 2, r);
  const px = tData(x), dy = gradPtr(nOut(n, 0)), st = nodeState(n), cb = <usize>c << 2;
  const g = tData(nIn(n, 1)), train = isTraining();
  const gx = wantGrad(x) ? gradPtr(x) : 0, gg = gradPtr(nIn(n, 1)), gb = gradPtr(nIn(n, 2));
  if (!train) {
    // inference mode: a fixed affine of the running statistics
    const rm = tData(nIn(n, 3)), rv = tData(nIn(n, 4)), eps = nAttrF(n, 0);
    for (let ch = 0; ch < c; ch++) {
      const o = <usize>ch << 2;
      store<f32>(st + o, load<f32>(rm + o));
      store<f32>(st + cb + o, <f32>1 / Mathf.sqrt(load<f32>(rv + o) + eps));
    }
  }
  const count = <f32>(batch * inner);
  for (let ch = 0; ch < c; ch++) {
    const o = <usize>ch << 2;
    const mean = load<f32>(st + o), inv = load<f32>(st + cb + o), k = load<f32>(g + o) * inv;
    let sd: f32 = 0, sdx: f32 = 0;
    for (let i = 0; i < batch; i++) {
      const p = <usize>(i * c + ch) * <usize>inner << 2;
      for (let j = 0; j < inner; j++) {
        const q = p + (<usize>j << 2), d = load<f32>(dy + q);
        sd += d;
        sdx += d * (load<f32>(px + q) - mean) * inv;
      }
    }
    store<f32>(gg + o, load<f32>(gg + o) + sdx);
    store<f32>(gb + o, load<f32>(gb + o) + sd);
    if (!gx) continue;
    const ms = train ? sd / count : 0, mx = train ? sdx / count : 0;
    for (let i = 0; i < batch; i++) {
      const p = <usize>(i * c + ch) * <usize>inner << 2;
      for (let j = 0; j < inner; j++) {
        const q = p + (<usize>j << 2);
        const xh = (load<f32>(px + q) - mean) * inv;
        store<f32>(gx + q, load<f32>(gx + q) + k * (load<f32>(dy + q) - ms - xh * mx));
      }
    }
  }
}

// Optimizer steps over one trainable tensor, in place, f32x4 bodies with scalar tails.

/** PyTorch SGD: g′ = g + wd·w; v = μ·v + g′; w −= lr·(nesterov ? g′ + μ·v : v) (μ = 0: w −= lr·g′,
 *  v may be 0). */
export function sgdStep(w: usize, g: usize, v: usize, n: i32, lr: f32, momentum: f32, weightDecay: f32, nesterov: u32): void {
  let i = 0;
  const vl = f32x4.splat(lr), vm = f32x4.splat(momentum), vd = f32x4.splat(weightDecay);
  const mom = momentum != 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const wv = v128.load(w + o);
    const gv = f32x4.add(v128.load(g + o), f32x4.mul(vd, wv));
    let d = gv;
    if (mom) {
      const nv = f32x4.add(f32x4.mul(vm, v128.load(v + o)), gv);
      v128.store(v + o, nv);
      d = nesterov ? f32x4.add(gv, f32x4.mul(vm, nv)) : nv;
    }
    v128.store(w + o, f32x4.sub(wv, f32x4.mul(vl, d)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const wv = load<f32>(w + o), gv = load<f32>(g + o) + weightDecay * wv;
    let d = gv;
    if (mom) {
      const nv = momentum * load<f32>(v + o) + gv;
      store<f32>(v + o, nv);
      d = nesterov ? gv + momentum * nv : nv;
    }
    store<f32>(w + o, wv - lr * d);
  }
}

/** Adam with bias correction (step t ≥ 1); weightDecay > 0 decays w decoupled (AdamW):
 *  w ← w·(1 − lr·wd) − lr·m̂/(√v̂ + ε), m̂ = m/(1 − β1ᵗ), v̂ = v/(1 − β2ᵗ). */
export function adamStep(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, beta1: f32, beta2: f32, eps: f32, weightDecay: f32, step: u32): void {
  const c1 = <f32>(1 / (1 - Math.pow(<f64>beta1, <f64>step))), c2 = <f32>(1 / (1 - Math.pow(<f64>beta2, <f64>step)));
  const decay: f32 = 1 - lr * weightDecay;
  let i = 0;
  const b1 = f32x4.splat(beta1), b2 = f32x4.splat(beta2), o1 = f32x4.splat(1 - beta1), o2 = f32x4.splat(1 - beta2);
  const vc1 = f32x4.splat(c1), vc2 = f32x4.splat(c2), ve = f32x4.splat(eps), vl = f32x4.splat(lr), vd = f32x4.splat(decay);
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const gv = v128.load(g + o);
    const mv = f32x4.add(f32x4.mul(b1, v128.load(m + o)), f32x4.mul(o1, gv));
    const vv = f32x4.add(f32x4.mul(b2, v128.load(v + o)), f32x4.mul(o2, f32x4.mul(gv, gv)));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const upd = f32x4.div(f32x4.mul(mv, vc1), f32x4.add(f32x4.sqrt(f32x4.mul(vv, vc2)), ve));
    v128.store(w + o, f32x4.sub(f32x4.mul(v128.load(w + o), vd), f32x4.mul(vl, upd)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const gv = load<f32>(g + o);
    const mv = beta1 * load<f32>(m + o) + (1 - beta1) * gv;
    const vv = beta2 * load<f32>(v + o) + (1 - beta2) * (gv * gv);
    store<f32>(m + o, mv);
    store<f32>(v + o, vv);
    store<f32>(w + o, load<f32>(w + o) * decay - lr * (mv * c1 / (Mathf.sqrt(vv * c2) + eps)));
  }
}

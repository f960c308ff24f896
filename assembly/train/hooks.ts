// Hooks of the compression passes (docs/TRAINER.md): pruning masks, straight-through estimators
// (sign for binary weights, fake quantization), grouped gradients of shared weights.

/** x &= mask (u32 words: all ones keep, 0 clear): pruned weights stay +0.0 (a multiply by 0
 *  would leave −0.0, which the writer's sparse layouts store as a value), gradients are zeroed. */
export function maskApply(x: usize, mask: usize, n: i32): void {
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    v128.store(x + o, v128.and(v128.load(x + o), v128.load(mask + o)));
  }
  for (; i < n; i++) store<u32>(x + (<usize>i << 2), load<u32>(x + (<usize>i << 2)) & load<u32>(mask + (<usize>i << 2)));
}

/** BinaryConnect: the shadow is first clipped to [−1, 1] in place (Courbariaux et al. 2015: beyond
 *  ±1 a shadow weight would stop reacting to gradients without changing its sign), then deployed
 *  w = sign(shadow) (+1 for 0); with scalePerRow ≠ 0, each of `rows` rows is scaled by its mean
 *  |shadow| (XNOR-Net), and the scales are written to scalePerRow. */
export function steSign(shadow: usize, w: usize, n: i32, scalePerRow: usize, rows: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    store<f32>(shadow + o, min<f32>(1, max<f32>(-1, load<f32>(shadow + o))));
  }
  const per = scalePerRow ? n / rows : n;
  for (let r = 0, count = scalePerRow ? rows : 1; r < count; r++) {
    const base = <usize>(r * per) << 2;
    let s: f32 = 1;
    if (scalePerRow) {
      let a: f32 = 0;
      for (let i = 0; i < per; i++) a += Mathf.abs(load<f32>(shadow + base + (<usize>i << 2)));
      s = a / <f32>per;
      store<f32>(scalePerRow + (<usize>r << 2), s);
    }
    for (let i = 0; i < per; i++) {
      const o = base + (<usize>i << 2);
      store<f32>(w + o, load<f32>(shadow + o) >= 0 ? s : -s);
    }
  }
}

/** Straight-through gradient of sign (hard-tanh window): g *= (|shadow| ≤ 1). */
export function steSignGrad(shadow: usize, g: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const o = <usize>i << 2;
    if (Mathf.abs(load<f32>(shadow + o)) > 1) store<f32>(g + o, 0);
  }
}

/** Per-row symmetric fake quantization to `bits`: scale = max|row| / (2^(bits−1) − 1),
 *  w = round(shadow / scale)·scale (a zero row stays zero); its gradient passes straight through. */
export function fakeQuant(shadow: usize, w: usize, n: i32, rows: i32, bits: i32): void {
  const per = n / rows, levels = <f32>((1 << (bits - 1)) - 1);
  for (let r = 0; r < rows; r++) {
    const base = <usize>(r * per) << 2;
    let m: f32 = 0;
    for (let i = 0; i < per; i++) m = max(m, Mathf.abs(load<f32>(shadow + base + (<usize>i << 2))));
    const s = m / levels, inv: f32 = m > 0 ? levels / m : 0;
    for (let i = 0; i < per; i++) {
      const o = base + (<usize>i << 2);
      store<f32>(w + o, nearest<f32>(load<f32>(shadow + o) * inv) * s);
    }
  }
}

/** Deep Compression weight sharing: centroidGrad[c] = Σ g[i] over weights with index[i] = c
 *  (k centroids; overwritten). */
export function groupGrad(g: usize, index: usize, n: i32, centroidGrad: usize, k: i32): void {
  memory.fill(centroidGrad, 0, <usize>k << 2);
  for (let i = 0; i < n; i++) {
    const p = centroidGrad + (<usize>load<u8>(index + <usize>i) << 2);
    store<f32>(p, load<f32>(p) + load<f32>(g + (<usize>i << 2)));
  }
}

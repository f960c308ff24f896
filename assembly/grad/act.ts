// Undoing the fused activation of Gemm/Conv (act 0 none, 1 Relu, 2 Clip(a, b), 3 LeakyRelu(a)):
// dZ = dY·act′, with act′ read from the output Y (Y > 0 ⇔ Z > 0, a < Y < b ⇔ a < Z < b, and
// LeakyRelu keeps the sign for a > 0), so Z need not be kept.

/** dz[i] = dy[i]·act′ for `len` floats; dz may be dy. */
export function undoAct(y: usize, dy: usize, dz: usize, len: i32, act: i32, a: f32, b: f32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    const z = f32x4.splat(0), va = f32x4.splat(a), vb = f32x4.splat(b);
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      const v = v128.load(y + o), g = v128.load(dy + o);
      let r = g;
      if (act == 1) r = v128.and(g, f32x4.gt(v, z));
      else if (act == 2) r = v128.and(g, v128.and(f32x4.gt(v, va), f32x4.lt(v, vb)));
      else if (act == 3) r = v128.bitselect(g, f32x4.mul(g, va), f32x4.ge(v, z));
      v128.store(dz + o, r);
    }
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    const v = load<f32>(y + o), g = load<f32>(dy + o);
    store<f32>(dz + o, act == 1 ? (v > 0 ? g : 0) : act == 2 ? (v > a && v < b ? g : 0) : act == 3 ? (v >= 0 ? g : g * a) : g);
  }
}

/** acc[i] += x[i] for `len` floats (bias gradients, copies of gradients back to inputs). */
export function addTo(acc: usize, x: usize, len: i32): void {
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    for (; i + 4 <= len; i += 4) {
      const o = <usize>i << 2;
      v128.store(acc + o, f32x4.add(v128.load(acc + o), v128.load(x + o)));
    }
  }
  for (; i < len; i++) {
    const o = <usize>i << 2;
    store<f32>(acc + o, load<f32>(acc + o) + load<f32>(x + o));
  }
}

// Scalar oracle of kernels/f32-vmulcaddc.ts.

/** y[c][i] = x[c][i]·scale[c] + shift[c] for `channels` rows of `inner` floats. */
export function f32Vmulcaddc(x: usize, y: usize, channels: i32, inner: i32, scale: usize, shift: usize): void {
  for (let c = 0; c < channels; c++) {
    const s = load<f32>(scale + (<usize>c << 2)), b = load<f32>(shift + (<usize>c << 2));
    const o = <usize>c * <usize>inner << 2;
    for (let i = 0; i < inner; i++) store<f32>(y + o + (<usize>i << 2), load<f32>(x + o + (<usize>i << 2)) * s + b);
  }
}

// Per-channel multiply-add (ChannelAffine: a BatchNormalization that could not be folded).
import * as ref from "./reference/f32-vmulcaddc";

/** y[c][i] = x[c][i]·scale[c] + shift[c] for `channels` rows of `inner` floats. */
export function f32Vmulcaddc(x: usize, y: usize, channels: i32, inner: i32, scale: usize, shift: usize): void {
  if (!ASC_FEATURE_SIMD) { ref.f32Vmulcaddc(x, y, channels, inner, scale, shift); return; }
  for (let c = 0; c < channels; c++) {
    const vs = v128.load32_splat(scale + (<usize>c << 2)), vb = v128.load32_splat(shift + (<usize>c << 2));
    const o = <usize>c * <usize>inner << 2;
    let i = 0;
    for (; i + 4 <= inner; i += 4) {
      const p = o + (<usize>i << 2);
      v128.store(y + p, f32x4.add(f32x4.mul(v128.load(x + p), vs), vb));
    }
    if (i < inner) ref.f32Vmulcaddc(x + o + (<usize>i << 2), y + o + (<usize>i << 2), 1, inner - i, scale + (<usize>c << 2), shift + (<usize>c << 2));
  }
}

// Scalar oracles of kernels/f32-conv-grad.ts (same signatures). f32ConvBackward here is the
// plain direct-loop convolution backward (no im2col, no blocking; `rows` and `buf` unused).

/** act'(y) for the fused activations (act 0 none, 1 relu, 2 clip(a, b), 3 leaky(a)), from Y. */
// @ts-ignore: decorator
@inline function actGrad(y: f32, act: i32, a: f32, b: f32): f32 {
  if (act == 1) return y > 0 ? 1 : 0;
  if (act == 2) return y > a && y < b ? 1 : 0;
  if (act == 3) return y > 0 ? 1 : a;
  return 1;
}

/** dz[r·cnt + j] = dy[r·ld + j] · act'(y[r·ld + j]) for r < rows, j < cnt. */
export function f32ConvGradAct(rows: i32, cnt: i32, ld: i32, dy: usize, y: usize, act: i32, actA: f32, actB: f32, dz: usize): void {
  for (let r = 0; r < rows; r++) {
    for (let j = 0; j < cnt; j++) {
      const s = <usize>(r * ld + j) << 2;
      const g = load<f32>(dy + s);
      store<f32>(dz + (<usize>(r * cnt + j) << 2), act == 0 ? g : g * actGrad(load<f32>(y + s), act, actA, actB));
    }
  }
}

/** db[r] += Σ_j a[r·k + j]. */
export function f32ConvGradB(m: i32, k: i32, a: usize, db: usize): void {
  for (let r = 0; r < m; r++) {
    let s: f32 = 0;
    for (let j = 0; j < k; j++) s += load<f32>(a + (<usize>(r * k + j) << 2));
    store<f32>(db + (<usize>r << 2), load<f32>(db + (<usize>r << 2)) + s);
  }
}

/** y[M,N] += A[M,K]·B[N,K]ᵀ; rows of A lda floats apart, of B ldb; y dense. */
export function f32ConvGradW(m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, y: usize): void {
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < n; j++) {
      let s: f32 = 0;
      for (let i = 0; i < k; i++) s += load<f32>(a + (<usize>(r * lda + i) << 2)) * load<f32>(b + (<usize>(j * ldb + i) << 2));
      const p = y + (<usize>(r * n + j) << 2);
      store<f32>(p, load<f32>(p) + s);
    }
  }
}

/** Scratch bytes (none: the direct loops need no buffer). */
export function convBackwardScratch(c: i32, h: i32, w: i32, f: i32, g: i32, kh: i32, kw: i32, sh: i32, sw: i32, dh: i32, dw: i32,
  pt: i32, pl: i32, pb: i32, pr: i32, oh: i32, ow: i32, rows: i32): usize { return 0; }

/**
 * Conv backward over a batch (NCHW, groups, strides, dilations, pads, fused act undone from Y):
 * dX += ∂, dW += ∂, dB += ∂ (each skipped when its pointer is 0).
 */
export function f32ConvBackward(batch: i32, c: i32, h: i32, w: i32, f: i32, g: i32, kh: i32, kw: i32, sh: i32, sw: i32,
  dh: i32, dw: i32, pt: i32, pl: i32, pb: i32, pr: i32, oh: i32, ow: i32, rows: i32, act: i32, actA: f32, actB: f32,
  x: usize, wt: usize, y: usize, dy: usize, dx: usize, dwt: usize, db: usize, buf: usize): void {
  const cg = c / g, fg = f / g;
  for (let i = 0; i < batch; i++) {
    for (let o = 0; o < f; o++) {
      const c0 = (o / fg) * cg;
      for (let oy = 0; oy < oh; oy++) {
        for (let ox = 0; ox < ow; ox++) {
          const yi = <usize>(((i * f + o) * oh + oy) * ow + ox) << 2;
          const dz = load<f32>(dy + yi) * actGrad(load<f32>(y + yi), act, actA, actB);
          if (db) store<f32>(db + (<usize>o << 2), load<f32>(db + (<usize>o << 2)) + dz);
          for (let ci = 0; ci < cg; ci++) {
            for (let ky = 0; ky < kh; ky++) {
              const iy = oy * sh - pt + ky * dh;
              if (iy < 0 || iy >= h) continue;
              for (let kx = 0; kx < kw; kx++) {
                const ix = ox * sw - pl + kx * dw;
                if (ix < 0 || ix >= w) continue;
                const xi = <usize>(((i * c + c0 + ci) * h + iy) * w + ix) << 2;
                const wi = <usize>(((o * cg + ci) * kh + ky) * kw + kx) << 2;
                if (dwt) store<f32>(dwt + wi, load<f32>(dwt + wi) + dz * load<f32>(x + xi));
                if (dx) store<f32>(dx + xi, load<f32>(dx + xi) + dz * load<f32>(wt + wi));
              }
            }
          }
        }
      }
    }
  }
}

// Scalar oracle of kernels/f32-softmax.ts.

/** Softmax (or log-softmax) of `cols` adjacent columns, each `len` values `stride` apart:
 *  y = e^(x - max) / Σ, or x - max - ln Σ. */
export function f32Softmax(x: usize, y: usize, len: i32, stride: i32, cols: i32, log: bool): void {
  const st = <usize>stride << 2;
  for (let c = 0; c < cols; c++) {
    const xc = x + (<usize>c << 2), yc = y + (<usize>c << 2);
    let m = -Infinity as f32;
    for (let k = 0; k < len; k++) m = max(m, load<f32>(xc + <usize>k * st));
    let s: f32 = 0;
    for (let k = 0; k < len; k++) {
      const e = Mathf.exp(load<f32>(xc + <usize>k * st) - m);
      if (!log) store<f32>(yc + <usize>k * st, e);
      s += e;
    }
    if (log) {
      const ls = Mathf.log(s);
      for (let k = 0; k < len; k++) store<f32>(yc + <usize>k * st, load<f32>(xc + <usize>k * st) - m - ls);
    } else {
      const r = <f32>1 / s;
      for (let k = 0; k < len; k++) store<f32>(yc + <usize>k * st, load<f32>(yc + <usize>k * st) * r);
    }
  }
}

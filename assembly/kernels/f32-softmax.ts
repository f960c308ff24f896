// Softmax / LogSoftmax over an axis. Contiguous rows (stride 1) vectorise along the row;
// strided axes vectorise across four adjacent columns, keeping max and sum in registers.
// LogSoftmax is (x - max) - ln Σ: subtracting max + ln Σ in one step rounds it to the ulp of max.
import * as ref from "./reference/f32-softmax";
import { expv, exps } from "./f32-vunary";
import { f32Rmax } from "./f32-reduce";

/** Softmax (or log-softmax) of `cols` adjacent columns, each `len` values `stride` apart. */
export function f32Softmax(x: usize, y: usize, len: i32, stride: i32, cols: i32, log: bool): void {
  if (!ASC_FEATURE_SIMD) { ref.f32Softmax(x, y, len, stride, cols, log); return; }
  if (stride == 1) { row(x, y, len, log); return; } // stride 1 means a single column
  const st = <usize>stride << 2;
  let c = 0;
  for (; c + 4 <= cols; c += 4) {
    const xc = x + (<usize>c << 2), yc = y + (<usize>c << 2);
    let m = f32x4.splat(-Infinity);
    for (let k = 0; k < len; k++) m = f32x4.max(m, v128.load(xc + <usize>k * st));
    let s = f32x4.splat(0);
    for (let k = 0; k < len; k++) {
      const e = expv(f32x4.sub(v128.load(xc + <usize>k * st), m));
      if (!log) v128.store(yc + <usize>k * st, e);
      s = f32x4.add(s, e);
    }
    if (log) {
      const ls = f32x4(
        Mathf.log(f32x4.extract_lane(s, 0)), Mathf.log(f32x4.extract_lane(s, 1)),
        Mathf.log(f32x4.extract_lane(s, 2)), Mathf.log(f32x4.extract_lane(s, 3)));
      for (let k = 0; k < len; k++) v128.store(yc + <usize>k * st, f32x4.sub(f32x4.sub(v128.load(xc + <usize>k * st), m), ls));
    } else {
      const r = f32x4.div(f32x4.splat(1), s);
      for (let k = 0; k < len; k++) v128.store(yc + <usize>k * st, f32x4.mul(v128.load(yc + <usize>k * st), r));
    }
  }
  for (; c < cols; c++) column(x + (<usize>c << 2), y + (<usize>c << 2), len, st, log);
}

/** One strided column (the last cols % 4): the scalar reference with `exps` for e^x. */
function column(x: usize, y: usize, len: i32, st: usize, log: bool): void {
  let m = -Infinity as f32;
  for (let k = 0; k < len; k++) m = max(m, load<f32>(x + <usize>k * st));
  let s: f32 = 0;
  for (let k = 0; k < len; k++) {
    const e = exps(load<f32>(x + <usize>k * st) - m);
    if (!log) store<f32>(y + <usize>k * st, e);
    s += e;
  }
  if (log) {
    const ls = Mathf.log(s);
    for (let k = 0; k < len; k++) store<f32>(y + <usize>k * st, load<f32>(x + <usize>k * st) - m - ls);
  } else {
    const r = <f32>1 / s;
    for (let k = 0; k < len; k++) store<f32>(y + <usize>k * st, load<f32>(y + <usize>k * st) * r);
  }
}

function row(x: usize, y: usize, len: i32, log: bool): void {
  const m = f32Rmax(x, len);
  const vm = f32x4.splat(m);
  let vs = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= len; i += 4) {
    const e = expv(f32x4.sub(v128.load(x + (<usize>i << 2)), vm));
    if (!log) v128.store(y + (<usize>i << 2), e);
    vs = f32x4.add(vs, e);
  }
  let s = f32x4.extract_lane(vs, 0) + f32x4.extract_lane(vs, 1) + f32x4.extract_lane(vs, 2) + f32x4.extract_lane(vs, 3);
  for (let k = i; k < len; k++) {
    const e = exps(load<f32>(x + (<usize>k << 2)) - m);
    if (!log) store<f32>(y + (<usize>k << 2), e);
    s += e;
  }
  if (log) {
    const ls = Mathf.log(s);
    const vl = f32x4.splat(ls);
    i = 0;
    for (; i + 4 <= len; i += 4) v128.store(y + (<usize>i << 2), f32x4.sub(f32x4.sub(v128.load(x + (<usize>i << 2)), vm), vl));
    for (; i < len; i++) store<f32>(y + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) - m - ls);
  } else {
    const r = <f32>1 / s;
    const vr = f32x4.splat(r);
    i = 0;
    for (; i + 4 <= len; i += 4) v128.store(y + (<usize>i << 2), f32x4.mul(v128.load(y + (<usize>i << 2)), vr));
    for (; i < len; i++) store<f32>(y + (<usize>i << 2), load<f32>(y + (<usize>i << 2)) * r);
  }
}

// Loss kernels (docs/TRAINER.md): each returns the mean loss over n samples and ADDS
// weight·∂loss/∂logits into dLogits, so several losses (early exits, distillation) sum.
// Rows are `classes` floats; labels are i32.

/** Softmax of row z/T into q (classes floats); returns log Σ e^(z/T − max). */
function softmaxRow(z: usize, q: usize, classes: i32, invT: f32): f32 {
  let m = -Infinity as f32;
  for (let c = 0; c < classes; c++) m = max(m, load<f32>(z + (<usize>c << 2)) * invT);
  let s: f32 = 0;
  for (let c = 0; c < classes; c++) {
    const e = Mathf.exp(load<f32>(z + (<usize>c << 2)) * invT - m);
    store<f32>(q + (<usize>c << 2), e);
    s += e;
  }
  const r = <f32>1 / s;
  for (let c = 0; c < classes; c++) store<f32>(q + (<usize>c << 2), load<f32>(q + (<usize>c << 2)) * r);
  return m + Mathf.log(s);
}

// One softmax row of scratch, grown on demand (heap blocks are never freed: grows once).
let rowBuf: usize = 0;
let rowCap: i32 = 0;
/** After reserve() reset the heap. */
export function resetLossScratch(): void { rowBuf = 0; rowCap = 0; }
function row(classes: i32): usize {
  if (classes > rowCap) { rowBuf = heap.alloc(<usize>classes << 2); rowCap = classes; }
  return rowBuf;
}

export function lossSoftmaxCE(logits: usize, labels: usize, n: i32, classes: i32, dLogits: usize, weight: f32): f32 {
  const q = row(classes), k = weight / <f32>n;
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const z = logits + (<usize>(i * classes) << 2), d = dLogits + (<usize>(i * classes) << 2);
    const lse = softmaxRow(z, q, classes, 1);
    const y = load<i32>(labels + (<usize>i << 2));
    total += <f64>(lse - load<f32>(z + (<usize>y << 2)));
    for (let c = 0; c < classes; c++) {
      const o = <usize>c << 2;
      store<f32>(d + o, load<f32>(d + o) + k * (load<f32>(q + o) - (c == y ? <f32>1 : 0)));
    }
  }
  return <f32>(total / n);
}

/** α·T²·CE(softmax(z/T), p_t) + (1−α)·CE(softmax(z), labels); teacherProbs are the teacher's
 *  softmax at the same T. ∂/∂z: α·T·(softmax(z/T) − p_t) + (1−α)·(softmax(z) − onehot).
 *  labels = 0 (or α = 1) drops the hard term. */
export function lossDistill(logits: usize, teacherProbs: usize, labels: usize, n: i32, classes: i32, T: f32, alpha: f32, dLogits: usize, weight: f32): f32 {
  const q = row(classes), k = weight / <f32>n, hard = labels != 0 && alpha < 1;
  let total: f64 = 0;
  for (let i = 0; i < n; i++) {
    const z = logits + (<usize>(i * classes) << 2), d = dLogits + (<usize>(i * classes) << 2);
    const p = teacherProbs + (<usize>(i * classes) << 2);
    const lse = softmaxRow(z, q, classes, <f32>1 / T);
    let soft: f32 = 0;
    for (let c = 0; c < classes; c++) {
      const o = <usize>c << 2, pc = load<f32>(p + o);
      soft += pc * (lse - load<f32>(z + o) / T);
      store<f32>(d + o, load<f32>(d + o) + k * alpha * T * (load<f32>(q + o) - pc));
    }
    total += <f64>(alpha * T * T * soft);
    if (!hard) continue;
    const lse1 = softmaxRow(z, q, classes, 1);
    const y = load<i32>(labels + (<usize>i << 2));
    total += <f64>((1 - alpha) * (lse1 - load<f32>(z + (<usize>y << 2))));
    for (let c = 0; c < classes; c++) {
      const o = <usize>c << 2;
      store<f32>(d + o, load<f32>(d + o) + k * (1 - alpha) * (load<f32>(q + o) - (c == y ? <f32>1 : 0)));
    }
  }
  return <f32>(total / n);
}

/** Mean over samples of ½‖z − z_t‖² (Ba & Caruana's logit regression). */
export function lossMimic(logits: usize, teacherLogits: usize, n: i32, classes: i32, dLogits: usize, weight: f32): f32 {
  const k = weight / <f32>n;
  let total: f64 = 0;
  for (let i = 0, len = n * classes; i < len; i++) {
    const o = <usize>i << 2, e = load<f32>(logits + o) - load<f32>(teacherLogits + o);
    total += <f64>(e * e);
    store<f32>(dLogits + o, load<f32>(dLogits + o) + k * e);
  }
  return <f32>(total * 0.5 / n);
}

/** Samples whose first maximal logit is at their label. */
export function countCorrect(logits: usize, labels: usize, n: i32, classes: i32): u32 {
  let hits: u32 = 0;
  for (let i = 0; i < n; i++) {
    const z = logits + (<usize>(i * classes) << 2);
    let best = 0;
    for (let c = 1; c < classes; c++) if (load<f32>(z + (<usize>c << 2)) > load<f32>(z + (<usize>best << 2))) best = c;
    if (best == load<i32>(labels + (<usize>i << 2))) hits++;
  }
  return hits;
}

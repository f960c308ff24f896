// Add, Sub, Mul, Div, PRelu backward with numpy broadcasting: each output element adds its share
// into the operand elements it read (a broadcast operand's stride is 0 on that axis, so its
// gradient sums over the broadcast axes).
import { nIn, nOut, nOpcode, tData, tRank, tDim, tSize } from "../graph";
import { OP_ADD, OP_SUB, OP_MUL, OP_PRELU } from "../ops/opcodes";
import { gradPtr, wantGrad } from "./state";

const SA = memory.data(24); // element stride of A per output axis (0: broadcast)
const SB = memory.data(24);

// @ts-ignore: decorator
@inline function dimAt(t: u32, i: i32, r: i32): i32 {
  const k = i - (r - tRank(t));
  return k < 0 ? 1 : tDim(t, k);
}

/** Element strides of operand t over the output axes (rank r ≤ 6) into `s`. */
function strides(t: u32, y: u32, r: i32, s: usize): void {
  let c = 1;
  for (let i = r - 1; i >= 0; i--) {
    const d = dimAt(t, i, r);
    store<i32>(s + (<usize>i << 2), d == tDim(y, i) && d != 1 ? c : 0);
    c *= d;
  }
}

export function gradBinary(n: u32): void {
  const a = nIn(n, 0), b = nIn(n, 1), y = nOut(n, 0), op = nOpcode(n);
  const r = tRank(y);
  strides(a, y, r, SA);
  strides(b, y, r, SB);
  const pa = tData(a), pb = tData(b), dy = gradPtr(y);
  const ga = wantGrad(a) ? gradPtr(a) : 0, gb = wantGrad(b) ? gradPtr(b) : 0;
  const total = tSize(y);
  for (let e = 0; e < total; e++) {
    let rest = e, oa = 0, ob = 0;
    for (let i = r - 1; i >= 0; i--) {
      const d = tDim(y, i), q = rest % d;
      rest /= d;
      oa += q * load<i32>(SA + (<usize>i << 2));
      ob += q * load<i32>(SB + (<usize>i << 2));
    }
    const g = load<f32>(dy + (<usize>e << 2));
    const ia = <usize>oa << 2, ib = <usize>ob << 2;
    const va = load<f32>(pa + ia), vb = load<f32>(pb + ib);
    let da: f32, db: f32;
    if (op == OP_ADD) { da = g; db = g; }
    else if (op == OP_SUB) { da = g; db = -g; }
    else if (op == OP_MUL) { da = g * vb; db = g * va; }
    else if (op == OP_PRELU) { da = va < 0 ? g * vb : g; db = va < 0 ? g * va : 0; }
    else { da = g / vb; db = -g * va / (vb * vb); } // Div
    if (ga) store<f32>(ga + ia, load<f32>(ga + ia) + da);
    if (gb) store<f32>(gb + ib, load<f32>(gb + ib) + db);
  }
}

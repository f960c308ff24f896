// int8 weights (docs/FORMAT.md §3.7): checked by format/reader.ts's call here, kept as int8 in
// the form the qs8 kernels read (graph.ts gSparse entry of the tensor), built once at load:
//   head u32[8]  w, rowSum, scale, kp, xScale (f32 bits), xZero, 0, 0
//   w      s8[rows × kp]  rows padded with 0 to kp = cols (+ 7 for a rank-4 Conv W) rounded up to
//                         16 (the file's bytes when kp = cols, else a copy), so the kernels read whole 16-byte blocks
//   rowSum i32[rows]      Σ_c q[r,c], for the xZero correction
//   scale  f32[rows]      the file's scales
import { bad, inSection } from "../format/reader";
import { heapAlloc } from "../memory";

export const I8_HEAD: usize = 32;

/** Tensor t (record r at file offset `at`, data at p, file offset pAt): §3.7 checks, then its kernel form; 0 on error. */
export function readInt8(t: u32, r: usize, at: u64, p: usize, pAt: u64, elems: u32): usize {
  const name = load<u32>(r), rank = <u32>load<u8>(r + 6), blen = load<u32>(r + 36), param = load<u32>(r + 40);
  if (rank < 2) return <usize>bad(at + 6, "tensor %d \"%s\": int8 needs rank ≥ 2, got %d", t, name, rank);
  if (param) return <usize>bad(at + 40, "tensor %d \"%s\": param %d, expected 0 for int8", t, name, param);
  const rows = load<u32>(r + 8), cols = elems / rows;
  const want: u64 = 16 + <u64>rows * 4 + elems;
  if (<u64>blen != want) return <usize>bad(at + 36, "tensor %d \"%s\": byteLength %d, expected %d for int8", t, name, blen, <u32>want);
  inSection(true);
  const xs = load<f32>(p), xz = load<u32>(p + 4);
  if (!(xs >= 0) || !isFinite(xs)) return <usize>bad(pAt, "tensor %d \"%s\": int8 xScale (bits %x) is not finite and ≥ 0", t, name, reinterpret<u32>(xs));
  if (xz > 255) return <usize>bad(pAt + 4, "tensor %d \"%s\": int8 xZero %d exceeds 255", t, name, xz);
  if (xs == 0 && xz) return <usize>bad(pAt + 4, "tensor %d \"%s\": int8 xZero %d with xScale 0 (dynamic), expected 0", t, name, xz);
  for (let o: u32 = 8; o < 16; o += 4) {
    if (load<u32>(p + o)) return <usize>bad(pAt + o, "tensor %d \"%s\": int8 reserved word at +%d is %d, expected 0", t, name, o, load<u32>(p + o));
  }
  for (let i: u32 = 0; i < rows; i++) {
    const s = load<f32>(p + 16 + (<usize>i << 2));
    if (!(s > 0) || !isFinite(s)) return <usize>bad(pAt + 16 + i * 4, "tensor %d \"%s\": int8 scale %d (bits %x) is not finite and > 0", t, name, i, reinterpret<u32>(s));
  }
  // Conv W (rank 4) rows get ≥ 7 bytes of padding for x8-im2col's 8-byte copies.
  const q = p + 16 + (<usize>rows << 2), kp = (cols + (rank == 4 ? 22 : 15)) & ~15;
  for (let i: u32 = 0; i < elems; i++) {
    if (load<i8>(q + i) == -128) return <usize>bad(pAt + 16 + rows * 4 + i, "tensor %d \"%s\": int8 weight %d is -128, expected -127..127", t, name, i);
  }
  const bytes: u64 = I8_HEAD + <u64>rows * 4 + (kp == cols ? 0 : <u64>rows * kp);
  const head = heapAlloc(bytes);
  if (!head) return <usize>bad(at, "tensor %d \"%s\": out of memory decoding (%d bytes)", t, name, <u32>bytes);
  const sums = head + I8_HEAD, w = kp == cols ? q : sums + (<usize>rows << 2);
  for (let i: u32 = 0; i < rows; i++) {
    const src = q + <usize>i * cols, dst = w + <usize>i * kp;
    if (w != q) { memory.copy(dst, src, cols); memory.fill(dst + cols, 0, kp - cols); }
    let s: i32 = 0;
    for (let c: u32 = 0; c < cols; c++) s += <i32>load<i8>(src + c);
    store<i32>(sums + (<usize>i << 2), s);
  }
  store<u32>(head, <u32>w); store<u32>(head, <u32>sums, 4); store<u32>(head, <u32>(p + 16), 8); store<u32>(head, kp, 12);
  store<f32>(head, xs, 16); store<u32>(head, xz, 20); store<u64>(head, 0, 24);
  inSection(false);
  return head;
}

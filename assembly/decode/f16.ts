// f16 weights (docs/FORMAT.md §3.6): checked by format/reader.ts's call here and expanded once at
// load to f32 on the heap after the file (the f32 kernels then read them like any weight).
import { bad, inSection } from "../format/reader";
import { heapAlloc } from "../memory";

/** f32 bits of half h (exact; NaN payloads and ±Inf kept). */
// @ts-ignore: decorator
@inline function halfBits(h: u32): u32 {
  const sign = (h & 0x8000) << 16, e = h >> 10 & 31, m = h & 0x3FF;
  if (e == 31) return sign | 0x7F800000 | m << 13;
  if (e) return sign | (e + 112) << 23 | m << 13;
  if (!m) return sign;
  const k = clz(m) - 21; // shifts that bring m's top bit to bit 10
  return sign | (113 - k) << 23 | (m << k & 0x3FF) << 13;
}

/** Tensor t (record r at file offset `at`, data at p): §3.6 checks, then its f32 copy; 0 on error. */
export function readF16(t: u32, r: usize, at: u64, p: usize, elems: u32): usize {
  const name = load<u32>(r), blen = load<u32>(r + 36);
  if (load<u32>(r + 40)) return <usize>bad(at + 40, "tensor %d \"%s\": param %d, expected 0 for f16", t, name, load<u32>(r + 40));
  if (<u64>blen != <u64>elems * 2) return <usize>bad(at + 36, "tensor %d \"%s\": byteLength %d, expected 2 × %d elements (f16)", t, name, blen, elems);
  const out = heapAlloc(<u64>elems * 4);
  if (!out) return <usize>bad(at, "tensor %d \"%s\": out of memory decoding (%d bytes)", t, name, elems * 4);
  for (let i: u32 = 0; i < elems; i++) store<u32>(out + (<usize>i << 2), halfBits(<u32>load<u16>(p + (<usize>i << 1))));
  inSection(false);
  return out;
}

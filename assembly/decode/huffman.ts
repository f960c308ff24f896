// Load-time decoder of a canonical Huffman stream (docs/FORMAT.md §3.5): counts[15], symbols,
// u32 streamBytes, MSB-first bits. Decoding walks the counts table as zlib's puff does (at most
// 15 steps a symbol, no table to build); every byte read is checked against the tensor's end.

/** Why the last huffDecode failed (0 none), where (absolute address) and its two numbers. */
export let hErr: u32 = 0;
export let hAt: usize = 0;
export let hA: u32 = 0;
export let hB: u32 = 0;

function fault(code: u32, at: usize, a: u32 = 0, b: u32 = 0): usize { hErr = code; hAt = at; hA = a; hB = b; return 0; }

/**
 * Decodes n symbols < 2^bits of the stream at p (ending by `end`) into bytes at `out`; returns
 * the address after the stream, or 0 with hErr: 1 past the end, 2 over-subscribed (hA the Kraft
 * sum), 3 bad symbol (hA), 4 stream ends before symbol hA, 5 stream of hA bytes not ended by its
 * last code (hB bits).
 */
export function huffDecode(p: usize, end: usize, n: u32, bits: u32, out: usize): usize {
  if (p + 15 > end) return fault(1, p);
  let kraft: u32 = 0, total: u32 = 0;
  for (let l: u32 = 1; l <= 15; l++) {
    const c = <u32>load<u8>(p + l - 1);
    total += c;
    kraft += c << (15 - l);
  }
  if (kraft > 32768) return fault(2, p, kraft);
  const sym = p + 15;
  if (sym + total + 4 > end) return fault(1, sym);
  const seen = memory.data(256);
  memory.fill(seen, 0, 256);
  for (let i: u32 = 0; i < total; i++) {
    const s = <u32>load<u8>(sym + i);
    if (s >> bits || load<u8>(seen + s)) return fault(3, sym + i, s, 1 << bits);
    store<u8>(seen + s, 1);
  }
  const s = sym + total + 4, size = load<u32>(s - 4);
  if (<u64>s + size > <u64>end) return fault(1, s - 4);
  let bit: u32 = 0;
  for (let j: u32 = 0; j < n; j++) {
    let code: u32 = 0, first: u32 = 0, index: u32 = 0, l: u32 = 1;
    for (; l <= 15; l++) {
      if (bit >= size << 3) return fault(4, s + min(bit >> 3, size), j, n);
      code |= (<u32>load<u8>(s + (bit >> 3)) >> (7 - (bit & 7))) & 1;
      bit++;
      const count = <u32>load<u8>(p + l - 1);
      if (code - first < count) { store<u8>(out + j, load<u8>(sym + index + code - first)); break; }
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    if (l > 15) return fault(4, s + min(bit >> 3, size), j, n);
  }
  if ((bit + 7) >> 3 != size || (bit & 7 && <u32>load<u8>(s + (bit >> 3)) & (0xFF >> (bit & 7)))) return fault(5, s - 4, size, bit);
  return s + size;
}

// Canonical, length-limited Huffman streams (docs/FORMAT.md §3.5): code lengths by
// package-merge, the stream encoder the writer uses and the checked decoder the reader uses.

export const MAX_CODE_BITS = 15;

/**
 * Optimal code lengths (≤ limit bits) for `freqs` by package-merge (Larmore–Hirschberg): 0 for
 * an unused symbol, 1 for a lone one. Throws when 2^limit cannot hold the used symbols.
 */
export function codeLengths(freqs: ArrayLike<number>, limit = MAX_CODE_BITS): Uint8Array {
  const lengths = new Uint8Array(freqs.length);
  const used = Array.from(freqs, (f, s) => [f, s]).filter(([f]) => f > 0).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  if (used.length <= 1) {
    for (const [, s] of used) lengths[s] = 1;
    return lengths;
  }
  if (used.length > 2 ** limit) throw new RangeError(`${used.length} symbols do not fit codes of ${limit} bits`);
  // An item is a weight and how often each used symbol occurs in it.
  type Item = [number, Uint16Array];
  const leaves: Item[] = used.map(([f], i) => {
    const c = new Uint16Array(used.length);
    c[i] = 1;
    return [f, c];
  });
  let list = leaves;
  for (let level = 1; level < limit; level++) {
    const packages: Item[] = [];
    for (let i = 0; i + 1 < list.length; i += 2) packages.push([list[i][0] + list[i + 1][0], list[i][1].map((c, s) => c + list[i + 1][1][s])]);
    list = [];
    for (let a = 0, b = 0; a < leaves.length || b < packages.length;) {
      list.push(b >= packages.length || (a < leaves.length && leaves[a][0] <= packages[b][0]) ? leaves[a++] : packages[b++]);
    }
  }
  for (const [, counts] of list.slice(0, 2 * used.length - 2)) counts.forEach((c, i) => { lengths[used[i][1]] += c; });
  return lengths;
}

/** Symbols in code order (by length, then symbol) with their canonical codes. */
function canonical(lengths: Uint8Array): { symbols: number[]; codes: Uint32Array } {
  const symbols = [...lengths.keys()].filter((s) => lengths[s]).sort((a, b) => lengths[a] - lengths[b] || a - b);
  const codes = new Uint32Array(lengths.length);
  let code = 0, len = 0;
  for (const s of symbols) {
    code <<= lengths[s] - len;
    len = lengths[s];
    codes[s] = code++;
  }
  return { symbols, codes };
}

/** counts[15] · symbols · u32 streamBytes · MSB-first bits of `values` (symbols < alphabet). */
export function encodeHuffman(values: ArrayLike<number>, alphabet: number): Uint8Array {
  const freqs = new Float64Array(alphabet);
  for (let i = 0; i < values.length; i++) freqs[values[i]]++;
  const lengths = codeLengths(freqs);
  const { symbols, codes } = canonical(lengths);
  let bits = 0;
  for (let i = 0; i < values.length; i++) bits += lengths[values[i]];
  const head = MAX_CODE_BITS + symbols.length + 4;
  const out = new Uint8Array(head + Math.ceil(bits / 8));
  for (const s of symbols) out[lengths[s] - 1]++;
  out.set(symbols, MAX_CODE_BITS);
  new DataView(out.buffer).setUint32(head - 4, Math.ceil(bits / 8), true);
  let at = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i], n = lengths[v];
    for (let k = n - 1; k >= 0; k--, at++) if ((codes[v] >> k) & 1) out[head + (at >> 3)] |= 0x80 >> (at & 7);
  }
  return out;
}

/**
 * Checks and decodes the Huffman stream at `at` (which must end by `end`) into n symbols
 * < alphabet; returns them and the offset after the stream. `bad(offset, msg)` throws, with
 * `what` leading each message.
 */
export function decodeHuffman(bytes: Uint8Array, at: number, end: number, n: number, alphabet: number, what: string,
  bad: (offset: number, msg: string) => never): { values: Uint8Array; next: number } {
  const past = (o: number) => bad(o, `${what}: huffman data runs past byteLength`);
  if (at + MAX_CODE_BITS > end) past(at);
  let kraft = 0, total = 0;
  for (let l = 1; l <= MAX_CODE_BITS; l++) {
    total += bytes[at + l - 1];
    kraft += bytes[at + l - 1] << (MAX_CODE_BITS - l);
  }
  if (kraft > 1 << MAX_CODE_BITS) bad(at, `${what}: huffman code is over-subscribed (Kraft sum ${kraft} > 32768)`);
  const sym = at + MAX_CODE_BITS;
  if (sym + total + 4 > end) past(sym);
  const seen = new Uint8Array(256);
  for (let i = 0; i < total; i++) {
    const s = bytes[sym + i];
    if (s >= alphabet || seen[s]++) bad(sym + i, `${what}: huffman symbol ${s} is repeated or not below ${alphabet}`);
  }
  const streamAt = sym + total + 4, size = new DataView(bytes.buffer, bytes.byteOffset).getUint32(streamAt - 4, true);
  if (streamAt + size > end) past(streamAt - 4);
  const values = new Uint8Array(n);
  let bit = 0;
  for (let j = 0; j < n; j++) {
    // Canonical decoding as zlib's puff: `first` is the first code of length l, `index` its symbol.
    let code = 0, first = 0, index = 0, found = false;
    for (let l = 1; l <= MAX_CODE_BITS && bit < 8 * size && !found; l++) {
      code |= (bytes[streamAt + (bit >> 3)] >> (7 - (bit++ & 7))) & 1;
      const count = bytes[at + l - 1];
      if (code - first < count) { values[j] = bytes[sym + index + code - first]; found = true; }
      index += count;
      first = (first + count) << 1;
      code <<= 1;
    }
    if (!found) bad(streamAt + Math.min(bit >> 3, size), `${what}: huffman stream ends before symbol ${j} of ${n}`);
  }
  if (Math.ceil(bit / 8) !== size || (bit & 7 && bytes[streamAt + (bit >> 3)] & (0xff >> (bit & 7))))
    bad(streamAt - 4, `${what}: huffman stream of ${size} bytes does not end with its last code (${bit} bits)`);
  return { values, next: streamAt + size };
}

// Scalar twin of x1-pack.ts (and its tail: the words from `from` on, including the padding).

export function packTail(src: usize, k: i32, dst: usize, from: i32, words: i32): void {
  for (let w = from; w < words; w++) {
    let bits: u32 = 0;
    for (let j = 0; j < 32; j++) {
      const e = (w << 5) + j;
      if (e < k && load<f32>(src + (<usize>e << 2)) < 0) bits |= <u32>1 << j;
    }
    store<u32>(dst + (<usize>w << 2), bits);
  }
}

export function x1Pack(x: usize, rows: i32, k: i32, out: usize, words: i32): void {
  for (let r = 0; r < rows; r++) packTail(x + (<usize>r * <usize>k << 2), k, out + (<usize>r * <usize>words << 2), 0, words);
}

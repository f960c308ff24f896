// Load-time checks of a binary weight (docs/FORMAT.md §3.8), once format/reader.ts has checked
// rank, param and byteLength: every α[r] finite and ≥ 0, then the padding bits of each row's last
// word 0. The runtime reads the tensor in place (α[rows] f32, then rows × words u32 of signs,
// 1 = −α; ops/gemm-binary.ts); nothing is decoded.

/** The row of the first failure (reader's message), and which rule: 1 alpha, 2 padding. */
export let binRow: u32 = 0;

/** u32 words per row of `cols` signs. */
// @ts-ignore: decorator
@inline export function binWords(cols: u32): u32 { return (cols + 31) >> 5; }

/** 0 when the tensor at p is valid, else 1 (α[binRow] not finite or < 0) or 2 (padding of row binRow). */
export function binCheck(p: usize, rows: u32, cols: u32): u32 {
  for (let r: u32 = 0; r < rows; r++) {
    const a = load<u32>(p + (<usize>r << 2));
    if (a >> 31 || (a & 0x7F800000) == 0x7F800000) { binRow = r; return 1; }
  }
  const words = binWords(cols), tail = cols & 31;
  for (let r: u32 = 0; tail && r < rows; r++) {
    if (load<u32>(p + (<usize>rows << 2) + ((<usize>r * words + words - 1) << 2)) >> tail) { binRow = r; return 2; }
  }
  return 0;
}

// Heap blocks shared by runtime.ts and trainer.ts.

/** 16-aligned heap block of `bytes`, growing memory first so a refusal is 0, not a trap. */
export function heapAlloc(bytes: u64): usize {
  const top = heap.alloc(0);
  heap.free(top);
  const need: u64 = <u64>top + bytes + 64;
  // the stub allocator traps above its block limit (just under 1 GiB): refuse before it
  if (need > 0xFFFF0000 || bytes > 0x3FFF_FF00) return 0;
  const have = <u64>memory.size() << 16;
  if (need > have && memory.grow(<i32>((need - have + 0xFFFF) >> 16)) < 0) return 0;
  return heap.alloc(<usize>bytes);
}

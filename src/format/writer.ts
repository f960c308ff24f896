// IR Graph → .slim bytes, exactly as docs/FORMAT.md: header, section table, then STRS, TENS,
// NODE, GRPH, PLAN and (when there are constants) WGTS, each 16-aligned, each with its CRC-32.
// Tensor ids follow the order of `graph.tensors`; activations get arena offsets from the planner.
import { numel, type Attrs, type Graph, type Node } from "../ir/graph.js";
import { OPS } from "../ir/ops.js";
import { SlimnetError, UnsupportedError } from "../runtime/errors.js";
import { align16, planArena, type PlanOptions } from "../plan/arena.js";
import { crc32 } from "./crc32.js";
import { chooseLayout, type Layout } from "./codebook.js";
import { encodeF16 } from "./f16.js";
import { encodeInt8 } from "./int8.js";
import { encodeBinary, ENC_BINARY } from "./binary.js";
import {
  DTYPE_F32, ENC_F32, ENTRY_BYTES, FLAG_BATCH_DYNAMIC, HEADER_BYTES, KIND_ACTIVATION, KIND_CONSTANT, MAGIC,
  EXIT_BYTES, MAX_RANK, PLAN_BYTES, VERSION, type SectionKind,
} from "./verify.js";

/** Growable little-endian byte buffer. (`room` may replace buf/dv: call it before reading them.) */
class Bytes {
  private buf = new Uint8Array(256);
  private dv = new DataView(this.buf.buffer);
  length = 0;
  private room(n: number): number {
    if (this.length + n > this.buf.length) {
      const next = new Uint8Array(Math.max(this.buf.length * 2, this.length + n));
      next.set(this.buf);
      this.buf = next;
      this.dv = new DataView(next.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }
  u8(v: number) { const at = this.room(1); this.buf[at] = v; }
  u16(v: number) { const at = this.room(2); this.dv.setUint16(at, v, true); }
  u32(v: number) { const at = this.room(4); this.dv.setUint32(at, v, true); }
  i32(v: number) { const at = this.room(4); this.dv.setInt32(at, v, true); }
  f32(v: number) { const at = this.room(4); this.dv.setFloat32(at, v, true); }
  raw(b: Uint8Array) { const at = this.room(b.length); this.buf.set(b, at); }
  padTo16() { this.room(align16(this.length) - this.length); }
  bytes(): Uint8Array { return this.buf.subarray(0, this.length); }
}

const INT32_MIN = -(2 ** 31), INT32_MAX = 2 ** 31 - 1;

/** Packed attribute words of a node in OPS[op].attrs order ("i" int, "f" f32 bits, "i[]" ints). */
function packAttrs(node: Node, out: Bytes): void {
  const bad = (msg: string): never => {
    throw new SlimnetError(`node ${JSON.stringify(node.name)} (${node.op}): ${msg}`);
  };
  const int = (name: string, v: unknown) => {
    if (typeof v !== "number" || !Number.isInteger(v) || v < INT32_MIN || v > INT32_MAX)
      bad(`attribute ${name} = ${JSON.stringify(v)} is not a 32-bit integer`);
    out.i32(v as number);
  };
  const attrs: Attrs = node.attrs;
  for (const [name, kind] of OPS[node.op].attrs) {
    const v = attrs[name];
    if (v === undefined) bad(`attribute ${name} is missing`);
    if (kind === "i") int(name, v);
    else if (kind === "f") {
      if (typeof v !== "number") bad(`attribute ${name} = ${JSON.stringify(v)} is not a number`);
      out.f32(v as number);
    } else {
      if (!Array.isArray(v)) bad(`attribute ${name} = ${JSON.stringify(v)} is not an int list`);
      for (const x of v as number[]) int(name, x);
    }
  }
}

function attrWords(node: Node): number {
  let n = 0;
  for (const [name, kind] of OPS[node.op].attrs)
    n += kind === "i[]" ? (node.attrs[name] as number[] | undefined)?.length ?? 0 : 1;
  return n;
}

/** EXIT (docs/FORMAT.md §8): one 20-byte record per exit; the head's node run is checked here. */
function exitSection(graph: Graph, id: (name: string, where: string) => number): Uint8Array {
  const at = new Map(graph.nodes.map((n, i) => [n.name, i]));
  const out = new Bytes();
  out.u32(graph.exits!.length);
  for (const [k, e] of graph.exits!.entries()) {
    const where = `exit ${k} (${JSON.stringify(e.output)})`;
    const idx = e.nodes.map((name) => at.get(name) ?? -1);
    if (!idx.length || idx.some((i, j) => i < 0 || (j > 0 && i !== idx[j - 1] + 1)))
      throw new SlimnetError(`${where}: head nodes [${e.nodes.join(", ")}] are not a contiguous run of graph nodes`);
    const last = idx[idx.length - 1];
    if (graph.nodes[last].outputs[0] !== e.output) throw new SlimnetError(`${where}: the head's last node ${JSON.stringify(graph.nodes[last].name)} does not write it`);
    out.u32(id(e.output, where));
    out.u32(idx[0]);
    out.u32(last);
    out.u8(e.rule === "entropy" ? 1 : 0);
    out.u8(e.values === "probs" ? 1 : 0);
    out.u16(0);
    out.f32(e.threshold);
  }
  if (out.length !== 4 + EXIT_BYTES * graph.exits!.length) throw new SlimnetError("EXIT: record size mismatch");
  return out.bytes();
}

export interface WriteOptions extends PlanOptions {
  /** Gap width 1..16 for every csr tensor instead of the smallest-file choice. */
  csrBits?: number;
}

/**
 * Serialises `graph` to .slim bytes (version 2 when it has exits, else 1). Throws on a graph the format cannot hold.
 * `{ training: true }` writes the no-reuse arena plan trainer.wasm needs (docs/TRAINER.md) and
 * every constant as f32 and no exits (the trainer updates dense weights; pruned ones stay 0 under masks).
 * A tensor tagged csr, codebook or huffman gets the smallest layout its tag allows (docs/FORMAT.md
 * §3.5), f32 when none is smaller.
 */
export function writeSlim(graph: Graph, options: WriteOptions = {}): Uint8Array {
  const { csrBits } = options;
  if (csrBits !== undefined && !(Number.isInteger(csrBits) && csrBits >= 1 && csrBits <= 16))
    throw new SlimnetError(`csrBits ${csrBits} is not an integer in 1..16`);
  const tensors = [...graph.tensors.values()];
  const ids = new Map(tensors.map((t, i) => [t.name, i]));
  const id = (name: string, where: string): number => {
    const i = ids.get(name);
    if (i === undefined) throw new SlimnetError(`${where} refers to tensor ${JSON.stringify(name)}, which the graph does not declare`);
    return i;
  };

  // STRS: the graph name first (offset 0), then each distinct name once.
  const strs = new Bytes();
  const strOffsets = new Map<string, number>();
  const encoder = new TextEncoder();
  const str = (s: string): number => {
    let at = strOffsets.get(s);
    if (at === undefined) {
      const b = encoder.encode(s);
      at = strs.length;
      strs.u32(b.length);
      strs.raw(b);
      strOffsets.set(s, at);
    }
    return at;
  };
  str(graph.name);

  const plan = planArena(graph, options);
  const wgts = new Bytes();
  const tens = new Bytes();
  tens.u32(tensors.length);
  for (const t of tensors) {
    const what = `tensor ${JSON.stringify(t.name)}`;
    if (t.shape.length > MAX_RANK) throw new UnsupportedError(`${what}: rank ${t.shape.length} is above ${MAX_RANK}`);
    if (t.shape.some((d) => !Number.isInteger(d) || d < 1)) throw new SlimnetError(`${what}: shape [${t.shape}] needs dims ≥ 1`);
    const elements = numel(t.shape);
    tens.u32(str(t.name));
    tens.u8(t.data ? KIND_CONSTANT : KIND_ACTIVATION);
    tens.u8(DTYPE_F32);
    tens.u8(t.shape.length);
    if (t.data) {
      if (t.data.length !== elements) throw new SlimnetError(`${what}: ${t.data.length} values for shape [${t.shape}]`);
      const fixed = options.training ? undefined : t.encoding === "f16" ? 1 : t.encoding === "int8" ? 2 : t.encoding === "binary" ? ENC_BINARY : undefined;
      const layout: Layout | undefined = fixed ? { tag: fixed, param: 0, bytes: fixed === 1 ? encodeF16(t.data) : fixed === 2 ? encodeInt8(t) : encodeBinary(t) }
        : t.encoding && t.encoding !== "f32" && !options.training ? chooseLayout(t, csrBits) : undefined;
      const coded = layout && layout.tag ? layout : undefined;
      tens.u8(coded ? coded.tag : ENC_F32);
      for (let a = 0; a < MAX_RANK; a++) tens.u32(t.shape[a] ?? 0);
      wgts.padTo16();
      tens.u32(wgts.length);
      if (coded) {
        tens.u32(coded.bytes.length);
        wgts.raw(coded.bytes);
      } else {
        tens.u32(4 * elements);
        // Through u32 so every bit pattern (NaN payloads too) survives.
        for (const v of new Uint32Array(t.data.buffer, t.data.byteOffset, elements)) wgts.u32(v);
      }
      tens.u32(coded ? coded.param : 0); // param
    } else {
      tens.u8(ENC_F32);
      for (let a = 0; a < MAX_RANK; a++) tens.u32(t.shape[a] ?? 0);
      tens.u32(plan.offsets.get(t.name)!);
      tens.u32(4 * elements);
      tens.u32(0); // param
    }
    tens.u32(0); // reserved
  }

  const node = new Bytes();
  node.u32(graph.nodes.length);
  for (const n of graph.nodes) {
    const where = `node ${JSON.stringify(n.name)} (${n.op})`;
    const [minIn, maxIn] = OPS[n.op].inputs;
    if (n.inputs.length < minIn || n.inputs.length > maxIn || n.outputs.length !== 1)
      throw new SlimnetError(`${where}: ${n.inputs.length} inputs and ${n.outputs.length} outputs; expected ${minIn}..${maxIn} and 1`);
    node.u32(str(n.name));
    node.u16(OPS[n.op].code);
    node.u8(n.inputs.length);
    node.u8(n.outputs.length);
    node.u32(attrWords(n));
    for (const t of [...n.inputs, ...n.outputs]) node.u32(id(t, where));
    packAttrs(n, node);
  }

  const grph = new Bytes();
  for (const [list, what] of [[graph.inputs, "graph input"], [graph.outputs, "graph output"]] as const) {
    grph.u32(list.length);
    for (const t of list) grph.u32(id(t, what));
  }

  const planBytes = new Bytes();
  planBytes.u32(plan.arenaBytes);
  for (let o = 4; o < PLAN_BYTES; o += 4) planBytes.u32(0);

  const sections: [SectionKind, Uint8Array][] = [
    ["STRS", strs.bytes()], ["TENS", tens.bytes()], ["NODE", node.bytes()],
    ["GRPH", grph.bytes()], ["PLAN", planBytes.bytes()],
  ];
  if (wgts.length) sections.push(["WGTS", wgts.bytes()]);
  const exits = options.training ? [] : graph.exits ?? [];
  if (exits.length) sections.push(["EXIT", exitSection(graph, id)]);

  const body = new Bytes();
  const tableEnd = HEADER_BYTES + ENTRY_BYTES * sections.length;
  const entries = sections.map(([kind, b]) => {
    body.padTo16();
    const offset = tableEnd + body.length;
    body.raw(b);
    return { kind, offset, length: b.length, crc: crc32(b) };
  });

  const file = new Bytes();
  file.raw(Uint8Array.from(MAGIC));
  file.u16(exits.length ? VERSION : 1); // version 1 readers still read a file without exits
  file.u16(graph.batchDynamic ? FLAG_BATCH_DYNAMIC : 0);
  file.u32(sections.length);
  file.u32(tableEnd + body.length);
  file.u32(0); // headerCrc, filled below
  file.raw(new Uint8Array(12));
  for (const e of entries) {
    file.raw(encoder.encode(e.kind));
    file.u32(e.offset);
    file.u32(e.length);
    file.u32(e.crc);
  }
  file.raw(body.bytes());
  const out = file.bytes().slice();
  const headerCrc = crc32(out.subarray(HEADER_BYTES, tableEnd), crc32(out.subarray(0, 16)));
  new DataView(out.buffer).setUint32(16, headerCrc, true);
  return out;
}

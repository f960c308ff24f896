// Plain-text tables for the CLI: numbers right-aligned with thousands separators, text left,
// an optional totals row under a rule.
export type Cell = string | number;

export const int = (n: number): string => Math.round(n).toLocaleString("en-US");

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(2)} MB`;
}

export const shape = (dims: readonly number[]): string => `[${dims.join(",")}]`;

const text = (c: Cell): string => (typeof c === "number" ? int(c) : c);

export function table(header: readonly string[], rows: readonly Cell[][], totals?: readonly Cell[]): string {
  const all = [header, ...rows, ...(totals ? [totals] : [])].map((r) => r.map(text));
  const widths = header.map((_, k) => Math.max(...all.map((r) => (r[k] ?? "").length)));
  // a column is right-aligned when every body cell in it is a number
  const right = header.map((_, k) => rows.length > 0 && rows.every((r) => typeof r[k] === "number"));
  const line = (r: string[]): string =>
    r.map((c, k) => (right[k] ? c.padStart(widths[k]) : c.padEnd(widths[k]))).join("  ").trimEnd();
  const rule = widths.map((w) => "─".repeat(w)).join("  ");
  const out = [line(all[0]), rule, ...all.slice(1, 1 + rows.length).map(line)];
  if (totals) out.push(rule, line(all[all.length - 1]));
  return out.join("\n");
}

// bench/results.svg: one panel per measure, one group of bars per model, one bar per runtime,
// each labelled with its value. Plain SVG text, no dependencies.
import { NAMES, type Cell, type Results } from "./report.js";
import type { PeerName } from "./peers/peer.js";

const COLORS: Record<PeerName, string> = { slimnet: "#2a9d8f", ort: "#8d99ae", tfjs: "#e9c46a" };

type Value = (r: Results, model: string, p: PeerName) => number | undefined;

interface Panel {
  title: string;
  value: Value;
  show(x: number): string;
  /** The single group of a panel that does not depend on the model. */
  once?: string;
}

const perModel = (f: (c: Cell) => number): Value => (r, model, p) => {
  const c = r.models[model]?.peers[p];
  return c && !("error" in c) ? f(c) : undefined;
};
const rounded = (x: number): string => (x < 100 ? x.toFixed(1) : Math.round(x).toLocaleString("en-US"));

const PANELS: Panel[] = [
  { title: "runtime download, JS + wasm, KB gzip (lower is better)", once: "runtime", value: (r, _m, p) => r.download[p] && r.download[p].gzip / 1024, show: rounded },
  { title: "batch 1 median latency, ms (lower is better)", value: perModel((c) => c.batch1.medianMs), show: (x) => (x < 1 ? x.toFixed(3) : x.toFixed(2)) },
  { title: "batch 64 throughput, inferences/s (higher is better)", value: perModel((c) => c.batch64.perSecond), show: (x) => Math.round(x).toLocaleString("en-US") },
  { title: "load → first result, ms (lower is better)", value: perModel((c) => c.loadMs), show: rounded },
];

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");

export function svgChart(r: Results): string {
  const peers = Object.keys(r.peers) as PeerName[];
  const models = Object.keys(r.models);
  const bar = 14, gap = 4, groupGap = 14, labelW = 90, plotW = 420, valueW = 90, panelGap = 36, top = 40;
  const groupH = peers.length * (bar + gap) + groupGap;
  const groups = (panel: Panel): string[] => (panel.once ? [panel.once] : models);
  const panelHeight = (panel: Panel): number => 24 + groups(panel).length * groupH;
  const width = labelW + plotW + valueW + 20;
  const height = top + PANELS.reduce((h, panel) => h + panelHeight(panel) + panelGap, 0);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
  ];
  peers.forEach((p, i) => {
    const x = 10 + i * 150;
    out.push(`<rect x="${x}" y="10" width="12" height="12" fill="${COLORS[p]}"/>`, `<text x="${x + 16}" y="20">${NAMES[p]}</text>`);
  });
  let y0 = top;
  for (const panel of PANELS) {
    out.push(`<text x="10" y="${y0 + 12}" font-weight="bold">${esc(panel.title)}</text>`);
    groups(panel).forEach((m, j) => {
      const values = peers.map((p) => panel.value(r, m, p));
      const max = Math.max(...values.map((v) => v ?? 0));
      const gy = y0 + 24 + j * groupH;
      out.push(`<text x="10" y="${gy + (peers.length * (bar + gap)) / 2 + 4}">${esc(m)}</text>`);
      values.forEach((v, i) => {
        const y = gy + i * (bar + gap);
        const w = v === undefined || !(max > 0) ? 0 : Math.max(1, (v / max) * plotW);
        out.push(`<rect x="${labelW}" y="${y}" width="${w.toFixed(1)}" height="${bar}" fill="${COLORS[peers[i]]}"/>`);
        out.push(`<text x="${labelW + w + 4}" y="${y + bar - 3}">${v === undefined ? "error" : panel.show(v)}</text>`);
      });
    });
    y0 += panelHeight(panel) + panelGap;
  }
  out.push("</svg>", "");
  return out.join("\n");
}

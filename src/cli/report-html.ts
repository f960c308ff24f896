// The page `slimnet report` writes: one self-contained HTML file (inline CSS, inline SVG charts,
// no scripts, no external resources). Every piece of text from the model or the command line
// goes through esc().
import type { Inspection } from "../format/inspect.js";
import { bytes, int, shape } from "./table.js";

export interface ReportAccuracy {
  /** Where the test set came from (ImageSet.source). */
  source: string;
  n: number;
  correct: number;
  /** 0..1 */
  accuracy: number;
  msPerSample: number;
  backend: string;
  /** Samples per exit, e.g. { final: n }. */
  exits: Record<string, number>;
}

export interface ReportInput {
  /** The model path as given. */
  path: string;
  kind: "onnx" | "slim";
  /** Size of the file on disk (the .onnx file when converted). */
  fileBytes: number;
  inspection: Inspection;
  accuracy?: ReportAccuracy;
}

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escapes text for HTML element content and quoted attribute values. */
export const esc = (s: string | number): string => String(s).replace(/[&<>"']/g, (c) => ENTITIES[c]);

const pct = (x: number): string => `${(100 * x).toFixed(2)} %`;

interface Bar {
  label: string;
  value: number;
  text: string;
}

/** A horizontal bar chart as inline SVG; bars scale to the largest value. */
function barChart(title: string, bars: Bar[], cls: string): string {
  const labelW = 150;
  const barW = 380;
  const textW = 130;
  const rowH = 22;
  const top = 8;
  const width = labelW + barW + textW;
  const height = top * 2 + rowH * Math.max(1, bars.length);
  const max = Math.max(0, ...bars.map((b) => b.value));
  const rows = bars.map((b, i) => {
    const y = top + i * rowH;
    const w = max > 0 ? Math.max(b.value > 0 ? 1 : 0, (b.value / max) * barW) : 0;
    return `<g><title>${esc(`${b.label}: ${b.text}`)}</title>` +
      `<text x="${labelW - 6}" y="${y + 15}" text-anchor="end">${esc(b.label)}</text>` +
      `<rect class="bar ${cls}" x="${labelW}" y="${y + 3}" width="${w.toFixed(2)}" height="${rowH - 6}" rx="2"/>` +
      `<text x="${(labelW + w + 6).toFixed(2)}" y="${y + 15}">${esc(b.text)}</text></g>`;
  });
  return `<figure><figcaption>${esc(title)}</figcaption>` +
    `<svg role="img" aria-label="${esc(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    rows.join("") + `</svg></figure>`;
}

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1d2330;background:#fafbfc;margin:0;padding:24px 32px;max-width:1040px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #dde2ea;padding-bottom:4px}
.sub{color:#5b6576;margin:0 0 16px}
dl.summary{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px;margin:0}
dl.summary div{background:#fff;border:1px solid #dde2ea;border-radius:6px;padding:8px 12px}
dt{color:#5b6576;font-size:12px;text-transform:uppercase;letter-spacing:.04em}dd{margin:2px 0 0;font-size:18px;font-weight:600}
table{border-collapse:collapse;background:#fff;border:1px solid #dde2ea;width:100%}
th,td{padding:4px 10px;border-bottom:1px solid #eef1f5;text-align:left;white-space:nowrap}
th{background:#f1f4f8;font-weight:600}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
tfoot td{font-weight:600;border-top:2px solid #dde2ea}
figure{margin:12px 0}figcaption{font-weight:600;margin-bottom:4px}
svg text{font:12px system-ui,sans-serif;fill:#1d2330}
rect.bar.bytes{fill:#3b7dd8}rect.bar.macs{fill:#d8873b}rect.bar.exits{fill:#3ba86b}
footer{margin-top:32px;color:#8a93a3;font-size:12px}
`;

/** The whole page. */
export function reportHtml(r: ReportInput): string {
  const ins = r.inspection;
  const name = (l: { name: string; op: string }) => l.name || l.op;
  const cards: [string, string][] = [
    ["file", `${bytes(r.fileBytes)} (${int(r.fileBytes)} B)`],
    [".slim", `${bytes(ins.bytes)} (${int(ins.bytes)} B)`],
    ["params", int(ins.params)],
    ["MACs", int(ins.macs)],
    ["arena", `${bytes(ins.arenaBytes)} / sample`],
    ["layers", int(ins.layers.length)],
  ];
  if (r.accuracy) cards.push(["accuracy", pct(r.accuracy.accuracy)]);
  const summary = `<dl class="summary">${cards.map(([k, v]) => `<div><dt>${esc(k)}</dt><dd>${esc(v)}</dd></div>`).join("")}</dl>`;

  const io = (kind: string, list: Inspection["inputs"]) =>
    list.map((t) => `<li>${esc(kind)} <code>${esc(t.name)}</code> ${esc(shape(t.shape))}</li>`).join("");
  const rows = ins.layers.map((l) =>
    `<tr><td>${esc(name(l))}</td><td>${esc(l.op)}</td><td>${esc(shape(l.shape))}</td><td class="n">${esc(int(l.params))}</td>` +
    `<td>${esc(l.encoding || "-")}</td><td class="n">${esc(int(l.bytes))}</td><td class="n">${esc(int(l.macs))}</td></tr>`);
  const layerTable = `<table id="layers"><thead><tr><th>layer</th><th>op</th><th>output (N=1)</th><th class="n">params</th>` +
    `<th>encoding</th><th class="n">bytes</th><th class="n">MACs</th></tr></thead><tbody>${rows.join("")}</tbody>` +
    `<tfoot><tr><td>total</td><td></td><td></td><td class="n">${esc(int(ins.params))}</td><td></td>` +
    `<td class="n">${esc(int(ins.weightBytes))}</td><td class="n">${esc(int(ins.macs))}</td></tr></tfoot></table>`;
  const bytesChart = barChart("stored bytes per layer", ins.layers.map((l) => ({ label: name(l), value: l.bytes, text: bytes(l.bytes) })), "bytes");
  const macsChart = barChart("MACs per layer", ins.layers.map((l) => ({ label: name(l), value: l.macs, text: int(l.macs) })), "macs");

  let accuracy = "";
  if (r.accuracy) {
    const a = r.accuracy;
    const total = Object.values(a.exits).reduce((s, x) => s + x, 0);
    const exitBars = Object.entries(a.exits).map(([label, count]) => {
      const share = total === 0 ? 0 : count / total;
      return { label, value: share, text: `${(100 * share).toFixed(1)} % (${int(count)})` };
    });
    accuracy = `<h2>Accuracy</h2>` +
      `<p id="accuracy">top-1 accuracy <strong data-accuracy="${a.accuracy}">${esc(pct(a.accuracy))}</strong>` +
      ` (${esc(int(a.correct))} of ${esc(int(a.n))} test images of ${esc(a.source)}),` +
      ` ${esc(a.msPerSample.toFixed(4))} ms/sample in the ${esc(a.backend)} runtime</p>` +
      `<h2>Exits</h2>` + barChart("share of samples per exit", exitBars, "exits");
  }

  const title = `slimnet report: ${r.path}`;
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)}</title><style>${CSS}</style></head>
<body>
<h1>${esc(ins.name || r.path)}</h1>
<p class="sub">${esc(r.path)}${r.kind === "onnx" ? " (converted from ONNX)" : ""} · .slim v${esc(ins.version)} · ${ins.batchDynamic ? "batch-dynamic" : "fixed batch"}</p>
${summary}
<ul>${io("input", ins.inputs)}${io("output", ins.outputs)}</ul>
<h2>Layers</h2>
${layerTable}
${bytesChart}
${macsChart}
${accuracy}
<footer>generated by slimnet report</footer>
</body></html>
`;
}

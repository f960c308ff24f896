// A line chart as plain SVG text (no dependencies): one polyline with dots per series, axes with
// ticks, a legend. Used by the experiment scripts and the CLI's curves.

export interface Series {
  label: string;
  color: string;
  points: [x: number, y: number][];
}

export interface LineChartOptions {
  title: string;
  xLabel: string;
  yLabel: string;
  /** Logarithmic x axis (e.g. fraction of weights remaining). */
  logX?: boolean;
  /** Draw x from large to small (pruning goes right as weights disappear). */
  reverseX?: boolean;
  width?: number;
  height?: number;
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;");
const fmt = (v: number): string => String(+v.toPrecision(3));

/** Five round tick values across [lo, hi] (linear) or the data's own x values (log). */
function ticks(lo: number, hi: number): number[] {
  const step = 10 ** Math.floor(Math.log10((hi - lo) / 4 || 1));
  const k = [1, 2, 5, 10].find((m) => (hi - lo) / (m * step) <= 6) ?? 10;
  const out: number[] = [];
  for (let v = Math.ceil(lo / (k * step)) * k * step; v <= hi + 1e-9; v += k * step) out.push(+v.toPrecision(12));
  return out;
}

export function lineChart(series: readonly Series[], o: LineChartOptions): string {
  const W = o.width ?? 720, H = o.height ?? 420, L = 70, R = 170, T = 40, B = 56;
  const xs = series.flatMap((s) => s.points.map((p) => p[0])), ys = series.flatMap((s) => s.points.map((p) => p[1]));
  if (xs.length === 0) throw new Error(`line chart "${o.title}": no points`);
  const fx = (v: number): number => (o.logX ? Math.log10(v) : v);
  let x0 = Math.min(...xs.map(fx)), x1 = Math.max(...xs.map(fx));
  if (x0 === x1) { x0 -= 1; x1 += 1; }
  let y0 = Math.min(...ys), y1 = Math.max(...ys);
  const pad = (y1 - y0) * 0.08 || 1;
  y0 -= pad; y1 += pad;
  const px = (v: number): number => {
    const t = (fx(v) - x0) / (x1 - x0);
    return L + (o.reverseX ? 1 - t : t) * (W - L - R);
  };
  const py = (v: number): number => T + (1 - (v - y0) / (y1 - y0)) * (H - T - B);
  const xTicks = o.logX ? [...new Set(xs)].sort((a, b) => a - b) : ticks(x0, x1);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(o.title)}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#333"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#333"/>`,
    ...xTicks.map((v) => `<text x="${px(v).toFixed(1)}" y="${H - B + 16}" text-anchor="middle" font-size="10">${fmt(v)}</text>`),
    ...ticks(y0, y1).map((v) => `<line x1="${L}" y1="${py(v).toFixed(1)}" x2="${W - R}" y2="${py(v).toFixed(1)}" stroke="#eee"/>` +
      `<text x="${L - 6}" y="${(py(v) + 4).toFixed(1)}" text-anchor="end" font-size="10">${fmt(v)}</text>`),
    `<text x="${(L + W - R) / 2}" y="${H - 14}" text-anchor="middle">${esc(o.xLabel)}</text>`,
    `<text transform="translate(18 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
  ];
  series.forEach((s, i) => {
    const pts = s.points.map(([x, y]) => `${px(x).toFixed(1)},${py(y).toFixed(1)}`);
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2" points="${pts.join(" ")}"/>`);
    out.push(...pts.map((p) => `<circle cx="${p.split(",")[0]}" cy="${p.split(",")[1]}" r="3" fill="${s.color}"/>`));
    const ly = T + 10 + 20 * i;
    out.push(`<line x1="${W - R + 14}" y1="${ly}" x2="${W - R + 34}" y2="${ly}" stroke="${s.color}" stroke-width="2"/>`,
      `<text x="${W - R + 40}" y="${ly + 4}">${esc(s.label)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n") + "\n";
}

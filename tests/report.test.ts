// slimnet report: the HTML page for lenet300 with --data mnist --limit 200 is self-contained,
// names every layer, carries the same accuracy as `slimnet eval --json`, and renders in Debian's
// Chromium without console errors and with visible SVG bars. Screenshot: test-artifacts/report.png.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import { inspect } from "../src/format/inspect.js";
import { esc } from "../src/cli/report-html.js";
import { readModelFile } from "../src/cli/models.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const ARTIFACTS = join(ROOT, "test-artifacts");
const CHROMIUM = process.env.SLIMNET_CHROMIUM ?? "/usr/bin/chromium";
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];
const MODEL = join(ROOT, "data", "models", "lenet300.onnx");
const tmp = mkdtempSync(join(tmpdir(), "slimnet-report-"));

function cli(...args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ["--import", "tsx", join(ROOT, "src/cli/main.ts"), ...args], { cwd: ROOT, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

test("esc escapes the five HTML metacharacters", () => {
  assert.equal(esc(`<a href="x">'&'</a>`), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;");
});

test("report needs -o, and --limit needs --data", () => {
  assert.match(cli("report", MODEL).stderr, /report needs -o FILE\.html/);
  assert.match(cli("report", MODEL, "--limit", "5", "-o", join(tmp, "x.html")).stderr, /--limit needs --data/);
});

test("report on lenet300 --data mnist --limit 200: self-contained, every layer, eval's accuracy, renders in Chromium", { timeout: 120_000 }, async (t) => {
  const out = join(tmp, "nested", "report.html");
  const r = cli("report", MODEL, "--data", "mnist", "--limit", "200", "-o", out);
  assert.equal(r.code, 0, r.stderr);
  const html = readFileSync(out, "utf8");

  // self-contained: no external resources of any kind
  assert.doesNotMatch(html, /src\s*=\s*["']?https?:/i);
  assert.doesNotMatch(html, /<link\b/i);
  assert.doesNotMatch(html, /<script\b/i);
  assert.doesNotMatch(html, /https?:\/\//i, "no URLs at all");
  assert.doesNotMatch(html, /url\(/i, "no CSS url()");
  assert.match(html, /<svg\b/);
  assert.match(html, /<style>/);

  const ins = inspect(readModelFile(MODEL).slim);
  assert.ok(ins.layers.length > 0);
  for (const l of ins.layers) assert.ok(html.includes(`<td>${esc(l.name)}</td>`), `layer ${l.name} in the table`);

  const ev = cli("eval", MODEL, "--data", "mnist", "--limit", "200", "--json");
  assert.equal(ev.code, 0, ev.stderr);
  const { accuracy, n } = JSON.parse(ev.stdout) as { accuracy: number; n: number };
  assert.equal(n, 200);
  const m = html.match(/data-accuracy="([^"]+)"/);
  assert.ok(m, "accuracy in the page");
  assert.equal(Number(m[1]), accuracy);
  assert.ok(html.includes(`${(100 * accuracy).toFixed(2)} %`), "accuracy shown as a percentage");
  assert.match(html, /final: 100\.0 % \(200\)/, "exit histogram: the final exit takes every sample");

  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: this test needs Debian's Chromium; install it with \`apt-get install -y chromium\``);
  const { chromium } = await import("playwright-core");
  const context = await chromium.launchPersistentContext(join(tmp, "profile"), {
    executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1100, height: 900 }, deviceScaleFactor: 1,
  });
  const problems: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (msg) => { if (msg.type() === "error") problems.push(`console error: ${msg.text()}`); });
    page.on("request", (req) => { if (!req.url().startsWith("file:")) problems.push(`request: ${req.url()}`); });
    await page.goto(pathToFileURL(out).href);
    const bars = await page.locator("svg rect.bar").evaluateAll((els) =>
      els.map((e) => { const b = e.getBoundingClientRect(); return { cls: e.getAttribute("class"), w: b.width, h: b.height }; }));
    // one bar per layer in each chart, plus the one exit bar
    assert.equal(bars.filter((b) => b.cls === "bar bytes").length, ins.layers.length);
    assert.equal(bars.filter((b) => b.cls === "bar macs").length, ins.layers.length);
    assert.equal(bars.filter((b) => b.cls === "bar exits").length, 1);
    for (const b of bars) assert.ok(b.w > 0 && b.h > 0, `bar ${b.cls} has size ${b.w}×${b.h}`);
    mkdirSync(ARTIFACTS, { recursive: true });
    const shot = join(ARTIFACTS, "report.png");
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`screenshot: ${shot}`);
    t.diagnostic(`screenshot ${shot}`);
  } finally {
    await context.close();
  }
  assert.deepEqual(problems, [], "no page errors, console errors or non-file requests");
});

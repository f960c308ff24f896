// End to end in a real browser: examples/browser/ served from 127.0.0.1, Debian's Chromium
// driven by playwright-core. Draws a 1, a 7 (two strokes) and a 0 with the mouse and a 4 by
// touch, asserts the predicted class, and checks the page against Node on the same pixels: the
// page's 28×28 input equals preprocess.js run in Node on the page's canvas ink, and Model.run in
// Node on those 784 pixels gives the page's logits bit for bit (probabilities within 1e-12:
// Math.exp's last bit may differ between V8s). Screenshots go to test-artifacts/ (gitignored);
// their paths are printed.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { test } from "node:test";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Page } from "playwright-core";
import { Model } from "../src/runtime/index.js";
import { serveStatic } from "./helpers/static-server.js";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const EXAMPLE = join(ROOT, "examples", "browser");
const ARTIFACTS = join(ROOT, "test-artifacts");
const CHROMIUM = process.env.SLIMNET_CHROMIUM ?? "/usr/bin/chromium";
// As root in a closed network (docs: /work/shared/TOOLCHAIN.md); the profile is a fresh
// user-data-dir given to launchPersistentContext.
const FLAGS = [
  "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

interface PageResult {
  strokes: number;
  input: number[];
  logits: number[];
  probabilities: number[];
  class: number;
  exit: string;
  ms: number;
  backend: string;
}

declare global {
  interface Window {
    __slimnetReady?: boolean;
    __slimnetError?: string;
    __slimnetLast?: PageResult | null;
    __slimnetInk?: () => { width: number; height: number; ink: number[] };
  }
}

interface Preprocess {
  toMnist(ink: Float32Array, width: number, height: number): { pixels: Float32Array } | null;
  softmax(logits: ArrayLike<number>): number[];
}

type Stroke = Array<[number, number]>;

/** Strokes in pad coordinates (0–280). */
const DIGITS: Array<{ digit: number; strokes: Stroke[] }> = [
  { digit: 1, strokes: [[[146, 45], [134, 235]]] },
  { digit: 7, strokes: [[[75, 60], [205, 60]], [[205, 60], [170, 130], [125, 235]]] },
  {
    digit: 0,
    strokes: [Array.from({ length: 49 }, (_, i): [number, number] => {
      const a = (i / 48) * 2 * Math.PI - Math.PI / 2;
      return [140 + 58 * Math.cos(a), 140 + 88 * Math.sin(a)];
    })],
  },
];

/** Draws with page.mouse, or with touch events through CDP (a finger on a touch screen). */
async function draw(page: Page, strokes: Stroke[], by: "mouse" | "touch" = "mouse"): Promise<void> {
  const box = await page.locator("#pad").boundingBox();
  assert.ok(box, "the drawing pad is not visible");
  const at = ([x, y]: [number, number]): [number, number] => [box.x + (x * box.width) / 280, box.y + (y * box.height) / 280];
  const cdp = by === "touch" ? await page.context().newCDPSession(page) : undefined;
  const touch = (type: "touchStart" | "touchMove" | "touchEnd", p?: [number, number]): Promise<unknown> =>
    cdp!.send("Input.dispatchTouchEvent", { type, touchPoints: p ? [{ x: p[0], y: p[1] }] : [] });
  for (const stroke of strokes) {
    if (cdp) await touch("touchStart", at(stroke[0]));
    else {
      await page.mouse.move(...at(stroke[0]));
      await page.mouse.down();
    }
    for (let i = 1; i < stroke.length; i++) {
      const [x0, y0] = stroke[i - 1], [x1, y1] = stroke[i];
      const steps = Math.max(1, Math.ceil(Math.hypot(x1 - x0, y1 - y0) / 10));
      if (!cdp) await page.mouse.move(...at(stroke[i]), { steps });
      else for (let k = 1; k <= steps; k++) await touch("touchMove", at([x0 + ((x1 - x0) * k) / steps, y0 + ((y1 - y0) * k) / steps]));
    }
    if (cdp) await touch("touchEnd");
    else await page.mouse.up();
  }
  await cdp?.detach();
}

test("browser example in Debian Chromium: drawn digits are recognised, and equal Node's run on the same pixels", { timeout: 90_000 }, async (t) => {
  assert.ok(existsSync(CHROMIUM),
    `${CHROMIUM} is missing: this test needs Debian's Chromium; install it with \`apt-get install -y chromium\``);
  const started = performance.now();
  const tmp = mkdtempSync(join(tmpdir(), "slimnet-e2e-browser-"));
  const cli = join(ROOT, "dist", "cli.js");
  assert.ok(existsSync(cli), "dist/cli.js is missing: run `npm run build` first");
  const slimPath = join(tmp, "lenet5.slim");
  execFileSync(process.execPath, [cli, "convert", join(ROOT, "data", "models", "lenet5.onnx"), "-o", slimPath], { cwd: ROOT });
  // The page loads the build itself: dist/slimnet.iife.js (SIMD wasm inlined, global `slimnet`).
  const iife = join(ROOT, "dist", "slimnet.iife.js");
  assert.ok(existsSync(iife), "dist/slimnet.iife.js is missing: run `npm run build` first");
  copyFileSync(iife, join(tmp, "slimnet.iife.js"));
  const prep = (await import(pathToFileURL(join(EXAMPLE, "preprocess.js")).href)) && (globalThis as unknown as { mnistPreprocess: Preprocess }).mnistPreprocess;
  const nodeModel = await Model.load(readFileSync(slimPath));
  const server = await serveStatic([tmp, EXAMPLE]);
  mkdirSync(ARTIFACTS, { recursive: true });

  const { chromium } = await import("playwright-core");
  const t0 = performance.now();
  const context = await chromium.launchPersistentContext(join(tmp, "profile"), {
    executablePath: CHROMIUM,
    headless: true,
    args: FLAGS,
    viewport: { width: 800, height: 560 },
    deviceScaleFactor: 1,
    hasTouch: true,
  });
  const launchMs = performance.now() - t0;
  const problems: string[] = [];
  try {
    const page = context.pages()[0] ?? (await context.newPage());
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("console", (m) => { if (m.type() === "error") problems.push(`console error: ${m.text()}`); });
    const t1 = performance.now();
    await page.goto(server.url);
    await page.waitForFunction(() => window.__slimnetReady === true || window.__slimnetError !== undefined, null, { timeout: 20_000 });
    const loadError = await page.evaluate(() => window.__slimnetError);
    assert.equal(loadError, undefined, `the page could not load the model: ${loadError}`);
    const loadMs = performance.now() - t1;
    t.diagnostic(`dist/slimnet.iife.js (${(statSync(iife).size / 1024).toFixed(1)} KB); Chromium ${context.browser()?.version() ?? "?"} launched in ${launchMs.toFixed(0)} ms, page + model ready in ${loadMs.toFixed(0)} ms`);

    for (const { digit, strokes } of DIGITS) {
      await t.test(`a drawn ${digit} (${strokes.length} stroke${strokes.length > 1 ? "s" : ""})`, async () => {
        await page.click("#clear");
        assert.equal(await page.textContent("#digit"), "–", "Clear resets the prediction");
        await draw(page, strokes);
        await page.waitForFunction((n) => window.__slimnetLast?.strokes === n, strokes.length, { timeout: 5_000 });
        const got = (await page.evaluate(() => window.__slimnetLast)) as PageResult;
        const shot = join(ARTIFACTS, `browser-${digit}.png`);
        await page.screenshot({ path: shot });
        t.diagnostic(`drew ${digit}: page says ${got.class} (p=${got.probabilities[got.class].toFixed(4)}), exit ${got.exit}, ` +
          `${got.ms.toFixed(2)} ms in the page (${got.backend}); screenshot ${relative(ROOT, shot)}`);

        assert.equal(got.class, digit, `drew a ${digit}, the page predicted ${got.class} (probabilities ${got.probabilities.map((p) => p.toFixed(3)).join(" ")})`);
        assert.equal(await page.textContent("#digit"), String(digit));
        assert.equal(await page.textContent("#exit"), got.exit);
        assert.equal(got.exit, "final");
        assert.match((await page.textContent("#latency")) ?? "", /^\d+(\.\d+)? ms$/);
        assert.equal(await page.locator("#bars li").count(), 10);
        assert.ok(got.input.length === 784 && got.input.some((v) => v > 0.5), "the 28×28 input has ink");

        // Same pixels in Node: the page's preprocessing of its own canvas …
        const { width, height, ink } = await page.evaluate(() => window.__slimnetInk!());
        const mine = prep.toMnist(new Float32Array(ink), width, height);
        assert.ok(mine);
        assert.deepEqual(got.input, Array.from(mine.pixels), "the page's 28×28 equals preprocess.js in Node on the page's ink");
        // … and the model: bit-identical logits, identical softmax.
        const logits = nodeModel.run({ [nodeModel.inputs[0].name]: Float32Array.from(got.input) }).logits.data;
        assert.deepEqual(got.logits, Array.from(logits), "the page's logits equal Node's Model.run on the same pixels");
        // Math.exp may differ in the last bit between Node's V8 and Chromium's: within 1e-12 relative.
        const want = prep.softmax(logits);
        assert.equal(got.probabilities.length, 10);
        got.probabilities.forEach((p, k) => assert.ok(Math.abs(p - want[k]) <= 1e-12 * want[k],
          `probability of ${k}: page ${p}, Node ${want[k]}`));
      });
    }

    await t.test("a 4 drawn by touch (two strokes)", async () => {
      await page.click("#clear");
      await draw(page, [[[150, 40], [75, 170], [215, 170]], [[180, 95], [180, 245]]], "touch");
      await page.waitForFunction(() => window.__slimnetLast?.strokes === 2, null, { timeout: 5_000 });
      const got = (await page.evaluate(() => window.__slimnetLast)) as PageResult;
      const shot = join(ARTIFACTS, "browser-touch-4.png");
      await page.screenshot({ path: shot });
      t.diagnostic(`touch 4: page says ${got.class} (p=${got.probabilities[got.class].toFixed(4)}); screenshot ${relative(ROOT, shot)}`);
      assert.equal(got.class, 4, `drew a 4 by touch, the page predicted ${got.class}`);
      const logits = nodeModel.run({ [nodeModel.inputs[0].name]: Float32Array.from(got.input) }).logits.data;
      assert.deepEqual(got.logits, Array.from(logits));
    });

    const final = join(ARTIFACTS, "browser.png");
    await page.screenshot({ path: final });
    console.log(`screenshot: ${final}`);
    assert.deepEqual(problems, [], "no page errors, no console errors");
    assert.ok(!server.log.some((l) => !l.startsWith("200 ")), `every request served: ${server.log.join(", ")}`);
  } finally {
    await context.close();
    await server.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  t.diagnostic(`browser e2e total ${((performance.now() - started) / 1000).toFixed(1)} s`);
});

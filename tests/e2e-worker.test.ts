// examples/worker end to end in real workerd: `wrangler deploy --dry-run` makes the exact bundle
// that would be uploaded (its [build] step converts lenet5.onnx → .slim), miniflare's API runs it
// in workerd on 127.0.0.1, and plain HTTP requests check predictions (against the labels and
// against Node's Model.run on the same pixels), PNG input, every error answer, and 1,000
// sequential requests without memory growth: the isolate's JS heap after a forced GC (through
// workerd's inspector) and the workerd process's RSS.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { deflateSync } from "node:zlib";
import { Miniflare } from "miniflare";
import { WebSocket } from "undici";
import { convertOnnx } from "../src/cli/models.js";
import { loadImageSet } from "../src/data/mnist.js";
import { crc32 } from "../src/format/crc32.js";
import { Model } from "../src/runtime/index.js";

const EXAMPLE = "examples/worker";
const KNOWN = 32; // test images 0..31, checked by label and against Node
const SEQUENTIAL = 1000;
const WARMUP = 100;
const HEAP_GROWTH_LIMIT_KB = 256; // the isolate's used JS heap after GC, after 1,000 requests vs after the warm-up
// workerd's own RSS (HTTP, allocator, miniflare's entry worker) creeps ~3–7 MB per 1,000 requests
// even on a 404 route that never touches the model; the bound only catches gross leaks.
const RSS_GROWTH_LIMIT_MB = 32;

const testSet = loadImageSet("mnist", "test");
const image = (i: number): Float32Array => testSet.images.slice(i * 784, (i + 1) * 784);
const gray8 = (i: number): Uint8Array<ArrayBuffer> => Uint8Array.from(image(i), (v) => Math.round(v * 255));

let outdir = "";
let mf: Miniflare | undefined;
let base: URL;
let workerdPid = 0;
let nodeModel: Model;
let inspector: WebSocket | undefined;
let cdpId = 0;

interface Prediction {
  class: number;
  probabilities: number[];
  exit: string;
  ms: number;
}

/** The Worker's softmax, repeated here so Node's answer is computed the same way. */
function softmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

function nodePredict(pixels: Float32Array): { class: number; probabilities: number[] } {
  const input = nodeModel.inputs[0].name, output = nodeModel.outputs[0].name;
  const probabilities = softmax(nodeModel.run({ [input]: pixels })[output].data);
  return { class: probabilities.indexOf(Math.max(...probabilities)), probabilities };
}

/** workerd started by miniflare is a direct child of this test process. */
function childWorkerd(): number {
  for (const pid of readdirSync("/proc").filter((p) => /^\d+$/.test(p))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"));
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid === process.pid && comm === "workerd") return Number(pid);
    } catch { /* the process ended meanwhile */ }
  }
  throw new Error("no workerd child process found");
}

/** The isolate's heap after a full GC, through workerd's inspector (Chrome DevTools Protocol). */
async function isolateHeap(): Promise<{ usedSize: number; backingStorageSize: number }> {
  if (!inspector) {
    // The inspector proxy accepts DevTools clients from localhost origins only.
    const ws = new WebSocket(new URL("/slimnet", await mf!.getInspectorURL()), { headers: { origin: "http://localhost" } });
    await new Promise((resolve, reject) => {
      ws.addEventListener("open", resolve);
      ws.addEventListener("error", () => reject(new Error("cannot connect to workerd's inspector")));
      ws.addEventListener("close", () => reject(new Error("workerd's inspector closed the connection")));
    });
    inspector = ws;
  }
  const ws = inspector;
  const call = (method: string) => new Promise<{ result: Record<string, number> }>((resolve) => {
    const mine = ++cdpId;
    const onMessage = (event: { data: unknown }) => {
      const message = JSON.parse(String(event.data)) as { id?: number; result: Record<string, number> };
      if (message.id !== mine) return;
      ws.removeEventListener("message", onMessage);
      resolve(message);
    };
    ws.addEventListener("message", onMessage);
    ws.send(JSON.stringify({ id: mine, method }));
  });
  // workerd runs the requested GC when the isolate next runs: poke it with requests until done.
  let collected = false;
  const gc = call("HeapProfiler.collectGarbage").then(() => (collected = true));
  for (let poke = 0; !collected; poke++) {
    assert.ok(poke < 200, "the inspector never finished HeapProfiler.collectGarbage");
    await (await fetch(new URL("/gc-poke", base))).text();
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  await gc;
  const { usedSize, backingStorageSize } = (await call("Runtime.getHeapUsage")).result;
  return { usedSize, backingStorageSize };
}

const rssKb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))![1]);

function post(body: BodyInit, type?: string, path = "/predict"): Promise<Response> {
  return fetch(new URL(path, base), { method: "POST", body, headers: type ? { "content-type": type } : {} });
}

async function predict(body: BodyInit, type: string): Promise<Prediction> {
  const response = await post(body, type);
  const text = await response.text();
  assert.equal(response.status, 200, text);
  assert.match(response.headers.get("content-type") ?? "", /^application\/json/);
  return JSON.parse(text) as Prediction;
}

/** A PNG of a 28×28 image; row y uses filter y % 5 so the Worker undoes all five filters. */
function png(gray: Uint8Array, color: 0 | 6, options: { width?: number; height?: number; depth?: number; colorType?: number } = {}): Uint8Array<ArrayBuffer> {
  const width = options.width ?? 28, height = options.height ?? 28, bpp = color === 6 ? 4 : 1;
  const stride = width * bpp;
  const pixels = new Uint8Array(height * stride);
  for (let p = 0; p < width * height; p++) {
    if (color === 6) pixels.set([gray[p], gray[p], gray[p], 255], p * 4);
    else pixels[p] = gray[p];
  }
  const raw = new Uint8Array(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = y % 5, row = y * (stride + 1);
    raw[row] = f;
    for (let i = 0; i < stride; i++) {
      const x = pixels[y * stride + i];
      const a = i >= bpp ? pixels[y * stride + i - bpp] : 0;
      const b = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      const c = y > 0 && i >= bpp ? pixels[(y - 1) * stride + i - bpp] : 0;
      const pa = Math.abs(b - c), pb = Math.abs(a - c), pc = Math.abs(a + b - 2 * c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      raw[row + 1 + i] = (x - pred) & 255;
    }
  }
  const chunk = (type: string, data: Uint8Array): Uint8Array => {
    const out = new Uint8Array(12 + data.length);
    const view = new DataView(out.buffer);
    view.setUint32(0, data.length);
    out.set(Buffer.from(type, "latin1"), 4);
    out.set(data, 8);
    view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, width);
  new DataView(ihdr.buffer).setUint32(4, height);
  ihdr.set([options.depth ?? 8, options.colorType ?? color, 0, 0, 0], 8);
  return Buffer.concat([
    Uint8Array.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk("IHDR", ihdr),
    chunk("IDAT", deflateSync(raw)),
    chunk("IEND", new Uint8Array(0)),
  ]);
}

const stats = (ms: number[]): string => {
  const s = [...ms].sort((a, b) => a - b);
  const mean = s.reduce((a, b) => a + b, 0) / s.length;
  return `mean ${mean.toFixed(2)} ms, p50 ${s[s.length >> 1].toFixed(2)} ms, p95 ${s[Math.floor(s.length * 0.95)].toFixed(2)} ms`;
};

before(async () => {
  const t0 = performance.now();
  nodeModel = await Model.load(convertOnnx(readFileSync("data/models/lenet5.onnx")));
  outdir = mkdtempSync(join(tmpdir(), "slimnet-worker-"));
  const env = { ...process.env, WRANGLER_SEND_METRICS: "false", NO_COLOR: "1", CI: "1" };
  execFileSync(join(process.cwd(), "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
    cwd: EXAMPLE, env, stdio: ["ignore", "pipe", "pipe"],
  });
  const t1 = performance.now();
  // The bundle's modules, entry first. Listed explicitly: miniflare's own module walker rejects
  // a computed `import(name)`, which the runtime has on its Node-only path (never taken in workerd).
  const files = readdirSync(outdir).filter((f) => /\.(js|wasm|slim)$/.test(f)).sort((a, b) => Number(b === "index.js") - Number(a === "index.js"));
  assert.equal(files[0], "index.js", `wrangler wrote ${files.join(", ")}`);
  const type = (f: string) => (f.endsWith(".js") ? "ESModule" : f.endsWith(".wasm") ? "CompiledWasm" : "Data") as "ESModule";
  mf = new Miniflare({
    name: "slimnet",
    modules: files.map((f) => ({ type: type(f), path: join(outdir, f), contents: readFileSync(join(outdir, f)) })),
    modulesRoot: outdir,
    compatibilityDate: "2026-04-01",
    host: "127.0.0.1",
    port: 0,
    inspectorPort: 0, // on 127.0.0.1: only for the isolate's heap numbers
    unsafeInspectorProxy: true,
  });
  base = await mf.ready;
  workerdPid = childWorkerd();
  const sizes = files.map((f) => `${f.replace(/^[0-9a-f]{40}-/, "")} ${(readFileSync(join(outdir, f)).length / 1024).toFixed(1)} KB`);
  console.log(`worker bundle (wrangler deploy --dry-run, ${(t1 - t0).toFixed(0)} ms): ${sizes.join(", ")}`);
  console.log(`workerd pid ${workerdPid} listening on ${base.href} (started in ${(performance.now() - t1).toFixed(0)} ms)`);
});

after(async () => {
  inspector?.close();
  await mf?.dispose();
  if (outdir) rmSync(outdir, { recursive: true, force: true });
  if (workerdPid) {
    let alive = true;
    try {
      process.kill(workerdPid, 0);
    } catch {
      alive = false;
    }
    if (alive) process.kill(workerdPid, "SIGKILL");
    assert.equal(alive, false, `workerd ${workerdPid} outlived mf.dispose()`);
  }
});

test(`workerd: ${KNOWN} MNIST test images predict their label, equal to Node's Model.run`, async () => {
  const times: number[] = [];
  const first = await predict(JSON.stringify(Array.from(image(0))), "application/json");
  console.log(`first request (model load in the isolate + first run): ${JSON.stringify(first.ms)} ms reported`);
  for (let i = 0; i < KNOWN; i++) {
    const pixels = Array.from(image(i));
    const body = JSON.stringify(i % 2 ? { pixels } : pixels); // both accepted forms
    const t = performance.now();
    const got = await predict(body, i % 3 ? "application/json" : "application/json; charset=utf-8");
    times.push(performance.now() - t);
    const want = nodePredict(image(i));
    assert.equal(got.class, testSet.labels[i], `image ${i}: label ${testSet.labels[i]}, worker says ${got.class}`);
    assert.equal(got.class, want.class, `image ${i}: Node says ${want.class}`);
    assert.deepEqual(got.probabilities, want.probabilities, `image ${i}: probabilities differ from Node's`);
    assert.equal(got.exit, "final");
    assert.ok(typeof got.ms === "number" && got.ms >= 0);
  }
  console.log(`${KNOWN} JSON predictions: round trip ${stats(times)}`);
});

test("workerd: PNG input (grayscale and RGBA, all five row filters) equals the JSON answer", async () => {
  for (let i = 0; i < 5; i++) {
    const want = nodePredict(Float32Array.from(gray8(i), (v) => v / 255));
    for (const color of [0, 6] as const) {
      const got = await predict(png(gray8(i), color), "image/png");
      assert.equal(got.class, testSet.labels[i], `PNG (color type ${color}) of image ${i}`);
      assert.deepEqual(got.probabilities, want.probabilities, `PNG (color type ${color}) of image ${i}`);
    }
  }
});

test("workerd: malformed input gets 400 with a JSON error (405 / 404 / 413 elsewhere)", async () => {
  const ok = JSON.stringify(Array.from(image(0)));
  const good = png(gray8(0), 0);
  const corrupt = good.slice();
  corrupt.fill(0x55, 60, 90); // inside the IDAT data: inflate or its Adler-32 check fails
  const numbers = (n: number) => JSON.stringify(new Array(n).fill(0));
  const cases: [string, () => Promise<Response>, number, RegExp][] = [
    ["bad JSON", () => post(ok.slice(0, -1), "application/json"), 400, /not valid JSON/],
    ["783 pixels", () => post(numbers(783), "application/json"), 400, /expected 784 pixels \(28×28\), got 783/],
    ["785 pixels", () => post(JSON.stringify({ pixels: new Array(785).fill(0) }), "application/json"), 400, /got 785/],
    ["28×28 nested", () => post(JSON.stringify(new Array(28).fill(new Array(28).fill(0))), "application/json"), 400, /got 28/],
    ["a string pixel", () => post(ok.replace(/^\[[^,]+/, '["0.5"'), "application/json"), 400, /pixels\[0\] is not a finite number \(got "0.5"\)/],
    ["null (NaN)", () => post(JSON.stringify([...new Array(783).fill(0), NaN]), "application/json"), 400, /pixels\[783\] is not a finite number \(got null\)/],
    ["1e999 (Infinity)", () => post(`[0,1e999${",0".repeat(782)}]`, "application/json"), 400, /pixels\[1\] is not a finite number/],
    ["1e39 (beyond float32)", () => post(`[1e39${",0".repeat(783)}]`, "application/json"), 400, /pixels\[0\] is not a finite number/],
    ["object without pixels", () => post(JSON.stringify({ data: [] }), "application/json"), 400, /expected a JSON array of 784 numbers or \{ "pixels"/],
    ["JSON null", () => post("null", "application/json"), 400, /expected a JSON array/],
    ["empty body", () => post("", "application/json"), 400, /empty body/],
    ["text/plain", () => post(ok, "text/plain"), 400, /unsupported content-type "text\/plain"/],
    ["no content-type", () => post(new TextEncoder().encode(ok)), 400, /unsupported content-type ""/],
    ["PNG: not a PNG", () => post(ok, "image/png"), 400, /not a PNG/],
    ["PNG: truncated", () => post(good.subarray(0, 80), "image/png"), 400, /truncated PNG/],
    ["PNG: corrupt data", () => post(corrupt, "image/png"), 400, /PNG image data (is corrupt|inflates)/],
    ["PNG: 27×27", () => post(png(new Uint8Array(729), 0, { width: 27, height: 27 }), "image/png"), 400, /PNG is 27×27; expected 28×28/],
    ["PNG: palette", () => post(png(gray8(0), 0, { colorType: 3 }), "image/png"), 400, /color type 3 is not supported/],
    ["PNG: 16-bit", () => post(png(gray8(0), 0, { depth: 16 }), "image/png"), 400, /bit depth 16 is not supported/],
    ["too large", () => post(`[${"0,".repeat(200_000)}0]`, "application/json"), 413, /body too large/],
    ["GET /predict", () => fetch(new URL("/predict", base)), 405, /method GET not allowed/],
    ["PUT /predict", () => fetch(new URL("/predict", base), { method: "PUT", body: ok }), 405, /method PUT not allowed/],
    ["POST /", () => post(ok, "application/json", "/"), 404, /not found: \//],
    ["POST /predict/x", () => post(ok, "application/json", "/predict/x"), 404, /not found/],
  ];
  for (const [name, send, status, message] of cases) {
    const response = await send();
    const text = await response.text();
    assert.equal(response.status, status, `${name}: ${text}`);
    assert.match(response.headers.get("content-type") ?? "", /^application\/json/, name);
    const body = JSON.parse(text) as { error?: unknown };
    assert.deepEqual(Object.keys(body), ["error"], `${name}: ${text}`);
    assert.match(String(body.error), message, `${name}: ${text}`);
    if (status === 405) assert.equal(response.headers.get("allow"), "POST");
  }
  // The isolate still answers after all of that.
  assert.equal((await predict(ok, "application/json")).class, testSet.labels[0]);
  console.log(`${cases.length} malformed requests answered with JSON errors`);
});

test(`workerd: ${SEQUENTIAL} sequential requests, isolate heap growth < ${HEAP_GROWTH_LIMIT_KB} KB, workerd RSS growth < ${RSS_GROWTH_LIMIT_MB} MB`, async () => {
  const bodies = Array.from({ length: 50 }, (_, i) => JSON.stringify(Array.from(image(i))));
  const want = Array.from({ length: 50 }, (_, i) => nodePredict(image(i)).class);
  const pngBody = png(gray8(7), 0);
  const send = async (k: number): Promise<[number, number]> => {
    const i = k % 50;
    const isPng = k % 10 === 9;
    const t = performance.now();
    const got = await predict(isPng ? pngBody : bodies[i], isPng ? "image/png" : "application/json");
    const ms = performance.now() - t;
    assert.equal(got.class, isPng ? want[7] : want[i], `request ${k}`);
    return [ms, got.ms];
  };
  for (let k = 0; k < WARMUP; k++) await send(k);
  const heap0 = await isolateHeap();
  const rss0 = rssKb(workerdPid);
  const times: number[] = [], reported: number[] = [];
  const t0 = performance.now();
  for (let k = 0; k < SEQUENTIAL; k++) {
    const [ms, inWorker] = await send(k);
    times.push(ms);
    reported.push(inWorker);
  }
  const total = performance.now() - t0;
  const heap1 = await isolateHeap();
  const rss1 = rssKb(workerdPid);
  const growthMb = (rss1 - rss0) / 1024;
  const heapGrowthKb = (heap1.usedSize - heap0.usedSize) / 1024;
  console.log(`${SEQUENTIAL} sequential requests (1 in 10 a PNG) in ${(total / 1000).toFixed(2)} s: round trip ${stats(times)}; ` +
    `in-worker ms (workerd's coarse clock) mean ${(reported.reduce((a, b) => a + b, 0) / reported.length).toFixed(2)}`);
  console.log(`workerd RSS: ${(rss0 / 1024).toFixed(1)} MB after ${WARMUP} warm-up requests → ${(rss1 / 1024).toFixed(1)} MB after ${SEQUENTIAL} more ` +
    `(growth ${growthMb.toFixed(1)} MB, limit ${RSS_GROWTH_LIMIT_MB} MB)`);
  console.log(`isolate JS heap after GC: ${(heap0.usedSize / 1024).toFixed(1)} KB → ${(heap1.usedSize / 1024).toFixed(1)} KB ` +
    `(growth ${heapGrowthKb.toFixed(1)} KB, limit ${HEAP_GROWTH_LIMIT_KB} KB); array buffers ${heap0.backingStorageSize} → ${heap1.backingStorageSize} bytes`);
  assert.ok(heapGrowthKb < HEAP_GROWTH_LIMIT_KB, `isolate heap grew ${heapGrowthKb.toFixed(1)} KB`);
  assert.equal(heap1.backingStorageSize, heap0.backingStorageSize, "array buffer memory changed");
  assert.ok(growthMb < RSS_GROWTH_LIMIT_MB, `workerd RSS grew ${growthMb.toFixed(1)} MB`);
});

// slimnet MNIST classifier as a Cloudflare Worker: POST /predict with 784 floats (JSON) or a
// 28×28 PNG → { class, probabilities, exit, ms }. The model is loaded once per isolate.
// "slimnet" resolves through the package's `workerd` export condition to dist/slimnet.workerd.mjs,
// which imports runtime.simd.wasm as a compiled WebAssembly.Module (Workers cannot compile wasm
// from bytes). Inside this repository that is a self-reference; elsewhere, `npm install slimnet`.
import { Model } from "slimnet";
// The model comes in as raw bytes (the Data rule in wrangler.toml).
import slim from "../model/lenet5.slim";
import { decodePng, PngError } from "./png.js";

const SIDE = 28;
const PIXELS = SIDE * SIDE;
const MAX_BODY = 256 * 1024; // 784 floats printed at full precision take ~20 KB

class BadRequest extends Error {
  constructor(message: string, readonly status = 400) {
    super(message);
  }
}

let loading: Promise<Model> | undefined;
/** One Model per isolate; a failed load is retried by the next request. */
function model(): Promise<Model> {
  loading ??= Model.load(slim).catch((e) => {
    loading = undefined;
    throw e;
  });
  return loading;
}

const json = (status: number, body: unknown, headers: Record<string, string> = {}): Response =>
  new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json", ...headers } });

export default {
  async fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname !== "/predict") return json(404, { error: `not found: ${pathname} (use POST /predict)` });
    if (request.method !== "POST") {
      return json(405, { error: `method ${request.method} not allowed (use POST /predict)` }, { allow: "POST" });
    }
    try {
      const pixels = await readPixels(request);
      const net = await model();
      const t0 = performance.now();
      const logits = net.run({ [net.inputs[0].name]: pixels })[net.outputs[0].name].data;
      const probabilities = softmax(logits);
      const ms = performance.now() - t0;
      return json(200, { class: argmax(probabilities), probabilities, exit: "final", ms });
    } catch (e) {
      if (e instanceof BadRequest) return json(e.status, { error: e.message });
      if (e instanceof PngError) return json(400, { error: e.message });
      return json(500, { error: `internal error: ${(e as Error).message}` });
    }
  },
};

/** The body as 784 float32 pixels (MNIST layout: row-major, white digit on black, 0..1). */
async function readPixels(request: Request): Promise<Float32Array> {
  const type = (request.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/json" && type !== "image/png") {
    throw new BadRequest(`unsupported content-type "${type}": send application/json (784 numbers) or image/png (28×28)`);
  }
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY) throw new BadRequest(`body too large (${declared} bytes; limit ${MAX_BODY})`, 413);
  const body = new Uint8Array(await request.arrayBuffer());
  if (body.length > MAX_BODY) throw new BadRequest(`body too large (${body.length} bytes; limit ${MAX_BODY})`, 413);
  if (body.length === 0) throw new BadRequest("empty body: send 784 numbers (JSON) or a 28×28 PNG");
  if (type === "image/png") {
    const { gray } = await decodePng(body, SIDE, SIDE);
    const pixels = new Float32Array(PIXELS);
    for (let i = 0; i < PIXELS; i++) pixels[i] = gray[i] / 255;
    return pixels;
  }
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(body));
  } catch (e) {
    throw new BadRequest(`body is not valid JSON (${(e as Error).message})`);
  }
  const list = Array.isArray(value) ? value : (value as { pixels?: unknown } | null)?.pixels;
  if (!Array.isArray(list)) throw new BadRequest('expected a JSON array of 784 numbers or { "pixels": [784 numbers] }');
  if (list.length !== PIXELS) throw new BadRequest(`expected ${PIXELS} pixels (28×28), got ${list.length}`);
  const pixels = new Float32Array(PIXELS);
  for (let i = 0; i < PIXELS; i++) {
    const v = list[i];
    // JSON has no NaN or Infinity (JSON.stringify writes them as null; 1e999 parses to Infinity):
    // only finite numbers that fit a float32 are accepted.
    if (typeof v === "number") pixels[i] = v;
    if (typeof v !== "number" || !Number.isFinite(pixels[i])) {
      throw new BadRequest(`pixels[${i}] is not a finite number (got ${JSON.stringify(v) ?? typeof v})`);
    }
  }
  return pixels;
}

function softmax(logits: Float32Array): number[] {
  const max = Math.max(...logits);
  const exps = Array.from(logits, (v) => Math.exp(v - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((v) => v / sum);
}

const argmax = (v: number[]): number => v.indexOf(Math.max(...v));

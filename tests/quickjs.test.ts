// The embedded-engine path: dist/slimnet.mjs inside a real QuickJS (no WebAssembly, atob or
// TextDecoder) must fall back to dist/runtime.js (wasm2js) on its own and predict what the
// wasm runtime in Node predicts: the trained LeNet-5 on the first 100 MNIST test images.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import * as variant from "@jitl/quickjs-wasmfile-release-sync";
import { newQuickJSWASMModuleFromVariant } from "quickjs-emscripten-core";
import { convertOnnx } from "../src/cli/models.js";
import { loadImageSet } from "../src/data/mnist.js";
import { Model } from "../src/runtime/index.js";

const N = 100;
const MODEL = "data/models/lenet300.onnx";

// Runs in QuickJS as a module: imports resolve to files of dist/ (see the loader below).
const PROGRAM = `
import { Model } from "./slimnet.mjs";
const model = await Model.load(new Uint8Array(globalThis.slimBytes));
const images = new Float32Array(globalThis.images);
const per = images.length / ${N}, input = model.inputs[0].name, output = model.outputs[0].name;
const width = model.outputs[0].shape.reduce((a, b) => a * Math.abs(b), 1);
const logits = new Float32Array(${N} * width);
const t0 = Date.now();
for (let i = 0; i < ${N}; i++) logits.set(model.run({ [input]: images.subarray(i * per, (i + 1) * per) })[output].data, i * width);
globalThis.result = { backend: model.backend, hasWebAssembly: typeof WebAssembly !== "undefined", ms: Date.now() - t0, logits: logits.buffer };
`;

const argmax = (a: Float32Array): number => a.reduce((best, v, i) => (v > a[best] ? i : best), 0);

test(`QuickJS runs ${MODEL} through runtime.js and matches the wasm runtime on ${N} MNIST images`, async () => {
  const slim = convertOnnx(readFileSync(MODEL));
  const set = loadImageSet("mnist", "test");
  const per = set.images.length / set.n;
  const images = set.images.slice(0, N * per);

  const reference = await Model.load(slim);
  const input = reference.inputs[0].name, output = reference.outputs[0].name;
  const want = Array.from({ length: N }, (_, i) => reference.run({ [input]: images.subarray(i * per, (i + 1) * per) })[output].data);

  // The variant's CommonJS typings do not line up with the core's under NodeNext; at run time they do.
  const quickjs = await newQuickJSWASMModuleFromVariant(variant as unknown as Parameters<typeof newQuickJSWASMModuleFromVariant>[0]);
  const runtime = quickjs.newRuntime();
  runtime.setModuleLoader((name) => readFileSync(`dist/${name}`, "utf8"), (_base, name) => name.replace(/^\.\//, ""));
  const ctx = runtime.newContext();
  try {
    for (const [name, bytes] of [["slimBytes", slim], ["images", new Uint8Array(images.buffer)]] as const) {
      const handle = ctx.newArrayBuffer(bytes.slice().buffer);
      ctx.setProp(ctx.global, name, handle);
      handle.dispose();
    }
    const t0 = performance.now();
    const promise = ctx.unwrapResult(ctx.evalCode(PROGRAM, "main.mjs", { type: "module" }));
    runtime.executePendingJobs();
    const state = ctx.getPromiseState(promise);
    promise.dispose();
    if (state.type === "rejected") {
      const error = ctx.dump(state.error);
      state.error.dispose();
      assert.fail(`QuickJS: ${JSON.stringify(error)}`);
    }
    if (state.type === "fulfilled") state.value.dispose();
    assert.equal(state.type, "fulfilled", "QuickJS: the module did not finish");
    const wall = performance.now() - t0;

    const result = ctx.getProp(ctx.global, "result");
    const meta = ctx.dump(result) as { backend: string; hasWebAssembly: boolean; ms: number };
    const buffer = ctx.getProp(result, "logits");
    const logits = new Float32Array(ctx.getArrayBuffer(buffer).value.slice().buffer);
    buffer.dispose();
    result.dispose();

    assert.equal(meta.hasWebAssembly, false, "this QuickJS build has WebAssembly: the test would not prove the fallback");
    assert.equal(meta.backend, "js");
    const width = logits.length / N;
    let worst = 0;
    for (let i = 0; i < N; i++) {
      const got = logits.subarray(i * width, (i + 1) * width);
      assert.equal(argmax(got), argmax(want[i]), `image ${i}: QuickJS predicts ${argmax(got)}, wasm ${argmax(want[i])}`);
      const scale = Math.max(...want[i].map(Math.abs), 1e-6);
      for (let k = 0; k < width; k++) worst = Math.max(worst, Math.abs(got[k] - want[i][k]) / scale);
    }
    console.log(`QuickJS (wasm2js runtime.js): ${MODEL}, ${N} images in ${meta.ms} ms = ${(meta.ms / N).toFixed(1)} ms/image ` +
      `(wall incl. load ${wall.toFixed(0)} ms); worst logit difference ${worst.toExponential(2)} of the largest logit`);
    assert.ok(worst <= 1e-4, `logits differ by ${worst} (relative to each image's largest logit), over 1e-4`);
  } finally {
    ctx.dispose();
    runtime.dispose();
  }
});

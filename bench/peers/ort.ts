// onnxruntime-web 1.30 on its wasm execution provider, one thread, SIMD build: runs the ONNX
// file that src/export/onnx.ts writes from the same IR.
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type * as Ort from "onnxruntime-web";
import type { Peer } from "./peer.js";

// The package exports its wasm but not its package.json: find dist/ through the wasm.
const dist = dirname(createRequire(import.meta.url).resolve("onnxruntime-web/ort-wasm-simd-threaded.wasm"));

let runtime: Promise<typeof Ort> | undefined;
const importOrt = (): Promise<typeof Ort> =>
  (runtime ??= import("onnxruntime-web").then((m) => {
    const ort = ((m as { default?: typeof Ort }).default ?? m) as typeof Ort;
    ort.env.wasm.numThreads = 1;
    ort.env.wasm.proxy = false;
    ort.env.logLevel = "error";
    return ort;
  }));

export const ort: Peer = {
  name: "ort",
  label: "onnxruntime-web 1.30 (wasm EP, 1 thread, SIMD)",
  // A page loads ort.wasm.min.mjs, which imports the Emscripten glue and fetches the wasm.
  downloadFiles: () =>
    ["ort.wasm.min.mjs", "ort-wasm-simd-threaded.mjs", "ort-wasm-simd-threaded.wasm"].map((f) => join(dist, f)),
  async open(model) {
    const ort = await importOrt();
    const session = await ort.InferenceSession.create(model.onnx, {
      executionProviders: ["wasm"],
      graphOptimizationLevel: "all",
    });
    return {
      async run(data, shape) {
        const feeds = { [model.input]: new ort.Tensor("float32", data, shape as number[]) };
        // Outputs come back as JS-side copies of the wasm heap, like slimnet's and tfjs's.
        const out = await session.run(feeds, [model.output]);
        return out[model.output].data as Float32Array;
      },
      close: () => session.release(),
    };
  },
};

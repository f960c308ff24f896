// slimnet: the minified ESM bundle of src/runtime (bench/bundle.ts) with dist/runtime.simd.wasm,
// running the .slim file that src/format/writer.ts writes from the same IR.
import { readFile } from "node:fs/promises";
import { pathToFileURL } from "node:url";
import { SLIMNET_BUNDLE, SLIMNET_WASM } from "../bundle.js";
import type { Peer } from "./peer.js";

type Runtime = typeof import("../../src/runtime/index.js");

let runtime: Promise<Runtime> | undefined;
const importSlimnet = (): Promise<Runtime> => (runtime ??= import(pathToFileURL(SLIMNET_BUNDLE).href) as Promise<Runtime>);

export const slimnet: Peer = {
  name: "slimnet",
  label: "slimnet (runtime.simd.wasm + minified ESM of src/runtime)",
  downloadFiles: () => [SLIMNET_BUNDLE, SLIMNET_WASM],
  async open(model) {
    const { Model } = await importSlimnet();
    // The wasm is read inside the timed region, as the other runtimes read theirs.
    const net = await Model.load(model.slim, { ...model.load, wasm: await readFile(SLIMNET_WASM) });
    return {
      run: (data, shape) => net.run({ [model.input]: { data, shape } })[model.output].data,
      close: () => undefined,
    };
  },
};

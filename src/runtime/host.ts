// Where the runtime files are, for the source tree (tests, tsx) and the CLI bundle: beside this
// module (dist/cli.js) or, from src/runtime/, in ../../dist/. Each package bundle replaces this
// file with its own src/runtime/hosts/<target>.ts (scripts/build.mjs); all export the same two.
import { SlimnetError } from "./errors.js";
import { fetchBytes, isNode, nodeModule, type JsRuntime, type WasmSource } from "./wasm.js";

/** The first of dist/ beside this module, ../../dist/ that holds `file` (Node), else beside. */
async function find(file: string): Promise<URL> {
  const candidates = [new URL(`./${file}`, import.meta.url), new URL(`../../dist/${file}`, import.meta.url)];
  if (!isNode()) return candidates[0];
  const fs = await nodeModule<typeof import("node:fs")>("node:fs");
  const found = candidates.find((u) => fs.existsSync(u));
  if (!found) {
    const paths = candidates.map((u) => decodeURIComponent(u.pathname)).join(" or ");
    throw new SlimnetError(`${file} not found at ${paths}: run \`npm run build\``);
  }
  return found;
}

export const wasmSource = async (simd: boolean): Promise<WasmSource> =>
  fetchBytes(await find(simd ? "runtime.simd.wasm" : "runtime.scalar.wasm"));

export const jsRuntime = async (): Promise<JsRuntime> =>
  nodeModule<JsRuntime>((await find("runtime.js")).href);

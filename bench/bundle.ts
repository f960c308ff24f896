// The slimnet runtime as a web page would fetch it: src/runtime bundled by esbuild into one
// minified ESM file (the wasm stays a separate file, fetched next to it).
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const OUT = `${ROOT}bench/out/`;
export const SLIMNET_BUNDLE = `${OUT}slimnet.min.mjs`;
export const SLIMNET_WASM = `${ROOT}dist/runtime.simd.wasm`;

export async function bundleSlimnet(): Promise<string> {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [`${ROOT}src/runtime/index.ts`],
    outfile: SLIMNET_BUNDLE,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    logLevel: "warning",
  });
  return SLIMNET_BUNDLE;
}

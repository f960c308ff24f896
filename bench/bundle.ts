// Bundles the bench builds with esbuild: the slimnet runtime as a web page would fetch it, and
// the measuring child as plain JS (run without tsx, whose loader thread slows wasm compiles).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root, found upwards from this file (which may run bundled from bench/out/). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) dir = dirname(dir);
  return dir + "/";
}

export const ROOT = packageRoot();
export const OUT = `${ROOT}bench/out/`;
export const SLIMNET_BUNDLE = `${OUT}slimnet.min.mjs`;
export const SLIMNET_WASM = `${ROOT}dist/runtime.simd.wasm`;
export const CHILD_BUNDLE = `${OUT}child.mjs`;

/** bench/child.ts and everything it imports from src/ as one ESM file; packages stay imports. */
export async function bundleChild(): Promise<string> {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: [`${ROOT}bench/child.ts`],
    outfile: CHILD_BUNDLE,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  return CHILD_BUNDLE;
}

/** src/runtime as one minified ESM file (the wasm stays a separate file, fetched next to it). */
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

// npm run build: the runtime wasm targets of asconfig.json, then the CLI bundle, into dist/.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync } from "node:fs";

const asc = (args) => execFileSync("npx", ["asc", ...args], { stdio: "inherit" });
mkdirSync("dist", { recursive: true });

const { targets, entries } = JSON.parse(readFileSync("asconfig.json", "utf8"));
for (const target of Object.keys(targets)) asc([...entries, "--target", target]);

if (existsSync("src/cli/main.ts")) {
  const esbuild = await import("esbuild");
  await esbuild.build({
    entryPoints: ["src/cli/main.ts"],
    outfile: "dist/cli.js",
    bundle: true,
    platform: "node",
    format: "esm",
    packages: "external",
    banner: { js: "#!/usr/bin/env node" },
    logLevel: "warning",
  });
}

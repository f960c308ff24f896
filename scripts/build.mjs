// npm run build: the wasm targets of asconfig.json (runtime builds, trainer), then the CLI bundle, into dist/.
// After asc, each runtime module gets its active data segments merged (asc's memory-packing
// splits the static strings at every zero run: ~340 segments whose headers cost ~1.2 KB gzip;
// short zero gaps inside one segment cost far less). Only runs of ≥ GAP zeros, such as the
// error buffer, still separate segments.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import binaryen from "binaryen";

// The transform stores message templates as UTF-8 (assembly/transform/utf8-templates.mjs); it is
// passed here by absolute path because asconfig.json resolves transforms only beside itself.
const transform = fileURLToPath(new URL("../assembly/transform/utf8-templates.mjs", import.meta.url));
const asc = (args) => execFileSync("npx", ["asc", ...args, "--transform", transform], { stdio: "inherit" });
mkdirSync("dist", { recursive: true });

const GAP = 64; // zero bytes that end a segment (a segment header costs ~4 B gzip)
/** Rewrites `file` with its active, constant-offset data segments merged (see above). */
function mergeDataSegments(file) {
  const bytes = readFileSync(file);
  const m = binaryen.readBinary(bytes);
  m.setFeatures(binaryen.Features.All);
  const segs = [];
  for (let i = 0; i < m.getNumDataSegments(); i++) {
    const s = m.getDataSegmentInfo(m.getDataSegmentByIndex(i));
    if (s.passive || typeof s.offset !== "number") { m.dispose(); return; }
    segs.push({ at: s.offset, data: new Uint8Array(s.data) });
  }
  if (segs.length < 2) { m.dispose(); return; }
  segs.sort((a, b) => a.at - b.at);
  const start = segs[0].at, end = Math.max(...segs.map((s) => s.at + s.data.length));
  const data = new Uint8Array(end - start);
  for (const s of segs) data.set(s.data, s.at - start);
  const mem = m.getMemoryInfo();
  let exportName = null;
  for (let i = 0; i < m.getNumExports(); i++) {
    const e = binaryen.getExportInfo(m.getExportByIndex(i));
    if (e.kind === binaryen.ExternalMemory) exportName = e.name;
  }
  if (exportName) m.removeExport(exportName);
  // One segment per stretch of data; only long zero runs (the error buffer) split it.
  const out = [];
  for (let i = 0; i < data.length;) {
    let j = i, zeros = 0;
    while (j < data.length && zeros < GAP) zeros = data[j++] ? 0 : zeros + 1;
    const end = j - zeros;
    out.push({ offset: m.i32.const(start + i), data: data.subarray(i, end), passive: false });
    i = j;
    while (i < data.length && !data[i]) i++;
  }
  m.setMemory(mem.initial, mem.max ?? -1, exportName, out, mem.shared, mem.is64, "0");
  const bin = m.emitBinary();
  m.dispose();
  if (!WebAssembly.validate(bin)) throw new Error(`${file}: merging data segments gave an invalid module`);
  writeFileSync(file, bin);
}

// A target with its own `entries` (the trainer) is built from a copy of the config without the
// top-level entries, because asc always adds those to the command-line ones.
const config = JSON.parse(readFileSync("asconfig.json", "utf8"));
for (const [target, { outFile, entries }] of Object.entries(config.targets)) {
  if (!entries) asc([...config.entries, "--target", target]);
  else {
    const own = `.asconfig.${target}.${process.pid}.json`;
    writeFileSync(own, JSON.stringify({ ...config, entries: [] }));
    try { asc([...entries, "--config", own, "--target", target]); } finally { rmSync(own); }
  }
  if (outFile) mergeDataSegments(outFile);
}

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

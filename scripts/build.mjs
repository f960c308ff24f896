// npm run build: the wasm targets of asconfig.json (runtime builds, trainer), runtime.js (wasm2js),
// the package bundles (one per host, see BUNDLES), their type declarations and the CLI, into dist/.
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

// The runtime modules get binaryen's size pipeline on top of asc's -O3s1: it inlines the
// single-caller functions and tightens what asc left (-0.4 KB gzip); functions ordered by use
// gzip 30 B smaller. Kernels keep their asc -O3 bodies (their @inline helpers are inlined
// before this runs): npm run bench shows no slowdown.
// Features: asc's defaults plus the target's `enable`, so binaryen emits nothing the engine lacks.
const ASC_FEATURES = ["mutable-globals", "sign-ext", "nontrapping-float-to-int", "bulk-memory"];
function shrink(file, enable = []) {
  const features = ["--mvp-features", ...[...ASC_FEATURES, ...enable].map((f) => `--enable-${f}`)];
  execFileSync("node_modules/.bin/wasm-opt", [file, ...features, "-Oz", "--converge", "--reorder-functions", "-o", file]);
}

// A target with its own `entries` (the trainer) is built from a copy of the config without the
// top-level entries, because asc always adds those to the command-line ones.
const config = JSON.parse(readFileSync("asconfig.json", "utf8"));
for (const [target, { outFile, entries, enable }] of Object.entries(config.targets)) {
  if (!entries) asc([...config.entries, "--target", target]);
  else {
    const own = `.asconfig.${target}.${process.pid}.json`;
    writeFileSync(own, JSON.stringify({ ...config, entries: [] }));
    try { asc([...entries, "--config", own, "--target", target]); } finally { rmSync(own); }
  }
  if (!entries) shrink(outFile, enable);
  if (outFile) mergeDataSegments(outFile);
}

// dist/runtime.js: runtime.scalar.wasm as plain JS for engines without WebAssembly (QuickJS, IoT
// hosts). wasm2js decodes its data segments in JS (no atob/TextDecoder); its module-level
// instance becomes a factory so each Model gets its own memory, like a wasm instance.
const WASM2JS_FEATURES = ["bulk-memory", "nontrapping-float-to-int", "sign-ext", "mutable-globals"];
const wasm2jsOut = `dist/.runtime.wasm2js.${process.pid}.js`;
try {
  // wasm2js trusts alignment hints (HEAP32[p >> 2]) where wasm tolerates any address; the format
  // reader's loads are not all aligned, so every access is first made byte-wise (--dealign).
  const features = WASM2JS_FEATURES.map((f) => `--enable-${f}`);
  execFileSync("node_modules/.bin/wasm-opt", ["dist/runtime.scalar.wasm", ...features, "--dealign", "-o", `${wasm2jsOut}.wasm`]);
  execFileSync("node_modules/.bin/wasm2js", [`${wasm2jsOut}.wasm`, ...features, "-O", "-o", wasm2jsOut], { stdio: "inherit" });
  const js = readFileSync(wasm2jsOut, "utf8");
  const tail = js.indexOf("var retasmFunc = asmFunc(");
  if (tail < 0 || /\b(atob|TextDecoder|Buffer)\b/.test(js)) throw new Error("wasm2js output changed shape: check scripts/build.mjs");
  const factory = `${js.slice(0, tail)}/** A fresh runtime instance (docs/RUNTIME.md exports). */\nexport function instantiate() { return asmFunc({}); }\n`;
  const { transform } = await import("esbuild");
  const min = await transform(factory, { minify: true, format: "esm", target: "es2020" });
  writeFileSync("dist/runtime.js", `// slimnet runtime.scalar.wasm as JavaScript (binaryen wasm2js), for engines without WebAssembly\n${min.code}`);
} finally {
  rmSync(wasm2jsOut, { force: true });
  rmSync(`${wasm2jsOut}.wasm`, { force: true });
}

// The package bundles: one entry (src/runtime/index.ts), one host file each (src/runtime/host.ts
// replaced by src/runtime/hosts/<host>.ts: where the runtime files come from on that platform).
// The IIFE inlines runtime.simd.wasm as ASCII that gzips like the binary (base64 cuts gzip's
// byte-aligned matches: +6 KB): the 89 commonest byte values are one printable character each,
// the rest an escape character plus one; no `"`, `\` or `<`, so the file stays plain ASCII and
// safe in any charset or inline <script>. Each group is coded in byte order, so the decoder needs
// only a 256-bit mask of the one-character bytes (64 hex digits; a full order cost ~0.25 KB
// gzip). The generated module decodes to a Uint8Array at load.
const ALPHABET = [...Array(95).keys()].map((i) => i + 32).filter((c) => c !== 34 && c !== 92 && c !== 60);
function asciiWasmModule(bytes) {
  const counts = new Array(256).fill(0);
  for (const b of bytes) counts[b]++;
  const direct = ALPHABET.length - 3;
  const isDirect = new Array(256).fill(false);
  for (const b of [...counts.keys()].sort((a, b) => counts[b] - counts[a] || a - b).slice(0, direct)) isDirect[b] = true;
  const order = [...counts.keys()].sort((a, b) => isDirect[b] - isDirect[a] || a - b), code = new Array(256);
  order.forEach((b, k) => {
    const esc = k - direct;
    code[b] = k < direct ? String.fromCharCode(ALPHABET[k])
      : String.fromCharCode(ALPHABET[direct + Math.floor(esc / ALPHABET.length)], ALPHABET[esc % ALPHABET.length]);
  });
  const text = Array.from(bytes, (b) => code[b]).join("");
  let mask = "";
  for (let b = 0; b < 256; b += 4) mask += (isDirect[b] | isDirect[b + 1] << 1 | isDirect[b + 2] << 2 | isDirect[b + 3] << 3).toString(16);
  return `const mask = "${mask}", text = "${text}", A = [], at = new Uint8Array(128), value = [], rest = [];
for (let c = 32; c < 127; c++) if (c !== 34 && c !== 92 && c !== 60) at[c] = A.push(c) - 1;
for (let b = 0; b < 256; b++) (parseInt(mask[b >> 2], 16) >> (b & 3) & 1 ? value : rest).push(b);
value.push(...rest);
const D = A.length - 3, out = new Uint8Array(${bytes.length});
for (let i = 0, j = 0; i < text.length; i++) {
  let k = at[text.charCodeAt(i)];
  if (k >= D) k = D + (k - D) * A.length + at[text.charCodeAt(++i)];
  out[j++] = value[k];
}
export default out;\n`;
}
const inlineWasm = {
  name: "inline-wasm",
  setup(b) {
    b.onResolve({ filter: /\.wasm$/ }, (a) => ({ path: fileURLToPath(new URL(a.path, `file://${a.resolveDir}/`)), namespace: "inline-wasm" }));
    b.onLoad({ filter: /.*/, namespace: "inline-wasm" }, (a) => ({ contents: asciiWasmModule(readFileSync(a.path)), loader: "js" }));
  },
};

const BUNDLES = [
  { outfile: "dist/slimnet.mjs", host: "esm", format: "esm", platform: "neutral", external: ["./runtime.js"] },
  {
    outfile: "dist/slimnet.cjs", host: "esm", format: "cjs", platform: "node", external: ["./runtime.js"],
    define: { "import.meta.url": "__slimnetUrl" },
    banner: { js: 'var __slimnetUrl = require("node:url").pathToFileURL(__filename).href;' },
  },
  { outfile: "dist/slimnet.iife.js", host: "iife", format: "iife", platform: "browser", plugins: [inlineWasm], entryPoints: ["src/runtime/global.ts"] },
  { outfile: "dist/slimnet.workerd.mjs", host: "workerd", format: "esm", platform: "neutral", external: ["./runtime.simd.wasm"] },
];
const esbuild = await import("esbuild");
for (const { host, plugins = [], ...options } of BUNDLES) {
  const hostFile = fileURLToPath(new URL(`../src/runtime/hosts/${host}.ts`, import.meta.url));
  await esbuild.build({
    entryPoints: ["src/runtime/index.ts"], bundle: true, minify: true, target: "es2022",
    logLevel: "warning", ...options,
    plugins: [...plugins, {
      name: "host",
      setup: (b) => b.onResolve({ filter: /^\.\/host\.js$/ }, () => ({ path: hostFile })),
    }],
  });
}

// Type declarations of the package entry: tsc's per-module .d.ts in dist/types/, one re-export.
rmSync("dist/types", { recursive: true, force: true });
execFileSync("npx", [
  "tsc", "src/runtime/index.ts", "--declaration", "--emitDeclarationOnly", "--outDir", "dist/types",
  "--target", "ES2022", "--module", "NodeNext", "--moduleResolution", "NodeNext", "--strict", "--skipLibCheck",
  "--types", "node", "--lib", "ES2022,DOM",
], { stdio: "inherit" });
writeFileSync("dist/slimnet.d.ts", 'export * from "./types/index.js";\n');

if (existsSync("src/cli/main.ts")) {
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

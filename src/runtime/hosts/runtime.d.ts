// dist/runtime.js (made by scripts/build.mjs with wasm2js), as hosts/esm.ts imports it.
import type { RuntimeExports } from "../wasm.js";

export declare function instantiate(): RuntimeExports;

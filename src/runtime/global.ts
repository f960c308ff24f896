// Script-tag entry (dist/slimnet.iife.js): sets the global `slimnet` as a plain object, which
// spares the IIFE esbuild's ES-module export shim (~200 B gzip of a 20 KB budget).
import { FormatError, InputError, Model, ShapeError, SlimnetError, UnsupportedError, hasSimd } from "./index.js";

(globalThis as { slimnet?: object }).slimnet = { Model, hasSimd, SlimnetError, FormatError, InputError, ShapeError, UnsupportedError };

// The one interface every benchmarked runtime implements. A peer imports its runtime lazily in
// `open`, so a fresh process that calls `open` once measures import + wasm compile + session.
import type { Graph } from "../../src/ir/graph.js";

/** One zoo model as every peer sees it: the same IR weights, exported once per format. */
export interface BenchModel {
  key: string;
  graph: Graph;
  /** ONNX bytes from src/export/onnx.ts (what onnxruntime-web runs). */
  onnx: Uint8Array;
  /** .slim bytes from src/format/writer.ts (what slimnet runs). */
  slim: Uint8Array;
  input: string;
  output: string;
  /** Input shape at batch 1 (dim 0 is the batch). */
  inputShape: number[];
  /** slimnet's Model.load options for this model (e.g. `expand: "never"` to time the LUT kernels). */
  load?: { expand?: "auto" | "always" | "never" };
}

export interface Session {
  /** Runs one batch; resolves to a copy of the (single) output. */
  run(data: Float32Array, shape: readonly number[]): Float32Array | Promise<Float32Array>;
  close(): void | Promise<void>;
}

export interface Peer {
  name: PeerName;
  /** What the column means: runtime, version, flavour. */
  label: string;
  /** Files a web page fetches to run this runtime (gzip of each is the download). */
  downloadFiles(): string[];
  /** Imports the runtime (first call only), compiles its wasm, creates a session for `model`. */
  open(model: BenchModel): Promise<Session>;
}

export type PeerName = "slimnet" | "ort" | "tfjs";
export const PEER_NAMES: readonly PeerName[] = ["slimnet", "ort", "tfjs"];

/** The peer implementations, loaded on demand so a child process imports only its own runtime. */
export async function loadPeer(name: PeerName): Promise<Peer> {
  switch (name) {
    case "slimnet": return (await import("./slimnet.js")).slimnet;
    case "ort": return (await import("./ort.js")).ort;
    case "tfjs": return (await import("./tfjs.js")).tfjs;
  }
}

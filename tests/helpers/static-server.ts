// A tiny static file server for end-to-end tests: 127.0.0.1, an ephemeral port, several roots
// (the first that holds a path wins, so a temp folder can add generated files beside a checked-in
// example), the MIME types browsers insist on (application/wasm for streaming compilation).
import { createReadStream, statSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, resolve, sep } from "node:path";

export const MIME: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".slim": "application/octet-stream",
  ".onnx": "application/octet-stream",
};

export interface StaticServer {
  /** Base URL, ending in "/". */
  url: string;
  /** Every request as "STATUS /path", in order. */
  log: string[];
  close(): Promise<void>;
}

/** Serves the files under `roots` (first match wins) on 127.0.0.1; "/" is index.html. */
export async function serveStatic(roots: string[]): Promise<StaticServer> {
  const dirs = roots.map((r) => resolve(r));
  const log: string[] = [];
  const server = createServer((req, res) => {
    const send = (status: number, text: string): void => {
      log.push(`${status} ${req.url}`);
      res.writeHead(status, { "content-type": "text/plain; charset=utf-8" }).end(text);
    };
    if (req.method !== "GET" && req.method !== "HEAD") return send(405, "method not allowed");
    let path: string;
    try {
      path = decodeURIComponent(new URL(req.url ?? "/", "http://x").pathname);
    } catch {
      return send(400, "bad path");
    }
    if (path.endsWith("/")) path += "index.html";
    for (const dir of dirs) {
      const file = resolve(join(dir, path));
      if (file !== dir && !file.startsWith(dir + sep)) return send(403, "outside the root");
      let size: number;
      try {
        const st = statSync(file);
        if (!st.isFile()) continue;
        size = st.size;
      } catch {
        continue;
      }
      log.push(`200 ${req.url}`);
      res.writeHead(200, {
        "content-type": MIME[extname(file).toLowerCase()] ?? "application/octet-stream",
        "content-length": size,
        "cache-control": "no-store",
      });
      if (req.method === "HEAD") return res.end();
      createReadStream(file).pipe(res);
      return;
    }
    send(404, `not found: ${path}`);
  });
  await new Promise<void>((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    log,
    close: () => new Promise<void>((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

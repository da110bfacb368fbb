import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { isErrno } from "../infra/errors.ts";

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".webmanifest": "application/manifest+json",
  ".woff2": "font/woff2",
};

/** Built by `npm run build:ui` (the `prepare` script) into dist/ui; never built on the start path. */
export function defaultControlUiRoot(): string {
  return fileURLToPath(new URL("../../dist/ui/", import.meta.url));
}

/**
 * Serves the Control UI's static files under `basePath`. Unknown paths fall back to index.html
 * (client-side routes). Returns false when the request is not for the UI.
 */
export async function serveControlUi(
  req: IncomingMessage,
  res: ServerResponse,
  root: string,
  basePath: string,
): Promise<boolean> {
  if (req.method !== "GET" && req.method !== "HEAD") return false;
  const url = new URL(req.url ?? "/", "http://localhost");
  const base = basePath.replace(/\/+$/, "");
  if (base && url.pathname !== base && !url.pathname.startsWith(`${base}/`)) return false;
  const rel = decodeURIComponent(url.pathname.slice(base.length)).replace(/^\/+/, "");
  const target = path.resolve(root, rel || "index.html");
  if (target !== root.replace(/\/$/, "") && !target.startsWith(root.endsWith("/") ? root : `${root}/`)) {
    res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
    return true;
  }
  const file =
    (await existingFile(target)) ??
    (path.extname(rel) ? undefined : await existingFile(path.join(root, "index.html")));
  if (!file) {
    if (!(await existingFile(path.join(root, "index.html")))) {
      res
        .writeHead(503, { "content-type": "text/plain; charset=utf-8" })
        .end(
          "The Control UI is not built. Run `npm run build:ui` (or `npm install`, which builds it) and reload.\n",
        );
      return true;
    }
    res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
    return true;
  }
  const body = await readFile(file);
  const isIndex = file.endsWith("index.html");
  res.writeHead(200, {
    "content-type": CONTENT_TYPES[path.extname(file)] ?? "application/octet-stream",
    "content-length": body.length,
    // Hashed assets never change; the page itself must always be revalidated.
    "cache-control": isIndex ? "no-cache" : "public, max-age=31536000, immutable",
    ...(isIndex
      ? {
          "content-security-policy":
            "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'",
        }
      : {}),
  });
  res.end(req.method === "HEAD" ? undefined : body);
  return true;
}

async function existingFile(p: string): Promise<string | undefined> {
  try {
    return (await stat(p)).isFile() ? p : undefined;
  } catch (err) {
    if (isErrno(err, "ENOENT") || isErrno(err, "ENOTDIR")) return undefined;
    throw err;
  }
}

import type { IncomingMessage, ServerResponse } from "node:http";
import type { ChannelHttpEndpoint } from "../channels/http-endpoint.ts";
import type { Logger } from "../infra/logger.ts";
import { serveChannelEndpoint } from "./channel-http.ts";
import { serveControlUi } from "./control-ui.ts";

export interface HttpDeps {
  log: Logger;
  controlUi: () => { enabled: boolean; root: string; basePath: string };
  /** The channel account serving this path (webhook and HTTP-mode channels), if any. */
  channelEndpoint?: (pathname: string) => ChannelHttpEndpoint | undefined;
}

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

/**
 * The HTTP side of the gateway port, tried in OpenClaw's order (reference-gateway §1); later issues
 * add hooks, tools/invoke and the OpenAI-compatible endpoints before the Control UI. A handler
 * failure is a 500 for that request only.
 */
export function createHttpHandler(deps: HttpDeps): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    void route(req, res, deps).catch((err: unknown) => {
      deps.log.error("http handler failed", { url: req.url?.split("?")[0], err });
      if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
      res.end("Internal Server Error");
    });
  };
}

async function route(req: IncomingMessage, res: ServerResponse, deps: HttpDeps): Promise<void> {
  const endpoint = deps.channelEndpoint?.(new URL(req.url ?? "/", "http://gateway").pathname);
  if (endpoint) return serveChannelEndpoint(req, res, endpoint);
  const ui = deps.controlUi();
  if (ui.enabled && (await serveControlUi(req, res, ui.root, ui.basePath))) return;
  res.writeHead(404, { "content-type": "text/plain" }).end("Not Found");
}

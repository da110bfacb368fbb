import type { IncomingMessage, ServerResponse } from "node:http";
import type { ChannelHttpEndpoint } from "../channels/http-endpoint.ts";
import { HttpBodyError, readBody } from "./http-body.ts";

/** The whole body must be in within this; platforms send small JSON at once. */
const BODY_TIMEOUT_MS = 10_000;
/** Recording an update is a local fsync; past this the platform is better off retrying. */
const HANDLE_TIMEOUT_MS = 30_000;

/**
 * Serves one request to a channel endpoint (Telegram webhook, Slack Events API): the body is read
 * under the endpoint's limits, then the channel's answer is written as it is. A body that cannot
 * be read is answered with its status (413, 408, 400) and the connection closed.
 */
export async function serveChannelEndpoint(
  req: IncomingMessage,
  res: ServerResponse,
  endpoint: ChannelHttpEndpoint,
): Promise<void> {
  let body: Buffer;
  try {
    body = await readBody(req, { maxBytes: endpoint.maxBodyBytes, timeoutMs: BODY_TIMEOUT_MS });
  } catch (err) {
    if (!(err instanceof HttpBodyError)) throw err;
    res.writeHead(err.status, { "content-type": "text/plain; charset=utf-8", connection: "close" });
    res.end(err.message);
    return;
  }
  const reply = await endpoint.handle(
    { method: req.method ?? "GET", headers: req.headers, body: body.toString("utf8") },
    AbortSignal.timeout(HANDLE_TIMEOUT_MS),
  );
  res.writeHead(reply.status, { "content-type": reply.contentType, "cache-control": "no-store" });
  res.end(reply.body);
}

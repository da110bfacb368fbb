// Slack's Events API over HTTP (`mode: "http"`, reference-agent §5.4; SL-3: served on the gateway
// port at `webhookPath`, default `/slack/events`). Slack POSTs JSON signed with the app's signing
// secret; a request without a valid signature, or older than five minutes, is refused. The answer
// to an event is its acknowledgement, so it is sent only after the event was recorded; a 5xx makes
// Slack retry it (`X-Slack-Retry-Num`), and the inbox drops the second copy by its key.
import { isValidSlackRequest } from "@slack/bolt/dist/receivers/verify-request.js";

export const DEFAULT_WEBHOOK_PATH = "/slack/events";
/** Slack's event payloads are small; anything near this is not Slack. */
export const MAX_EVENT_BODY_BYTES = 1024 * 1024;

export interface SlackHttpRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body: the signature covers its exact bytes. */
  body: string;
}

export interface SlackHttpReply {
  status: number;
  contentType: string;
  body: string;
}

export interface SlackHttpOptions {
  signingSecret: string;
  nowMs: number;
  /** Records an `event_callback` payload; `false` when it could not (and it says why itself). */
  onEvent(payload: unknown): Promise<boolean>;
}

function header(req: SlackHttpRequest, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

const text = (status: number, body: string): SlackHttpReply => ({
  status,
  contentType: "text/plain; charset=utf-8",
  body,
});

/**
 * Answers one request to the Slack webhook path. Pure apart from `onEvent`: the HTTP route reads
 * the body (up to `MAX_EVENT_BODY_BYTES`) and writes the reply. Never throws for a bad request.
 */
export async function answerSlackRequest(
  req: SlackHttpRequest,
  opts: SlackHttpOptions,
): Promise<SlackHttpReply> {
  if (req.method !== "POST") return text(405, "Method Not Allowed");
  const signature = header(req, "x-slack-signature");
  const timestamp = Number(header(req, "x-slack-request-timestamp"));
  const signed =
    signature !== undefined &&
    Number.isFinite(timestamp) &&
    isValidSlackRequest({
      signingSecret: opts.signingSecret,
      body: req.body,
      headers: { "x-slack-signature": signature, "x-slack-request-timestamp": timestamp },
      nowMilliseconds: opts.nowMs,
    });
  if (!signed) return text(401, "invalid signature");
  // Slash commands and interactivity arrive form-encoded; they are not handled, only acknowledged.
  if (!(header(req, "content-type") ?? "").includes("application/json")) return text(200, "");
  let payload: { type?: unknown; challenge?: unknown };
  try {
    payload = JSON.parse(req.body) as typeof payload;
  } catch (err) {
    if (err instanceof SyntaxError) return text(400, "invalid JSON");
    throw err;
  }
  if (payload.type === "url_verification" && typeof payload.challenge === "string")
    return {
      status: 200,
      contentType: "application/json",
      body: JSON.stringify({ challenge: payload.challenge }),
    };
  if (payload.type !== "event_callback") return text(200, "");
  // Not recorded: no acknowledgement, so Slack sends the event again.
  return (await opts.onEvent(payload)) ? text(200, "") : text(503, "event not recorded; retry");
}

// Channels that receive over HTTP (Telegram webhook mode, Slack's Events API) are served on the
// gateway port at a path of their own. The gateway's HTTP side reads the body under the
// endpoint's size limit and hands it over whole: the platforms sign or authenticate the exact
// bytes, and a channel never sees a socket.

/** One request to a channel endpoint, its body already read. */
export interface ChannelHttpRequest {
  method: string;
  headers: Record<string, string | string[] | undefined>;
  /** The raw body (UTF-8): signatures cover its exact bytes. */
  body: string;
}

export interface ChannelHttpReply {
  status: number;
  contentType: string;
  body: string;
}

/**
 * What one account serves on the gateway port. The reply is the platform's acknowledgement, so
 * `handle` answers 2xx only once the update is recorded durably (issue 8, "No silent loss") and
 * 5xx when it could not be, so the platform sends it again.
 */
export interface ChannelHttpEndpoint {
  /** Exact path on the gateway port (`/telegram-webhook`, `/slack/events`). */
  readonly path: string;
  /** Larger bodies are refused (413) before they are read. */
  readonly maxBodyBytes: number;
  /** Never throws for a bad or unauthenticated request (that is a 4xx); rejects only on a bug. */
  handle(req: ChannelHttpRequest, signal: AbortSignal): Promise<ChannelHttpReply>;
}

export const textReply = (status: number, body: string): ChannelHttpReply => ({
  status,
  contentType: "text/plain; charset=utf-8",
  body,
});

/** A header's first value (Node gives repeated headers as arrays). */
export function headerValue(req: ChannelHttpRequest, name: string): string | undefined {
  const value = req.headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

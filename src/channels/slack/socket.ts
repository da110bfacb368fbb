// Socket Mode (docs.slack.dev, "Using Socket Mode"): `apps.connections.open` with the app-level
// token hands out a single-use WSS URL; Slack greets on it with `hello`, then sends envelopes
// (`events_api`, `slash_commands`, `interactive`), each acknowledged by sending back
// `{"envelope_id": …}`; an envelope left unacknowledged comes again with a higher `retry_attempt`.
// Slack ends a connection with a `disconnect` message whose `reason` says whether to come back at
// once (`refresh_requested`, `warning`) or not (`link_disabled`).
import { WebSocket } from "ws";
import { z } from "zod";
import type { Logger } from "../../infra/logger.ts";
import { SlackWebClient } from "./web-api.ts";

/** Longer than the `apps.connections.open` call's own timeout, so that call fails first. */
const HELLO_TIMEOUT_MS = 60_000;
/**
 * We ping this often; a socket that has not answered the previous ping by the next one is dead
 * (a half-open TCP connection never closes by itself). Slack also pings us; `ws` answers those.
 */
const PING_INTERVAL_MS = 30_000;
/** Envelopes carry one event each; anything near this is not Slack. */
const MAX_FRAME_BYTES = 16 * 1024 * 1024;

/** One Socket Mode envelope (docs.slack.dev, Socket Mode): `events_api`, `slash_commands`, `interactive`. */
export interface SocketEnvelope {
  type: string;
  envelopeId: string;
  /** The envelope's `payload`; for `events_api` an Events API `event_callback`. */
  payload: unknown;
  /** `retry_attempt`: how often Slack already sent this envelope without an ack. */
  retryAttempt: number | undefined;
  /** Sends `{envelope_id}` back. Rejects when the socket is gone: Slack then redelivers. */
  ack(): Promise<void>;
}

/** Why a connection ended: Slack asked us to move (`disconnect`), the socket closed, or we stopped. */
export type SocketEnd = { type: "disconnect"; reason: string } | { type: "closed" } | { type: "stopped" };

export interface SocketOptions {
  appToken: string;
  /** The Web API root for `apps.connections.open` (the endpoint override), else Slack's. */
  apiUrl: string | undefined;
  callTimeoutMs: number;
  log: Logger;
  /** Called once Slack's `hello` arrived: the connection is ready. */
  onConnected(): void;
  /** Called for every envelope; it acknowledges the envelope itself, when it is safe to. */
  onEnvelope(envelope: SocketEnvelope): Promise<void>;
}

/** A Socket Mode frame; the keys we read. */
const Frame = z.looseObject({
  type: z.string(),
  envelope_id: z.string().optional(),
  payload: z.unknown().optional(),
  retry_attempt: z.number().optional(),
  reason: z.string().optional(),
});

const ConnectionsOpen = z.looseObject({ url: z.string() });

/**
 * Opens one Socket Mode connection (`apps.connections.open` with the app token → WSS URL → `hello`)
 * and resolves when it ends. Rejects when it could not be opened (the caller backs off; a
 * `SlackApiError` says Slack refused the token). Reconnecting is the caller's loop, so it sees
 * every attempt and can stop at once.
 */
export async function runSocketOnce(opts: SocketOptions, signal: AbortSignal): Promise<SocketEnd> {
  if (signal.aborted) return { type: "stopped" };
  // Our loop backs off between attempts, so the call itself does not retry.
  const web = new SlackWebClient({
    token: opts.appToken,
    apiUrl: opts.apiUrl,
    timeoutMs: opts.callTimeoutMs,
    retries: 0,
    log: opts.log,
  });
  let url: string;
  try {
    url = (await web.call("apps.connections.open", {}, ConnectionsOpen, signal)).url;
  } catch (err) {
    if (signal.aborted) return { type: "stopped" };
    throw err;
  }
  if (signal.aborted) return { type: "stopped" };
  const ws = new WebSocket(url, { handshakeTimeout: opts.callTimeoutMs, maxPayload: MAX_FRAME_BYTES });
  return new Promise<SocketEnd>((resolve, reject) => {
    let greeted = false;
    let slackReason: string | undefined;
    let alive = true;
    let pinger: NodeJS.Timeout | undefined;
    // A WebSocket that opens but never says hello would hold the loop forever; give up and retry.
    const helloTimer = setTimeout(() => {
      ws.terminate();
      finish(new Error(`no hello from Slack within ${HELLO_TIMEOUT_MS} ms`));
    }, HELLO_TIMEOUT_MS);
    const finish = (end: SocketEnd | Error): void => {
      clearTimeout(helloTimer);
      clearInterval(pinger);
      signal.removeEventListener("abort", onAbort);
      if (end instanceof Error) reject(end);
      else resolve(end);
    };
    const onAbort = (): void => {
      ws.close(1000);
      finish({ type: "stopped" });
    };
    signal.addEventListener("abort", onAbort, { once: true });

    const onEnvelope = (envelopeId: string, frame: z.infer<typeof Frame>): void => {
      void opts
        .onEnvelope({
          type: frame.type,
          envelopeId,
          payload: frame.payload,
          retryAttempt: frame.retry_attempt,
          ack: () => sendAck(ws, envelopeId),
        })
        .catch((err: unknown) => opts.log.error("a Slack envelope could not be handled", { err }));
    };

    ws.on("error", (err) => {
      // `close` follows every error; before `hello` the error is what the caller reports.
      if (!greeted) finish(err);
    });
    ws.on("close", () => {
      if (signal.aborted) return;
      if (!greeted) return finish(new Error("the Socket Mode connection closed before Slack said hello"));
      finish(slackReason !== undefined ? { type: "disconnect", reason: slackReason } : { type: "closed" });
    });
    ws.on("pong", () => {
      alive = true;
    });
    ws.on("message", (data, isBinary) => {
      if (isBinary) return;
      const frame = parseFrame(String(data));
      if (!frame) return; // not a frame we read: Slack ignores what it cannot parse, and so do we
      switch (frame.type) {
        case "hello":
          if (greeted) return;
          greeted = true;
          clearTimeout(helloTimer);
          pinger = setInterval(() => {
            if (!alive) return void ws.terminate(); // `close` follows and ends the connection
            alive = false;
            if (ws.readyState === WebSocket.OPEN) ws.ping();
          }, PING_INTERVAL_MS);
          // On `hello` itself, before any envelope that came after it is handled.
          opts.onConnected();
          return;
        case "disconnect":
          // The reason decides the caller's delay; the socket closes either way.
          slackReason = frame.reason ?? "unknown";
          ws.close(1000);
          return;
        default:
          if (frame.envelope_id) onEnvelope(frame.envelope_id, frame);
      }
    });
  });
}

function parseFrame(text: string): z.infer<typeof Frame> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
  const parsed = Frame.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

/** Sends `{envelope_id}`; rejects when the socket is no longer open (Slack then redelivers). */
function sendAck(ws: WebSocket, envelopeId: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (ws.readyState !== WebSocket.OPEN)
      return reject(new Error("the Socket Mode connection closed before the acknowledgement"));
    ws.send(JSON.stringify({ envelope_id: envelopeId }), (err) => (err ? reject(err) : resolve()));
  });
}

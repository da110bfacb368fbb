import { SocketModeClient } from "@slack/socket-mode";
import type { WebClientOptions } from "@slack/web-api";
import type { Logger } from "../../infra/logger.ts";
import { sdkLogger } from "./sdk-logger.ts";

/** Longer than the `apps.connections.open` call's own timeout, so that call fails first. */
const HELLO_TIMEOUT_MS = 60_000;

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

/**
 * Opens one Socket Mode connection (`apps.connections.open` with the app token → WSS URL → `hello`)
 * and resolves when it ends. Rejects when it could not be opened (the caller backs off; a
 * `WebAPIPlatformError` says Slack refused the token). Reconnecting is the caller's loop, so it
 * sees every attempt and can stop at once; the SDK's own reconnect is off.
 */
export async function runSocketOnce(opts: SocketOptions, signal: AbortSignal): Promise<SocketEnd> {
  if (signal.aborted) return { type: "stopped" };
  const clientOptions: Omit<WebClientOptions, "logLevel" | "logger"> = {
    timeout: opts.callTimeoutMs,
    // Our loop backs off between attempts; the SDK would otherwise retry about a hundred times.
    retryConfig: { retries: 0 },
    ...(opts.apiUrl ? { slackApiUrl: opts.apiUrl } : {}),
  };
  const client = new SocketModeClient({
    appToken: opts.appToken,
    autoReconnectEnabled: false,
    logger: sdkLogger(opts.log),
    clientOptions,
  });
  let slackReason: string | undefined;
  const ended = new Promise<void>((resolve) => client.once("disconnected", () => resolve()));
  // On `hello` itself, before any envelope that came with it is handled.
  client.once("connected", () => opts.onConnected());
  client.on("ws_message", (data: unknown) => {
    // The SDK closes the socket on `disconnect` without saying why; the reason decides our delay.
    if (typeof data !== "string" || !data.includes("disconnect")) return;
    const reason = disconnectReason(data);
    if (reason !== undefined) slackReason = reason;
  });
  client.on("slack_event", (args: SlackEventArgs) => {
    void opts
      .onEnvelope({
        type: args.type,
        envelopeId: args.envelope_id,
        payload: args.body,
        retryAttempt: args.retry_num,
        ack: () => args.ack(),
      })
      .catch((err: unknown) => opts.log.error("a Slack envelope could not be handled", { err }));
  });
  const stop = (): void => void client.disconnect();
  signal.addEventListener("abort", stop, { once: true });
  try {
    // A WebSocket that opens but never says hello would hold the loop forever; give up and retry.
    const helloTimeout = AbortSignal.timeout(HELLO_TIMEOUT_MS);
    helloTimeout.addEventListener("abort", stop, { once: true });
    try {
      await client.start();
    } catch (err) {
      if (signal.aborted) return { type: "stopped" };
      if (helloTimeout.aborted) throw new Error(`no hello from Slack within ${HELLO_TIMEOUT_MS} ms`);
      // Without a `hello` the SDK rejects with nothing when the socket closed first.
      throw err ?? new Error("the Socket Mode connection closed before Slack said hello");
    } finally {
      helloTimeout.removeEventListener("abort", stop);
    }
    await ended;
  } finally {
    signal.removeEventListener("abort", stop);
    client.removeAllListeners("slack_event");
    // A stop that came while `apps.connections.open` was in flight found no socket to close yet.
    if (signal.aborted) void client.disconnect();
  }
  if (signal.aborted) return { type: "stopped" };
  return slackReason !== undefined ? { type: "disconnect", reason: slackReason } : { type: "closed" };
}

interface SlackEventArgs {
  type: string;
  envelope_id: string;
  body: unknown;
  retry_num?: number;
  ack(response?: Record<string, unknown>): Promise<void>;
}

function disconnectReason(data: string): string | undefined {
  try {
    const msg = JSON.parse(data) as { type?: unknown; reason?: unknown };
    if (msg.type !== "disconnect") return undefined;
    return typeof msg.reason === "string" ? msg.reason : "unknown";
  } catch (err) {
    if (err instanceof SyntaxError) return undefined; // the SDK ignores it too
    throw err;
  }
}

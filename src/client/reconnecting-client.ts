import { setTimeout as sleep } from "node:timers/promises";
import type { EventFrame } from "../protocol/frames.ts";
import { type GatewayClient, GatewayRequestError, GatewayUnreachableError } from "./gateway-client.ts";

export interface ReconnectOptions {
  /** Opens one connection (URL, credentials, device signing are the caller's). */
  connect(): Promise<GatewayClient>;
  /** First wait after a lost connection; doubles per failed attempt up to `maxDelayMs`. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** The connection dropped; reconnecting starts. */
  onLost?(err: Error): void;
  /** A connection is back after a loss. */
  onRestored?(): void;
}

/**
 * One gateway connection kept alive for long-running clients (a following log, a node host, the
 * TUI): when the gateway goes away (restart, network), it connects again with capped exponential
 * backoff and the event listeners carry over. A refused connect (bad token, pairing required) is
 * final: retrying cannot fix credentials. Requests made while disconnected wait for the
 * connection; one in flight when it drops fails with `GatewayUnreachableError`, as it may or may
 * not have run.
 */
export class ReconnectingGatewayClient {
  readonly #opts: ReconnectOptions;
  readonly #listeners = new Set<(ev: EventFrame) => void>();
  readonly #closed = new AbortController();
  #current: Promise<GatewayClient>;
  #finalError: Error | undefined;

  private constructor(opts: ReconnectOptions, first: GatewayClient) {
    this.#opts = opts;
    this.#current = Promise.resolve(this.#adopt(first));
  }

  /** Connects once; a failure here is the caller's to report (nothing was working yet). */
  static async start(opts: ReconnectOptions): Promise<ReconnectingGatewayClient> {
    return new ReconnectingGatewayClient(opts, await opts.connect());
  }

  async request<T = unknown>(
    method: string,
    params?: unknown,
    opts?: Parameters<GatewayClient["request"]>[2],
  ): Promise<T> {
    const client = await this.#current;
    return client.request<T>(method, params, opts);
  }

  onEvent(fn: (ev: EventFrame) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  close(): void {
    this.#closed.abort();
    void this.#current.then((c) => c.close()).catch(() => undefined);
  }

  #adopt(client: GatewayClient): GatewayClient {
    client.onEvent((ev) => {
      for (const fn of this.#listeners) fn(ev);
    });
    client.onClose(({ code, reason }) => {
      if (this.#closed.signal.aborted || this.#finalError) return;
      const err = new GatewayUnreachableError(
        `gateway closed the connection (${[code, reason].filter(Boolean).join(" ")})`,
      );
      this.#opts.onLost?.(err);
      this.#current = this.#reconnect();
      this.#current.catch(() => undefined); // surfaced to the next request
    });
    return client;
  }

  async #reconnect(): Promise<GatewayClient> {
    const max = this.#opts.maxDelayMs ?? 10_000;
    let delay = this.#opts.initialDelayMs ?? 250;
    for (;;) {
      await sleep(delay, undefined, { signal: this.#closed.signal });
      try {
        const client = this.#adopt(await this.#opts.connect());
        this.#opts.onRestored?.();
        return client;
      } catch (err) {
        if (err instanceof GatewayRequestError) {
          this.#finalError = err; // refused, not unreachable: stop here
          throw err;
        }
        delay = Math.min(delay * 2, max);
      }
    }
  }
}

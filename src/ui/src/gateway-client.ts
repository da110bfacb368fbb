import { reconnectDelayMs } from "./backoff.ts";
import { type DeviceAuth, signPayload } from "./device-identity.ts";
import { GatewayRequestError, GatewayUnreachableError } from "./gateway-errors.ts";
import {
  buildConnectParams,
  CONNECT_ROLE,
  type ConnectClientInfo,
  type ConnectDevice,
  connectSignaturePayload,
  type EventFrame,
  type HelloOk,
  isAuthFailure,
  ProtocolError,
  parseChallengeNonce,
  parseHelloOk,
  parseInboundFrame,
  parseShutdownReason,
  type ResponseFrame,
} from "./protocol.ts";

export type ConnectionStatus =
  | { state: "connecting" }
  | { state: "connected"; hello: HelloOk }
  | { state: "disconnected"; reason: string; authFailed: boolean; retryInMs: number | undefined };

export interface GatewayClientOptions {
  url: string;
  client: ConnectClientInfo;
  /** Read at every connect, so a token entered after a refusal is used on the retry. */
  getToken(): string | undefined;
  /** Signs the challenge with this device and keeps the device token hello-ok issues. */
  device?: DeviceAuth;
  onStatus(status: ConnectionStatus): void;
  /** Every event except the handshake's `connect.challenge` and `tick`. */
  onEvent(frame: EventFrame): void;
  /** An event `seq` skipped numbers; the gateway never replays events, so refresh state. */
  onGap(): void;
}

// The gateway closes unauthenticated sockets after 10 s; wait a little longer so
// its own close reason is what the user sees.
const HANDSHAKE_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 30_000;
// Application close code for "the client gave up on this socket" (used for tick timeouts).
const CLIENT_GAVE_UP = 4000;

interface PendingRequest {
  method: string;
  resolve(payload: unknown): void;
  reject(err: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

// WEB-4: the notice names the close code, and says "no reason" when there is none.
function describeClose(ev: CloseEvent): string {
  return `${ev.reason || "no reason"} (code ${ev.code})`;
}

/**
 * Keeps one WebSocket open to the gateway: answers the connect challenge, watches
 * ticks, and reconnects with backoff. After an auth refusal it waits for
 * `reconnectNow()` instead, since the same token would be refused again.
 * Connection faults go to `onStatus`, never to a caller; `request` rejects with
 * `GatewayRequestError` (the gateway said no) or `GatewayUnreachableError` (no answer).
 */
export class GatewayClient {
  readonly #opts: GatewayClientOptions;
  readonly #pending = new Map<string, PendingRequest>();
  #ws: WebSocket | undefined;
  #status: ConnectionStatus = { state: "connecting" };
  #running = false;
  #nextId = 0;
  #attempt = 0;
  #lastSeq: number | undefined;
  #lastFrameAtMs = 0;
  #connectSent = false;
  #closeReason: string | undefined;
  #authFailed = false;
  #handshakeTimer: ReturnType<typeof setTimeout> | undefined;
  #reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  #watchdog: ReturnType<typeof setInterval> | undefined;

  constructor(opts: GatewayClientOptions) {
    this.#opts = opts;
  }

  get status(): ConnectionStatus {
    return this.#status;
  }

  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#open();
  }

  stop(): void {
    this.#running = false;
    clearTimeout(this.#reconnectTimer);
    if (this.#ws) this.#drop(this.#ws, "stopped");
  }

  /** Connects now instead of waiting out the backoff (or the token prompt). */
  reconnectNow(): void {
    if (!this.#running || this.#ws) return;
    clearTimeout(this.#reconnectTimer);
    this.#attempt = 0;
    this.#open();
  }

  request(method: string, params: unknown, timeoutMs = REQUEST_TIMEOUT_MS): Promise<unknown> {
    if (this.#status.state !== "connected" || !this.#ws) {
      return Promise.reject(new GatewayUnreachableError("not connected to the gateway"));
    }
    return this.#call(this.#ws, method, params, timeoutMs);
  }

  #call(ws: WebSocket, method: string, params: unknown, timeoutMs: number): Promise<unknown> {
    const id = `ui-${++this.#nextId}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new GatewayUnreachableError(`${method} got no answer within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      this.#pending.set(id, { method, resolve, reject, timer });
      ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }

  #setStatus(status: ConnectionStatus): void {
    this.#status = status;
    this.#opts.onStatus(status);
  }

  #open(): void {
    this.#closeReason = undefined;
    this.#authFailed = false;
    this.#connectSent = false;
    this.#lastSeq = undefined;
    this.#setStatus({ state: "connecting" });
    const ws = new WebSocket(this.#opts.url);
    this.#ws = ws;
    ws.onmessage = (ev) => {
      if (typeof ev.data === "string") this.#onFrame(ws, ev.data);
    };
    ws.onclose = (ev) => {
      if (ev.code === 1008 && ev.reason.startsWith("unauthorized")) this.#authFailed = true;
      this.#onSocketGone(ws, this.#closeReason ?? describeClose(ev));
    };
    this.#handshakeTimer = setTimeout(
      () => this.#drop(ws, "the gateway did not finish the handshake"),
      HANDSHAKE_TIMEOUT_MS,
    );
  }

  #onFrame(ws: WebSocket, text: string): void {
    if (ws !== this.#ws) return;
    let frame: ResponseFrame | EventFrame;
    try {
      frame = parseInboundFrame(text);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      console.warn("gateway: ignored a malformed frame:", err.message);
      return;
    }
    this.#lastFrameAtMs = Date.now();
    if (frame.type === "res") {
      this.#settle(frame);
      return;
    }
    if (frame.event === "connect.challenge") {
      void this.#sendConnect(ws, parseChallengeNonce(frame.payload) ?? "").catch((err: unknown) =>
        this.#drop(
          ws,
          `could not sign the connect request: ${err instanceof Error ? err.message : String(err)}`,
        ),
      );
      return;
    }
    if (frame.seq !== undefined) {
      if (this.#lastSeq !== undefined && frame.seq > this.#lastSeq + 1) this.#opts.onGap();
      this.#lastSeq = frame.seq;
    }
    if (frame.event === "tick") return;
    if (frame.event === "shutdown")
      this.#closeReason = `gateway stopping: ${parseShutdownReason(frame.payload)}`;
    this.#opts.onEvent(frame);
  }

  #settle(frame: ResponseFrame): void {
    const pending = this.#pending.get(frame.id);
    if (!pending) return;
    this.#pending.delete(frame.id);
    clearTimeout(pending.timer);
    if (frame.ok) pending.resolve(frame.payload);
    else pending.reject(new GatewayRequestError(pending.method, frame.error));
  }

  async #sendConnect(ws: WebSocket, nonce: string): Promise<void> {
    if (this.#connectSent) return;
    this.#connectSent = true;
    const token = this.#opts.getToken();
    const device = await this.#signedDevice(nonce, token);
    if (ws !== this.#ws) return; // dropped while we signed
    const params = buildConnectParams(this.#opts.client, token, device);
    this.#call(ws, "connect", params, HANDSHAKE_TIMEOUT_MS).then(
      (payload) => this.#onHello(ws, payload, device?.device.id),
      (err: unknown) => this.#onConnectFailed(ws, err),
    );
  }

  async #signedDevice(
    nonce: string,
    token: string | undefined,
  ): Promise<{ device: ConnectDevice; deviceToken: string | undefined } | undefined> {
    const identity = await this.#opts.device?.identity();
    if (!identity || !this.#opts.device) return undefined;
    const deviceToken = this.#opts.device.token(identity.deviceId, CONNECT_ROLE);
    const signedAt = Date.now();
    const payload = connectSignaturePayload(this.#opts.client, identity.deviceId, signedAt, nonce, {
      token,
      deviceToken,
    });
    const signature = await signPayload(identity, payload);
    return {
      device: { id: identity.deviceId, publicKey: identity.publicKey, signature, signedAt, nonce },
      deviceToken,
    };
  }

  #onHello(ws: WebSocket, payload: unknown, deviceId: string | undefined): void {
    if (ws !== this.#ws) return;
    clearTimeout(this.#handshakeTimer);
    let hello: HelloOk;
    try {
      hello = parseHelloOk(payload);
    } catch (err) {
      if (!(err instanceof ProtocolError)) throw err;
      this.#drop(ws, `unexpected handshake answer: ${err.message}`);
      return;
    }
    const issued = hello.auth.deviceToken;
    if (deviceId && issued) {
      this.#opts.device?.storeToken(deviceId, {
        role: hello.auth.role,
        token: issued,
        scopes: hello.auth.scopes,
      });
    }
    this.#attempt = 0;
    this.#watchTicks(ws, hello.tickIntervalMs);
    this.#setStatus({ state: "connected", hello });
  }

  #onConnectFailed(ws: WebSocket, err: unknown): void {
    if (ws !== this.#ws) return;
    if (err instanceof GatewayRequestError) {
      this.#authFailed = isAuthFailure(err);
      // The gateway closes with 1008 right after; closing here too means we need not wait for it.
      this.#drop(ws, err.message);
    } else if (err instanceof GatewayUnreachableError) {
      this.#drop(ws, err.message);
    } else {
      throw err;
    }
  }

  #watchTicks(ws: WebSocket, tickIntervalMs: number): void {
    // Any frame proves the socket alive; ticks guarantee one per interval.
    this.#watchdog = setInterval(() => {
      const silentMs = Date.now() - this.#lastFrameAtMs;
      if (silentMs > 2 * tickIntervalMs) {
        this.#drop(ws, `no tick from the gateway for ${Math.round(silentMs / 1000)} s`);
      }
    }, tickIntervalMs / 2);
  }

  /** Gives up on `ws` now, without waiting for a closing handshake a dead peer never sends. */
  #drop(ws: WebSocket, reason: string): void {
    if (ws !== this.#ws) return;
    ws.onmessage = null;
    ws.onclose = null;
    if (ws.readyState === WebSocket.CONNECTING || ws.readyState === WebSocket.OPEN) ws.close(CLIENT_GAVE_UP);
    this.#onSocketGone(ws, reason);
  }

  #onSocketGone(ws: WebSocket, reason: string): void {
    if (ws !== this.#ws) return;
    this.#ws = undefined;
    clearTimeout(this.#handshakeTimer);
    clearInterval(this.#watchdog);
    for (const pending of this.#pending.values()) {
      clearTimeout(pending.timer);
      pending.reject(new GatewayUnreachableError(`connection closed before ${pending.method} was answered`));
    }
    this.#pending.clear();
    if (!this.#running || this.#authFailed) {
      this.#setStatus({ state: "disconnected", reason, authFailed: this.#authFailed, retryInMs: undefined });
      return;
    }
    const delayMs = reconnectDelayMs(this.#attempt++);
    this.#setStatus({ state: "disconnected", reason, authFailed: false, retryInMs: delayMs });
    this.#reconnectTimer = setTimeout(() => this.#open(), delayMs);
  }
}

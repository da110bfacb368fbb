import { randomUUID } from "node:crypto";
import WebSocket from "ws";
import { buildDeviceAuthPayload } from "../protocol/device-auth.ts";
import { type ErrorShape, type EventFrame, type HelloOk, PROTOCOL_VERSION } from "../protocol/frames.ts";
import { type DeviceIdentity, publicKeyRaw, signPayload } from "./device-identity.ts";

export interface ClientOptions {
  url: string;
  token?: string;
  password?: string;
  clientId?: "cli" | "gateway-client" | "test" | "openclaw-probe" | "node-host";
  mode?: "cli" | "backend" | "test" | "probe" | "node";
  /** `node` connects as a node (NODE-1): no operator scopes, callable through `node.invoke`. */
  role?: "operator" | "node";
  /** What a node offers (`connect` params `caps`, `commands`). */
  caps?: string[];
  commands?: string[];
  displayName?: string;
  /** Extra HTTP headers of the upgrade request (an access proxy's own credentials, for one). */
  headers?: Record<string, string>;
  version?: string;
  scopes?: string[];
  /** Connect + handshake budget. */
  connectTimeoutMs?: number;
  /**
   * Sign the challenge with this identity (reference-gateway §2 item 7, payload v3). With a
   * `deviceToken` from an earlier `hello-ok.auth.deviceToken`, it is sent too and can stand in
   * for the shared secret; a new token in this connect's hello-ok is the caller's to store.
   */
  device?: { identity: DeviceIdentity; deviceToken?: string | undefined };
}

/** The gateway answered a request with an error frame. */
export class GatewayRequestError extends Error {
  override name = "GatewayRequestError";
  readonly code: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(error: ErrorShape) {
    super(error.message);
    this.code = error.code;
    this.details = error.details;
  }
}

/** The gateway could not be reached, or closed the connection before answering. */
export class GatewayUnreachableError extends Error {
  override name = "GatewayUnreachableError";
}

interface Pending {
  resolve(payload: unknown): void;
  reject(err: Error): void;
  expectFinal: boolean;
  onAck?: (payload: unknown) => void;
  acked: boolean;
  timer: NodeJS.Timeout;
}

const DEFAULT_SCOPES = [
  "operator.admin",
  "operator.read",
  "operator.write",
  "operator.approvals",
  "operator.pairing",
];

/** The `connect` params for `opts`, signing `nonce` when a device identity is given. */
function connectParams(opts: ClientOptions, nonce: string): Record<string, unknown> {
  const client = {
    id: opts.clientId ?? "cli",
    version: opts.version ?? "0.0.0",
    platform: process.platform,
    mode: opts.mode ?? "cli",
    ...(opts.displayName ? { displayName: opts.displayName } : {}),
  };
  const role = opts.role ?? "operator";
  const scopes = opts.scopes ?? (role === "node" ? [] : DEFAULT_SCOPES);
  const deviceToken = opts.device?.deviceToken;
  const auth = {
    ...(opts.token ? { token: opts.token } : {}),
    ...(opts.password ? { password: opts.password } : {}),
    ...(deviceToken ? { deviceToken } : {}),
  };
  let device: Record<string, unknown> | undefined;
  if (opts.device) {
    const { identity } = opts.device;
    const signedAt = Date.now();
    const payload = buildDeviceAuthPayload("v3", {
      deviceId: identity.deviceId,
      clientId: client.id,
      clientMode: client.mode,
      role,
      scopes,
      signedAtMs: signedAt,
      token: opts.token ?? deviceToken ?? "",
      nonce,
      platform: client.platform,
    });
    device = {
      id: identity.deviceId,
      publicKey: publicKeyRaw(identity),
      signature: signPayload(identity, payload),
      signedAt,
      nonce,
    };
  }
  return {
    minProtocol: PROTOCOL_VERSION,
    maxProtocol: PROTOCOL_VERSION,
    client,
    role,
    scopes,
    ...(opts.caps ? { caps: opts.caps } : {}),
    ...(opts.commands ? { commands: opts.commands } : {}),
    ...(device ? { device } : {}),
    ...(Object.keys(auth).length ? { auth } : {}),
  };
}

/**
 * A typed client of the gateway protocol for the CLI and tests: waits for the challenge, sends
 * `connect`, then multiplexes requests by id. Every wait has a timeout; a close rejects all pending.
 */
export class GatewayClient {
  readonly hello: HelloOk;
  readonly #ws: WebSocket;
  readonly #pending = new Map<string, Pending>();
  readonly #listeners = new Set<(ev: EventFrame) => void>();
  #closeInfo: { code: number; reason: string } | undefined;
  readonly #closeListeners = new Set<(info: { code: number; reason: string }) => void>();

  private constructor(ws: WebSocket, hello: HelloOk) {
    this.#ws = ws;
    this.hello = hello;
    ws.on("message", (data) => this.#onFrame(String(data)));
    ws.on("close", (code, reason) => {
      this.#closeInfo = { code, reason: String(reason) };
      for (const fn of this.#closeListeners) fn(this.#closeInfo);
      for (const p of this.#pending.values()) {
        clearTimeout(p.timer);
        p.reject(
          new GatewayUnreachableError(
            `gateway closed the connection (${code}${reason.length ? ` ${reason}` : ""})`,
          ),
        );
      }
      this.#pending.clear();
    });
  }

  static async connect(opts: ClientOptions): Promise<GatewayClient> {
    const ws = new WebSocket(opts.url, {
      handshakeTimeout: opts.connectTimeoutMs ?? 10_000,
      maxPayload: 64 * 1024 * 1024,
      ...(opts.headers ? { headers: opts.headers } : {}),
    });
    const hello = await new Promise<HelloOk>((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new GatewayUnreachableError(`timed out connecting to ${opts.url}`));
      }, opts.connectTimeoutMs ?? 10_000);
      const id = randomUUID();
      ws.on("error", (err) => {
        clearTimeout(timer);
        reject(
          new GatewayUnreachableError(`cannot reach the gateway at ${opts.url}: ${err.message}`, {
            cause: err,
          }),
        );
      });
      ws.on("close", (code, reason) => {
        clearTimeout(timer);
        reject(
          new GatewayUnreachableError(
            `gateway closed the connection (${code}${reason.length ? ` ${String(reason)}` : ""})`,
          ),
        );
      });
      ws.on("message", (data) => {
        let frame: {
          type?: string;
          event?: string;
          id?: string;
          ok?: boolean;
          payload?: unknown;
          error?: ErrorShape;
        };
        try {
          frame = JSON.parse(String(data));
        } catch {
          return;
        }
        if (frame.type === "event" && frame.event === "connect.challenge") {
          const nonce = (frame.payload as { nonce?: unknown } | undefined)?.nonce;
          ws.send(
            JSON.stringify({
              type: "req",
              id,
              method: "connect",
              params: connectParams(opts, typeof nonce === "string" ? nonce : ""),
            }),
          );
        } else if (frame.type === "res" && frame.id === id) {
          clearTimeout(timer);
          ws.removeAllListeners("message");
          ws.removeAllListeners("close");
          ws.removeAllListeners("error");
          ws.on("error", () => undefined); // errors after connect surface as a close
          if (frame.ok) resolve(frame.payload as HelloOk);
          else
            reject(
              new GatewayRequestError(frame.error ?? { code: "UNAVAILABLE", message: "connect failed" }),
            );
        }
      });
    });
    return new GatewayClient(ws, hello);
  }

  /** Sends one request; with `expectFinal`, resolves on the second response (e.g. `agent`). */
  request<T = unknown>(
    method: string,
    params: unknown = {},
    opts: { timeoutMs?: number; expectFinal?: boolean; onAck?: (payload: unknown) => void } = {},
  ): Promise<T> {
    if (this.#ws.readyState !== WebSocket.OPEN) {
      return Promise.reject(
        new GatewayUnreachableError(
          `gateway closed the connection${this.#closeInfo ? ` (${[this.#closeInfo.code, this.#closeInfo.reason].filter(Boolean).join(" ")})` : ""}`,
        ),
      );
    }
    const id = randomUUID();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(id);
        reject(new GatewayUnreachableError(`${method} timed out after ${opts.timeoutMs ?? 30_000} ms`));
      }, opts.timeoutMs ?? 30_000);
      this.#pending.set(id, {
        resolve: resolve as (p: unknown) => void,
        reject,
        expectFinal: opts.expectFinal === true,
        ...(opts.onAck ? { onAck: opts.onAck } : {}),
        acked: false,
        timer,
      });
      this.#ws.send(JSON.stringify({ type: "req", id, method, params }));
    });
  }

  onEvent(fn: (ev: EventFrame) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Called once when the connection ends, whoever ends it. */
  onClose(fn: (info: { code: number; reason: string }) => void): () => void {
    if (this.#closeInfo) {
      fn(this.#closeInfo);
      return () => undefined;
    }
    this.#closeListeners.add(fn);
    return () => this.#closeListeners.delete(fn);
  }

  get isOpen(): boolean {
    return this.#ws.readyState === WebSocket.OPEN;
  }

  close(): void {
    this.#ws.close(1000, "bye");
  }

  #onFrame(text: string): void {
    let frame: { type?: string; id?: string; ok?: boolean; payload?: unknown; error?: ErrorShape };
    try {
      frame = JSON.parse(text);
    } catch {
      return;
    }
    if (frame.type === "event") {
      for (const fn of this.#listeners) fn(frame as EventFrame);
      return;
    }
    if (frame.type !== "res" || !frame.id) return;
    const p = this.#pending.get(frame.id);
    if (!p) return;
    if (!frame.ok) {
      clearTimeout(p.timer);
      this.#pending.delete(frame.id);
      p.reject(new GatewayRequestError(frame.error ?? { code: "UNAVAILABLE", message: "request failed" }));
      return;
    }
    if (p.expectFinal && !p.acked) {
      p.acked = true;
      p.onAck?.(frame.payload);
      return;
    }
    clearTimeout(p.timer);
    this.#pending.delete(frame.id);
    p.resolve(frame.payload);
  }
}

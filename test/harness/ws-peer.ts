import { randomUUID } from "node:crypto";
import WebSocket from "ws";

/** A frame as a raw peer sees it: whatever JSON the gateway sent. */
export type Frame = Record<string, unknown> & { type?: string; id?: string; event?: string; seq?: number };

export interface CloseInfo {
  code: number;
  reason: string;
}

/**
 * A WebSocket peer that speaks the protocol by hand, for tests of what the gateway does with
 * frames a well-behaved client would never send. It records every frame and the close.
 */
export interface WsPeer {
  ws: WebSocket;
  frames: Frame[];
  /** Resolves with the first frame (already received or later) matching `pred`. */
  waitFor(pred: (f: Frame) => boolean, timeoutMs?: number): Promise<Frame>;
  /** Resolves with the `res` frame for request `id`. */
  response(id: string, timeoutMs?: number): Promise<Frame>;
  /** Sends a `req` and resolves with its `res`. */
  request(method: string, params?: unknown): Promise<Frame>;
  /** Sends `connect` (defaults below, overridden by `params`) and resolves with its `res`. */
  connect(params?: Record<string, unknown>): Promise<Frame>;
  send(data: string | Buffer | object): void;
  /** Resolves when the gateway (or the peer) closes the socket; rejects after `timeoutMs`. */
  waitClose(timeoutMs?: number): Promise<CloseInfo>;
  close(): void;
}

/**
 * Connect params of a test client; `token` goes into `auth.token`. It connects as the local
 * backend client, which keeps its requested scopes without a device (reference §2 item 7).
 */
export function connectParams(opts: { token?: string } = {}): Record<string, unknown> {
  return {
    minProtocol: 4,
    maxProtocol: 4,
    client: { id: "gateway-client", version: "0.0.0", platform: process.platform, mode: "backend" },
    ...(opts.token ? { auth: { token: opts.token } } : {}),
  };
}

/**
 * Opens a socket to `url` and resolves once it is open (before any frame is sent). `headers` are
 * sent with the upgrade (a browser's `Origin`, a proxy's `X-Forwarded-For`).
 */
export function openPeer(
  url: string,
  opts: { token?: string; headers?: Record<string, string> } = {},
): Promise<WsPeer> {
  const ws = new WebSocket(url, opts.headers ? { headers: opts.headers } : {});
  const frames: Frame[] = [];
  const waiters = new Set<() => void>();
  // Writes that race a server-side close (EPIPE, ECONNRESET) surface here; the close is what we assert.
  ws.on("error", () => undefined);
  ws.on("message", (data) => {
    frames.push(JSON.parse(String(data)) as Frame);
    for (const w of waiters) w();
  });
  const closed = new Promise<CloseInfo>((resolve) =>
    ws.on("close", (code, reason) => {
      resolve({ code, reason: reason.toString("utf8") });
      for (const w of waiters) w();
    }),
  );
  let isClosed = false;
  void closed.then(() => {
    isClosed = true;
  });

  const waitFor = (pred: (f: Frame) => boolean, timeoutMs = 20_000): Promise<Frame> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const hit = frames.find(pred);
        if (hit) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(hit);
        } else if (isClosed || ws.readyState === WebSocket.CLOSED) {
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`socket closed before the frame arrived; saw ${summary(frames)}`));
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`no matching frame within ${timeoutMs} ms; saw ${summary(frames)}`));
      }, timeoutMs);
      waiters.add(check);
      check();
    });
  const send = (data: string | Buffer | object): void =>
    ws.send(typeof data === "string" || Buffer.isBuffer(data) ? data : JSON.stringify(data));
  const response = (id: string, timeoutMs?: number): Promise<Frame> =>
    waitFor((f) => f.type === "res" && f.id === id, timeoutMs);
  const request = (method: string, params?: unknown): Promise<Frame> => {
    const id = randomUUID();
    send({ type: "req", id, method, ...(params !== undefined ? { params } : {}) });
    return response(id);
  };
  const peer: WsPeer = {
    ws,
    frames,
    waitFor,
    response,
    request,
    connect: (params = {}) => request("connect", { ...connectParams(opts), ...params }),
    send,
    waitClose: (timeoutMs = 20_000) => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`socket still open after ${timeoutMs} ms; saw ${summary(frames)}`)),
          timeoutMs,
        );
      });
      return Promise.race([closed, timeout]).finally(() => clearTimeout(timer));
    },
    close: () => ws.close(1000, "bye"),
  };
  return new Promise((resolve, reject) => {
    ws.once("open", () => resolve(peer));
    ws.once("error", reject);
  });
}

function summary(frames: Frame[]): string {
  return JSON.stringify(frames).slice(0, 2000);
}

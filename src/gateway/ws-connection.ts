import { randomBytes, randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { RawData, WebSocket } from "ws";
import type { Logger } from "../infra/logger.ts";
import {
  ConnectParamsSchema,
  HANDSHAKE_TIMEOUT_MS,
  type HelloOk,
  MAX_BUFFERED_BYTES,
  MAX_PAYLOAD_BYTES,
  MAX_PRECONNECT_FRAME_BYTES,
  PROTOCOL_VERSION,
  RequestFrameSchema,
  type ResponseFrame,
  TICK_INTERVAL_MS,
} from "../protocol/frames.ts";
import type { AuthRateLimiter } from "./auth-rate-limit.ts";
import type { ClientAddress } from "./client-address.ts";
import { admissionRefusal, recordAuthOutcome } from "./connect-admission.ts";
import type { ConnectionSlot } from "./connection-limits.ts";
import { authorizeConnect, type ConnectAuthOutcome, peerInfo } from "./device-connect.ts";
import { DevicePairingStore } from "./device-pairing.ts";
import { GATEWAY_EVENTS } from "./event-hub.ts";
import type { CallerInfo, MethodRegistry } from "./method-registry.ts";
import { allowedNodeCommands } from "./node-registry.ts";
import type { GatewayServices } from "./services.ts";
import { serveClaim, type TailscaleVerifier } from "./tailscale-identity.ts";

export interface ConnectionDeps {
  registry: MethodRegistry;
  services: GatewayServices;
  log: Logger;
  snapshot: () => Promise<Record<string, unknown>>;
  /** Failed-auth throttle shared by every connection of this listener. */
  authLimiter: AuthRateLimiter;
  /** Checks Tailscale Serve identities with the local daemon (shared, it caches answers). */
  tailscale: TailscaleVerifier;
}

/** What the listener learnt about this socket before it became a WebSocket. */
export interface AcceptedSocket {
  client: ClientAddress;
  /** Its place under the connection caps; released when the socket closes. */
  slot: ConnectionSlot;
}

/**
 * Frames a client may queue behind `connect` before hello-ok; more, or a bigger one, is a client
 * trying to make us buffer for it (the first frame alone is capped at 64 KiB, reference §2 item 10).
 */
const MAX_PRECONNECT_QUEUED_FRAMES = 64;

/**
 * The flood guard (reference §2 item 11): a client that keeps calling what it may not is probing,
 * not confused, and is closed with 1008 `repeated unauthorized calls`.
 */
const UNAUTHORIZED_CALL = /^(unauthorized role|missing scope):/;
const UNAUTHORIZED_CALL_LIMIT = 10;
const UNAUTHORIZED_CALL_WINDOW_MS = 60_000;

/** Counts events in a sliding window; `hit` says when the limit is reached. */
class CallWindow {
  readonly #times: number[] = [];
  readonly #limit: number;
  readonly #windowMs: number;

  constructor(limit: number, windowMs: number) {
    this.#limit = limit;
    this.#windowMs = windowMs;
  }

  hit(now: number): boolean {
    while (this.#times.length > 0 && now - (this.#times[0] as number) >= this.#windowMs) this.#times.shift();
    this.#times.push(now);
    return this.#times.length >= this.#limit;
  }
}

/**
 * Close reasons are UTF-8 and at most 123 bytes on the wire (`ws` throws on more); OpenClaw
 * truncates to 120. Every `close(code, reason)` with a reason built from data goes through this.
 */
export function closeReason(text: string): string {
  const buf = Buffer.from(text, "utf8");
  return buf.length <= 120
    ? text
    : buf
        .subarray(0, 120)
        .toString("utf8")
        .replace(/\uFFFD$/, "");
}

function rawToText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString("utf8");
  return Buffer.from(data as ArrayBuffer).toString("utf8");
}

function rawLength(data: RawData): number {
  if (Array.isArray(data)) return data.reduce((n, b) => n + b.length, 0);
  return (data as ArrayBuffer).byteLength;
}

/**
 * One client connection: challenge, `connect` handshake with auth, then request dispatch.
 * Every failure here ends in a frame or a close for this client only; nothing escapes to the
 * server (a throwing handler becomes UNAVAILABLE, a bad frame INVALID_REQUEST).
 */
export function acceptConnection(
  ws: WebSocket,
  req: IncomingMessage,
  deps: ConnectionDeps,
  accepted: AcceptedSocket,
): void {
  const connId = randomUUID();
  const nonce = randomBytes(16).toString("base64url");
  const peer = peerInfo(req, accepted.client);
  const serveRequest = serveClaim(req);
  const host = req.headers.host;
  const remoteAddress = peer.remoteAddress;
  const log = deps.log;
  const closed = new AbortController();
  let caller: CallerInfo | undefined;
  /** The first frame's handshake, settled either way; every later frame waits for it. */
  let handshakeSettled: Promise<void> | undefined;
  let seq = 0;
  let queuedBeforeHello = 0;
  const refusedCalls = new CallWindow(UNAUTHORIZED_CALL_LIMIT, UNAUTHORIZED_CALL_WINDOW_MS);
  let unsubscribe: (() => void) | undefined;

  const send = (frame: object): void => {
    if (ws.readyState !== ws.OPEN) return;
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
      // A client that stops reading must not grow our memory without bound.
      log.warn("closing slow consumer", { connId, bufferedBytes: ws.bufferedAmount });
      ws.close(1008, "slow consumer");
      return;
    }
    ws.send(JSON.stringify(frame));
  };
  const sendEvent = (event: string, payload: unknown): void =>
    send({ type: "event", event, payload, seq: seq++ });
  const fail = (code: 1002 | 1008 | 1009, reason: string): void => {
    if (ws.readyState === ws.OPEN) ws.close(code, closeReason(reason));
  };

  const handshakeTimer = setTimeout(() => fail(1008, "handshake timeout"), HANDSHAKE_TIMEOUT_MS);
  ws.on("close", () => {
    accepted.slot.release();
    clearTimeout(handshakeTimer);
    unsubscribe?.();
    closed.abort();
  });
  ws.on("error", (err) => log.debug("socket error", { connId, err }));
  sendEvent("connect.challenge", { nonce, ts: Date.now() });

  ws.on("message", (data, isBinary) => {
    void onMessage(data, isBinary).catch((err: unknown) => {
      log.error("connection handler failed", { connId, err });
      fail(1008, "internal error");
    });
  });

  async function onMessage(data: RawData, isBinary: boolean): Promise<void> {
    if (!handshakeSettled) {
      const run = handshake(data, isBinary);
      // A failed handshake is reported by this frame's own handler; later frames only need to know
      // it is over, so that a request pipelined behind `connect` is answered after hello-ok.
      handshakeSettled = Promise.allSettled([run]).then(() => undefined);
      return run;
    }
    if (!caller) {
      queuedBeforeHello++;
      if (rawLength(data) > MAX_PRECONNECT_FRAME_BYTES) return fail(1008, "pre-connect frame too large");
      if (queuedBeforeHello > MAX_PRECONNECT_QUEUED_FRAMES) return fail(1008, "too many pre-connect frames");
    }
    await handshakeSettled;
    if (!caller) return; // the handshake failed and the socket is closing
    let frame: unknown;
    try {
      frame = JSON.parse(rawToText(data));
    } catch {
      send({
        type: "res",
        id: "invalid",
        ok: false,
        error: { code: "INVALID_REQUEST", message: "invalid request frame: not JSON" },
      });
      return;
    }
    const parsed = RequestFrameSchema.safeParse(frame);
    if (!parsed.success) {
      const id =
        typeof (frame as { id?: unknown })?.id === "string" ? (frame as { id: string }).id : "invalid";
      send({
        type: "res",
        id,
        ok: false,
        error: {
          code: "INVALID_REQUEST",
          message: `invalid request frame: ${parsed.error.issues[0]?.message ?? "bad shape"}`,
        },
      });
      return;
    }
    const { id, method, params } = parsed.data;
    const outcome = await deps.registry.dispatch(method, params, {
      caller,
      services: deps.services,
      log,
      signal: closed.signal,
      ack: (payload) => send({ type: "res", id, ok: true, payload } satisfies ResponseFrame),
    });
    send(
      outcome.ok
        ? { type: "res", id, ok: true, payload: outcome.payload }
        : { type: "res", id, ok: false, error: outcome.error },
    );
    if (!outcome.ok && UNAUTHORIZED_CALL.test(outcome.error.message) && refusedCalls.hit(Date.now()))
      fail(1008, "repeated unauthorized calls");
  }

  async function handshake(data: RawData, isBinary: boolean): Promise<void> {
    if (isBinary || rawLength(data) > MAX_PRECONNECT_FRAME_BYTES) return fail(1008, "invalid request frame");
    let frame: unknown;
    try {
      frame = JSON.parse(rawToText(data));
    } catch {
      return fail(1008, "invalid request frame");
    }
    const req = RequestFrameSchema.safeParse(frame);
    if (!req.success) return fail(1008, "invalid request frame");
    const { id } = req.data;
    const reject = (
      message: string,
      closeCode: 1002 | 1008,
      details?: Record<string, unknown>,
      reason = message,
    ): void => {
      send({
        type: "res",
        id,
        ok: false,
        error: { code: "INVALID_REQUEST", message, ...(details ? { details } : {}) },
      });
      fail(closeCode, reason);
    };
    if (req.data.method !== "connect")
      return reject("invalid handshake: first request must be connect", 1008);
    const params = ConnectParamsSchema.safeParse(req.data.params);
    if (!params.success) {
      const detail = params.error.issues
        .map((i) => `${i.path.join(".") || "params"}: ${i.message}`)
        .join("; ");
      return reject(`invalid connect params: ${detail}`, 1008, undefined, "invalid connect params");
    }
    const p = params.data;
    if (p.maxProtocol < PROTOCOL_VERSION || p.minProtocol > PROTOCOL_VERSION) {
      return reject("protocol mismatch", 1002, { expectedProtocol: PROTOCOL_VERSION });
    }
    const role = p.role ?? "operator";
    if (role !== "operator" && role !== "node") return reject("invalid role", 1008);
    const gateway = () => deps.services.config.current.config.gateway;
    // A request proxied by Tailscale Serve on this machine, when Serve identities are accepted.
    const serve = deps.services.runtime().allowTailscale ? serveRequest : undefined;
    const refusal = admissionRefusal({
      peer,
      host,
      gateway: gateway(),
      limiter: deps.authLimiter,
      nowMs: Date.now(),
      viaTailscaleServe: serve !== undefined,
    });
    if (refusal) return refuseConnect(id, p.client.id, refusal);
    const tailscaleUser = serve && (await deps.tailscale.verify(serve, Date.now())) ? serve.login : undefined;
    const outcome = await authorizeConnect({
      params: p,
      role,
      nonce,
      peer,
      auth: deps.services.runtime().auth,
      controlUi: deps.services.config.current.config.gateway?.controlUi ?? {},
      devices: new DevicePairingStore(deps.services.paths.stateDir),
      broadcast: (event, payload) => deps.services.events.broadcast(event, payload),
      nowMs: Date.now(),
      ...(tailscaleUser ? { tailscaleUser } : {}),
    });
    recordAuthOutcome({ peer, outcome, gateway: gateway(), limiter: deps.authLimiter, nowMs: Date.now() });
    if (!outcome.ok) return refuseConnect(id, p.client.id, outcome);
    clearTimeout(handshakeTimer);
    accepted.slot.authenticated();
    const scopes = new Set(outcome.scopes);
    caller = {
      connId,
      ...(outcome.deviceId ? { deviceId: outcome.deviceId } : {}),
      role,
      scopes,
      clientId: p.client.id,
      clientMode: p.client.mode,
      remoteAddress,
    };
    const hello: HelloOk = {
      type: "hello-ok",
      protocol: PROTOCOL_VERSION,
      server: { version: deps.services.version, connId },
      features: { methods: deps.registry.names(), events: GATEWAY_EVENTS },
      snapshot: await deps.snapshot(),
      auth: {
        role,
        scopes: [...scopes],
        ...(outcome.deviceToken ? { deviceToken: outcome.deviceToken } : {}),
        ...(outcome.issuedAtMs !== undefined ? { issuedAtMs: outcome.issuedAtMs } : {}),
      },
      policy: {
        maxPayload: MAX_PAYLOAD_BYTES,
        maxBufferedBytes: MAX_BUFFERED_BYTES,
        tickIntervalMs: TICK_INTERVAL_MS,
      },
    };
    // The socket may have closed while the snapshot was built; subscribing now would leak.
    if (closed.signal.aborted) return;
    send({ type: "res", id, ok: true, payload: hello });
    const stopEvents = deps.services.events.add({ scopes, sendEvent });
    // A node is reachable for `node.invoke` from now on, under its (verified) device id.
    const detachNode =
      role === "node" && p.device
        ? deps.services.nodes.attach({
            nodeId: p.device.id,
            connId,
            displayName: p.client.displayName,
            platform: p.client.platform,
            version: p.client.version,
            caps: p.caps ?? [],
            commands: allowedNodeCommands(
              p.commands ?? [],
              deps.services.config.current.config.gateway?.nodes,
            ),
            permissions: p.permissions,
            remoteIp: remoteAddress,
            connectedAtMs: Date.now(),
            sendEvent,
          })
        : undefined;
    unsubscribe = () => {
      stopEvents();
      detachNode?.();
    };
    log.debug("client connected", { connId, client: p.client.id, mode: p.client.mode, remoteAddress });
  }

  function refuseConnect(
    id: string,
    client: string,
    outcome: Extract<ConnectAuthOutcome, { ok: false }>,
  ): void {
    log.warn("connect rejected", {
      connId,
      remoteAddress,
      client,
      code: outcome.error.details?.["code"] ?? outcome.error.code,
    });
    send({ type: "res", id, ok: false, error: outcome.error });
    fail(1008, outcome.closeReason);
  }
}

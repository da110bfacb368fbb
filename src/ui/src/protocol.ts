/**
 * The gateway WebSocket protocol (v4) as the Control UI speaks it: frame shapes,
 * the `connect` params, and parsers for the payloads the UI reads. Wire names keep
 * the wire's spelling and stay in this module and `chat-rpc.ts`.
 *
 * Hand-written guards instead of zod keep the page bundle small; every parser here
 * either returns a typed value or throws `ProtocolError`.
 */

import { buildDeviceAuthPayload } from "../../protocol/device-auth.ts";

export const PROTOCOL_VERSION = 4;

/** The server's default when hello-ok carries no policy (reference-gateway §2, step 10). */
export const DEFAULT_TICK_INTERVAL_MS = 30_000;

export const OPERATOR_SCOPES = [
  "operator.admin",
  "operator.read",
  "operator.write",
  "operator.approvals",
  "operator.pairing",
] as const;

export interface ErrorShape {
  code: string;
  message: string;
  details?: Record<string, unknown>;
  retryable?: boolean;
  retryAfterMs?: number;
}

export type ResponseFrame =
  | { type: "res"; id: string; ok: true; payload: unknown }
  | { type: "res"; id: string; ok: false; error: ErrorShape };

export interface EventFrame {
  type: "event";
  event: string;
  payload: unknown;
  seq: number | undefined;
}

export type InboundFrame = ResponseFrame | EventFrame;

export interface SessionDefaults {
  defaultAgentId: string;
  mainKey: string;
  mainSessionKey: string;
}

export interface HelloOk {
  protocol: number;
  serverVersion: string;
  connId: string;
  methods: string[];
  sessionDefaults: SessionDefaults | undefined;
  tickIntervalMs: number;
  /** `auth`: what this connection holds, and a device token the gateway issued. */
  auth: { role: string; scopes: string[]; deviceToken: string | undefined };
}

export class ProtocolError extends Error {
  override name = "ProtocolError" as const;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function optionalString(value: unknown): string | undefined {
  return typeof value === "string" ? value : undefined;
}

function parseErrorShape(value: unknown): ErrorShape {
  if (!isRecord(value)) return { code: "UNAVAILABLE", message: "request failed" };
  const shape: ErrorShape = {
    code: optionalString(value["code"]) ?? "UNAVAILABLE",
    message: optionalString(value["message"]) ?? "request failed",
  };
  if (isRecord(value["details"])) shape.details = value["details"];
  if (typeof value["retryable"] === "boolean") shape.retryable = value["retryable"];
  if (typeof value["retryAfterMs"] === "number") shape.retryAfterMs = value["retryAfterMs"];
  return shape;
}

/** Parses one text frame from the server. Throws `ProtocolError` on anything else. */
export function parseInboundFrame(text: string): InboundFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ProtocolError("frame is not JSON", { cause: err });
  }
  if (!isRecord(value)) throw new ProtocolError("frame is not an object");
  if (value["type"] === "res" && typeof value["id"] === "string") {
    if (value["ok"] === true) return { type: "res", id: value["id"], ok: true, payload: value["payload"] };
    return { type: "res", id: value["id"], ok: false, error: parseErrorShape(value["error"]) };
  }
  if (value["type"] === "event" && typeof value["event"] === "string") {
    const seq = typeof value["seq"] === "number" ? value["seq"] : undefined;
    return { type: "event", event: value["event"], payload: value["payload"], seq };
  }
  throw new ProtocolError(`unexpected frame type: ${String(value["type"])}`);
}

export interface ConnectClientInfo {
  version: string;
  platform: string;
  userAgent: string;
  locale: string;
}

/** `connect.params.device`: the challenge nonce signed with the device key. */
export interface ConnectDevice {
  id: string;
  publicKey: string;
  signature: string;
  signedAt: number;
  nonce: string;
}

export const CONTROL_UI_CLIENT_ID = "openclaw-control-ui";
export const CONTROL_UI_MODE = "webchat";
export const CONNECT_ROLE = "operator";

/**
 * The v3 string the device signs (reference-gateway §2 item 7), for the fields this UI sends:
 * the token field carries the shared token, else the device token.
 */
export function connectSignaturePayload(
  info: ConnectClientInfo,
  deviceId: string,
  signedAtMs: number,
  nonce: string,
  auth: { token?: string | undefined; deviceToken?: string | undefined },
): string {
  return buildDeviceAuthPayload("v3", {
    deviceId,
    clientId: CONTROL_UI_CLIENT_ID,
    clientMode: CONTROL_UI_MODE,
    role: CONNECT_ROLE,
    scopes: OPERATOR_SCOPES,
    signedAtMs,
    token: auth.token ?? auth.deviceToken ?? "",
    nonce,
    platform: info.platform,
  });
}

/** The `connect` request params; `auth` is left out when we hold no token. */
export function buildConnectParams(
  info: ConnectClientInfo,
  token: string | undefined,
  device?: { device: ConnectDevice; deviceToken: string | undefined },
): Record<string, unknown> {
  const deviceToken = device?.deviceToken;
  const auth = { ...(token ? { token } : {}), ...(deviceToken ? { deviceToken } : {}) };
  return {
    minProtocol: PROTOCOL_VERSION,
    maxProtocol: PROTOCOL_VERSION,
    client: {
      id: CONTROL_UI_CLIENT_ID,
      displayName: "Control UI",
      version: info.version,
      platform: info.platform,
      mode: CONTROL_UI_MODE,
    },
    role: CONNECT_ROLE,
    scopes: [...OPERATOR_SCOPES],
    ...(device ? { device: device.device } : {}),
    ...(Object.keys(auth).length ? { auth } : {}),
    userAgent: info.userAgent,
    locale: info.locale,
  };
}

/** `connect.challenge` payload: the nonce to sign. */
export function parseChallengeNonce(payload: unknown): string | undefined {
  return isRecord(payload) ? optionalString(payload["nonce"]) : undefined;
}

function parseSessionDefaults(value: unknown): SessionDefaults | undefined {
  if (!isRecord(value) || typeof value["mainSessionKey"] !== "string") return undefined;
  return {
    defaultAgentId: optionalString(value["defaultAgentId"]) ?? "main",
    mainKey: optionalString(value["mainKey"]) ?? "main",
    mainSessionKey: value["mainSessionKey"],
  };
}

export function parseHelloOk(payload: unknown): HelloOk {
  if (!isRecord(payload) || payload["type"] !== "hello-ok") throw new ProtocolError("expected hello-ok");
  const server = isRecord(payload["server"]) ? payload["server"] : {};
  const features = isRecord(payload["features"]) ? payload["features"] : {};
  const snapshot = isRecord(payload["snapshot"]) ? payload["snapshot"] : {};
  const policy = isRecord(payload["policy"]) ? payload["policy"] : {};
  const tick = policy["tickIntervalMs"];
  const methods = Array.isArray(features["methods"]) ? features["methods"] : [];
  const auth = isRecord(payload["auth"]) ? payload["auth"] : {};
  const scopes = Array.isArray(auth["scopes"]) ? auth["scopes"] : [];
  return {
    protocol: typeof payload["protocol"] === "number" ? payload["protocol"] : PROTOCOL_VERSION,
    serverVersion: optionalString(server["version"]) ?? "unknown",
    connId: optionalString(server["connId"]) ?? "",
    methods: methods.filter((m): m is string => typeof m === "string"),
    sessionDefaults: parseSessionDefaults(snapshot["sessionDefaults"]),
    tickIntervalMs: typeof tick === "number" && tick > 0 ? tick : DEFAULT_TICK_INTERVAL_MS,
    auth: {
      role: optionalString(auth["role"]) ?? CONNECT_ROLE,
      scopes: scopes.filter((s): s is string => typeof s === "string"),
      deviceToken: optionalString(auth["deviceToken"]),
    },
  };
}

/** `shutdown` event payload: `{reason, restartExpectedMs?}`. */
export function parseShutdownReason(payload: unknown): string {
  return (isRecord(payload) && optionalString(payload["reason"])) || "gateway stopping";
}

/**
 * Whether a failed `connect` means our credentials were refused, so retrying with
 * the same token is pointless and the user must enter another one. The gateway
 * marks these with `details.code` `AUTH_*` and a message starting `unauthorized:`.
 */
export function isAuthFailure(error: {
  message: string;
  details?: Record<string, unknown> | undefined;
}): boolean {
  const detailCode = error.details?.["code"];
  if (typeof detailCode === "string" && detailCode.startsWith("AUTH_")) return true;
  return error.message.startsWith("unauthorized");
}

import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { type ConnectParams, type ErrorShape, OPERATOR_SCOPES } from "../protocol/frames.ts";
import { type AuthDecision, checkSharedAuth } from "./auth-check.ts";
import type { ClientAddress } from "./client-address.ts";
import { verifyDeviceAuth } from "./device-auth.ts";
import { type DeviceClaim, type DevicePairingStore, pairingNeeded } from "./device-pairing.ts";
import type { GatewayAuth } from "./runtime-config.ts";

/** Where a connect comes from, as far as the auth rules care (reference-gateway §2 items 5–8). */
export interface PeerInfo {
  remoteAddress: string;
  /** Loopback socket and no proxy headers: the local machine itself. */
  isLocal: boolean;
  /** The browser `Origin` header, if any. */
  origin: string | undefined;
  /** `Origin` is this gateway's own loopback origin (the page it served on this machine). */
  isOwnLoopbackOrigin: boolean;
}

function isLoopbackHostname(host: string): boolean {
  return host === "localhost" || host === "[::1]" || host === "::1" || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * Reads the peer facts from the upgrade request and its resolved client address (see
 * `client-address.ts`: forwarded requests are never local, whichever proxy forwarded them).
 */
export function peerInfo(req: IncomingMessage, client: ClientAddress): PeerInfo {
  const isLocal = client.isLocal;
  const origin = req.headers.origin;
  let isOwnLoopbackOrigin = false;
  if (origin && isLocal) {
    try {
      const url = new URL(origin);
      isOwnLoopbackOrigin = isLoopbackHostname(url.hostname) && url.host === req.headers.host;
    } catch {
      isOwnLoopbackOrigin = false; // `Origin: null` or garbage: not our page
    }
  }
  return { remoteAddress: client.address, isLocal, origin, isOwnLoopbackOrigin };
}

/** How a connect proved itself: shared secret, device token, or a verified Tailscale Serve user. */
export type ConnectMethod = "none" | "token" | "password" | "device-token" | "tailscale";

export interface ConnectAuthInput {
  params: ConnectParams;
  role: "operator" | "node";
  nonce: string;
  peer: PeerInfo;
  auth: GatewayAuth;
  controlUi: { allowInsecureAuth?: boolean | undefined; dangerouslyDisableDeviceAuth?: boolean | undefined };
  devices: DevicePairingStore;
  broadcast(event: string, payload: unknown): void;
  nowMs: number;
  /** A Tailscale Serve user verified with the daemon: stands in for the shared secret (GW-24). */
  tailscaleUser?: string;
}

export type ConnectAuthOutcome =
  | {
      ok: true;
      scopes: string[];
      deviceId?: string;
      deviceToken?: string;
      issuedAtMs?: number;
      method: ConnectMethod;
    }
  | { ok: false; error: ErrorShape; closeReason: string };

const DEFAULT_OPERATOR_SCOPES = ["operator.read", "operator.write"];

function refuse(
  code: ErrorShape["code"],
  message: string,
  details: Record<string, unknown>,
): ConnectAuthOutcome {
  return { ok: false, error: { code, message, details }, closeReason: message };
}

function authRefusal(d: Extract<AuthDecision, { ok: false }>): ConnectAuthOutcome {
  return refuse("INVALID_REQUEST", d.message, { code: d.code, authReason: d.reason });
}

const DEVICE_TOKEN_MISMATCH = refuse(
  "INVALID_REQUEST",
  "unauthorized: device token mismatch (rotate/reissue device token)",
  { code: "AUTH_DEVICE_TOKEN_MISMATCH", authReason: "device_token_mismatch" },
);

function isControlUi(p: ConnectParams): boolean {
  return p.client.id === "openclaw-control-ui" || p.client.id === "webchat-ui";
}

/**
 * Decides a `connect`: device signature, shared secret or device token, pairing, and the scopes
 * the connection holds (reference-gateway §2 items 6–9). May write `devices/*.json` (pairing
 * requests, approvals, tokens) and broadcast `device.pair.*`; a store failure rejects.
 */
export async function authorizeConnect(input: ConnectAuthInput): Promise<ConnectAuthOutcome> {
  const { params: p, role, peer } = input;
  const requested =
    role === "operator"
      ? (p.scopes ?? DEFAULT_OPERATOR_SCOPES).filter((s) =>
          (OPERATOR_SCOPES as readonly string[]).includes(s),
        )
      : [];

  let device: { deviceId: string; publicKey: string } | undefined;
  if (p.device) {
    const check = verifyDeviceAuth(p, input.nonce, input.nowMs);
    if (!check.ok)
      return refuse("INVALID_REQUEST", check.message, { code: "DEVICE_AUTH_INVALID", reason: check.reason });
    device = check;
  }

  // Shared secret first; a device token stands in for it (and is the only way in without it).
  const sharedGiven = Boolean(p.auth?.token || p.auth?.password);
  const deviceToken = p.auth?.deviceToken;
  let method: ConnectMethod;
  let tokenValid = false;
  if (device && deviceToken)
    tokenValid = (await input.devices.verifyToken(device.deviceId, role, deviceToken)) !== undefined;
  if (device && deviceToken && !sharedGiven && input.auth.mode !== "none") {
    if (!tokenValid) return DEVICE_TOKEN_MISMATCH;
    method = "device-token";
  } else {
    const shared = checkSharedAuth(input.auth, p);
    if (shared.ok) method = shared.method;
    else if (tokenValid) method = "device-token";
    else if (input.tailscaleUser && !sharedGiven) method = "tailscale";
    else return authRefusal(shared);
  }

  if (!device) return withoutDevice(input, requested, method);

  const claim: DeviceClaim = {
    deviceId: device.deviceId,
    publicKey: device.publicKey,
    displayName: p.client.displayName,
    platform: p.client.platform,
    deviceFamily: p.client.deviceFamily,
    clientId: p.client.id,
    clientMode: p.client.mode,
    role,
    scopes: requested,
    remoteIp: peer.remoteAddress,
  };
  const reason = pairingNeeded(await input.devices.get(device.deviceId), claim);
  if (reason) {
    // Reference §2 item 8: the local machine's own clients (loopback, no browser Origin) are paired
    // silently. We extend that to the Control UI page this gateway served on this machine (its
    // Origin is the gateway's own loopback origin, so no other web page can claim it) once it has
    // passed shared auth: the printed `http://127.0.0.1:<port>/#token=…` link must just work for
    // the user sitting at the machine (FAQ "How do I authenticate the dashboard on localhost",
    // WEB-1/WEB-2, SEC-14). A Control UI from another machine, or any other origin, still waits
    // for `openclaw devices approve` (SEC-3).
    const ownControlUi = isControlUi(p) && peer.isOwnLoopbackOrigin && method !== "device-token";
    if (peer.isLocal && (!peer.origin || ownControlUi)) {
      await input.devices.approveDirect(claim, input.nowMs);
      input.broadcast("device.pair.resolved", {
        requestId: randomUUID(),
        deviceId: device.deviceId,
        decision: "approved",
        ts: input.nowMs,
      });
    } else {
      const existing = await input.devices.get(device.deviceId);
      const req = await input.devices.request(claim, input.nowMs, existing !== undefined);
      input.broadcast("device.pair.requested", req);
      return refuse("NOT_PAIRED", "pairing required", {
        code: "PAIRING_REQUIRED",
        requestId: req.requestId,
        reason,
      });
    }
  }

  // Tokens are stored hashed, so the clear token can only be handed out when it is minted: echo
  // the one the client proved it holds, else issue a fresh one (which replaces the old).
  if (tokenValid && deviceToken)
    return { ok: true, scopes: requested, deviceId: device.deviceId, deviceToken, method };
  const paired = await input.devices.get(device.deviceId);
  const tokenScopes = role === "operator" ? (paired?.approvedScopes ?? requested) : [];
  const issued = await input.devices.issueToken(device.deviceId, role, tokenScopes, input.nowMs);
  return {
    ok: true,
    scopes: requested,
    deviceId: device.deviceId,
    ...(issued ? { deviceToken: issued, issuedAtMs: input.nowMs } : {}),
    method,
  };
}

/**
 * A connect without a device identity. Since GHSA-rqpp-rjj8-7wv8 (reference §2 item 7) shared
 * auth alone grants no scopes, except for the local CLI and the local backend client (loopback,
 * no browser Origin), and the Control UI only when the operator turned device auth off.
 */
function withoutDevice(
  input: ConnectAuthInput,
  requested: string[],
  method: ConnectMethod,
): ConnectAuthOutcome {
  const { params: p, peer } = input;
  if (input.role === "node") {
    return refuse("NOT_PAIRED", "device identity required", { code: "DEVICE_IDENTITY_REQUIRED" });
  }
  if (isControlUi(p)) {
    const ui = input.controlUi;
    if (ui.dangerouslyDisableDeviceAuth || (ui.allowInsecureAuth && peer.isLocal)) {
      return { ok: true, scopes: requested, method };
    }
    if (peer.origin) {
      return refuse(
        "NOT_PAIRED",
        "control ui requires device identity (use HTTPS or localhost secure context)",
        {
          code: "CONTROL_UI_DEVICE_IDENTITY_REQUIRED",
        },
      );
    }
  }
  const localCli = p.client.id === "cli" && p.client.mode === "cli";
  const localBackend = p.client.id === "gateway-client" && p.client.mode === "backend";
  if (peer.isLocal && !peer.origin && (localCli || localBackend))
    return { ok: true, scopes: requested, method };
  return { ok: true, scopes: [], method };
}

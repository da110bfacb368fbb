import { createHash, createPublicKey, type KeyObject, verify } from "node:crypto";
import { buildDeviceAuthPayload, type DeviceAuthPayloadVersion } from "../protocol/device-auth.ts";
import type { ConnectParams } from "../protocol/frames.ts";

/** `|now − signedAt|` allowed for a device signature (`DEVICE_SIGNATURE_SKEW_MS`, reference §2 item 7). */
export const DEVICE_SIGNATURE_SKEW_MS = 120_000;

/** `details.reason` of a `DEVICE_AUTH_INVALID` refusal, with the message the reference pairs it with. */
export type DeviceAuthFailure =
  | "device-public-key"
  | "device-id-mismatch"
  | "device-signature-stale"
  | "device-nonce-missing"
  | "device-nonce-mismatch"
  | "device-signature";

export const DEVICE_AUTH_MESSAGES: Readonly<Record<DeviceAuthFailure, string>> = {
  "device-public-key": "device public key invalid",
  "device-id-mismatch": "device identity mismatch",
  "device-signature-stale": "device signature expired",
  "device-nonce-missing": "device nonce required",
  "device-nonce-mismatch": "device nonce mismatch",
  "device-signature": "device signature invalid",
};

export type DeviceAuthResult =
  | { ok: true; deviceId: string; publicKey: string; version: DeviceAuthPayloadVersion }
  | { ok: false; reason: DeviceAuthFailure; message: string };

// DER prefix of an Ed25519 SubjectPublicKeyInfo; the raw 32-byte key follows it.
const ED25519_SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");

/**
 * Parses a public key given as PEM (SPKI) or as the base64url raw 32 bytes; returns the key and
 * its raw bytes, or `undefined` when it is not an Ed25519 key. Never throws.
 */
export function parseDevicePublicKey(text: string): { key: KeyObject; raw: Buffer } | undefined {
  try {
    if (text.includes("BEGIN PUBLIC KEY")) {
      const key = createPublicKey(text);
      if (key.asymmetricKeyType !== "ed25519") return undefined;
      const der = key.export({ format: "der", type: "spki" });
      return { key, raw: der.subarray(der.length - 32) };
    }
    const raw = Buffer.from(text, "base64url");
    if (raw.length !== 32) return undefined;
    const key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI_PREFIX, raw]),
      format: "der",
      type: "spki",
    });
    return { key, raw };
  } catch {
    return undefined; // createPublicKey throws for any malformed input: that is exactly "invalid"
  }
}

/** Device id: lowercase hex SHA-256 of the raw 32-byte Ed25519 public key. */
export function deviceIdOf(raw: Buffer): string {
  return createHash("sha256").update(raw).digest("hex");
}

/**
 * Checks the `device` block of a `connect` against the challenge `nonce` (reference §2 item 7):
 * public key, id, clock skew, nonce, then the Ed25519 signature over the v3 payload (or v2).
 * Pure apart from the crypto; `nowMs` is passed in. Never throws.
 */
export function verifyDeviceAuth(
  params: ConnectParams,
  challengeNonce: string,
  nowMs: number,
): DeviceAuthResult {
  const device = params.device;
  const fail = (reason: DeviceAuthFailure): DeviceAuthResult => ({
    ok: false,
    reason,
    message: DEVICE_AUTH_MESSAGES[reason],
  });
  if (!device) return fail("device-public-key");
  const parsed = parseDevicePublicKey(device.publicKey);
  if (!parsed) return fail("device-public-key");
  const deviceId = deviceIdOf(parsed.raw);
  if (device.id !== deviceId) return fail("device-id-mismatch");
  if (!Number.isFinite(device.signedAt) || Math.abs(nowMs - device.signedAt) > DEVICE_SIGNATURE_SKEW_MS)
    return fail("device-signature-stale");
  if (!device.nonce) return fail("device-nonce-missing");
  if (device.nonce !== challengeNonce) return fail("device-nonce-mismatch");

  const signature = Buffer.from(device.signature, "base64url");
  // The token field is the secret the client sends; which one it put there (shared or device
  // token) is the client's choice, so try each. The secrets themselves are checked separately.
  const tokens = new Set([
    params.auth?.token ?? params.auth?.deviceToken ?? "",
    params.auth?.deviceToken ?? "",
    "",
  ]);
  for (const version of ["v3", "v2"] as const) {
    for (const token of tokens) {
      const payload = buildDeviceAuthPayload(version, {
        deviceId,
        clientId: params.client.id,
        clientMode: params.client.mode,
        role: params.role ?? "operator",
        scopes: params.scopes ?? [],
        signedAtMs: device.signedAt,
        token,
        nonce: device.nonce,
        platform: params.client.platform,
        deviceFamily: params.client.deviceFamily,
      });
      if (verify(null, Buffer.from(payload, "utf8"), parsed.key, signature)) {
        return { ok: true, deviceId, publicKey: parsed.raw.toString("base64url"), version };
      }
    }
  }
  return fail("device-signature");
}

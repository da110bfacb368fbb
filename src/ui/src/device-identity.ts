/**
 * The Control UI's device identity (reference-gateway §2 item 7): an Ed25519 key made with
 * WebCrypto, kept in localStorage as JWK, and the device token the gateway issued to it. The
 * gateway pairs a device, not a browser tab, so the key must outlive reloads.
 *
 * WebCrypto exists only in secure contexts (https, or http on localhost/127.0.0.1); elsewhere
 * `identity()` resolves `undefined` and the UI connects without a device, which the gateway
 * refuses with "control ui requires device identity" unless the operator allowed it.
 */

const IDENTITY_KEY = "openclaw.device.identity.v1";
// Same shape as the CLI's identity/device-auth.json: {version, deviceId, tokens: {role: {...}}}.
const DEVICE_AUTH_KEY = "openclaw.device.auth.v1";

export interface DeviceIdentity {
  deviceId: string;
  /** Raw 32-byte public key, base64url. */
  publicKey: string;
  privateKey: CryptoKey;
}

export interface DeviceAuth {
  identity(): Promise<DeviceIdentity | undefined>;
  /** The device token stored for `role`, if one was issued to this identity. */
  token(deviceId: string, role: string): string | undefined;
  storeToken(deviceId: string, entry: { role: string; token: string; scopes: string[] }): void;
}

function base64url(bytes: ArrayBuffer): string {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

async function sha256Hex(bytes: ArrayBuffer): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

function readJson(storage: Storage, key: string): Record<string, unknown> | undefined {
  const raw = storage.getItem(key);
  if (raw === null) return undefined;
  try {
    const value: unknown = JSON.parse(raw);
    return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : undefined;
  } catch (err) {
    if (err instanceof SyntaxError) return undefined;
    throw err;
  }
}

// Blocked storage throws SecurityError, a full one QuotaExceededError: the identity then lives
// for this page only (and the device will need pairing again next time).
function isStorageUnavailable(err: unknown): boolean {
  return err instanceof DOMException && (err.name === "SecurityError" || err.name === "QuotaExceededError");
}

async function restore(stored: Record<string, unknown>): Promise<DeviceIdentity | undefined> {
  const { deviceId, publicKey, privateKeyJwk } = stored;
  if (typeof deviceId !== "string" || typeof publicKey !== "string" || typeof privateKeyJwk !== "object") {
    return undefined;
  }
  const privateKey = await crypto.subtle.importKey(
    "jwk",
    privateKeyJwk as JsonWebKey,
    { name: "Ed25519" },
    false,
    ["sign"],
  );
  return { deviceId, publicKey, privateKey };
}

async function generate(storage: Storage | undefined): Promise<DeviceIdentity> {
  const pair = (await crypto.subtle.generateKey({ name: "Ed25519" }, true, [
    "sign",
    "verify",
  ])) as CryptoKeyPair;
  const raw = await crypto.subtle.exportKey("raw", pair.publicKey);
  const identity = { deviceId: await sha256Hex(raw), publicKey: base64url(raw), privateKey: pair.privateKey };
  const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
  try {
    storage?.setItem(
      IDENTITY_KEY,
      JSON.stringify({
        version: 1,
        deviceId: identity.deviceId,
        publicKey: identity.publicKey,
        privateKeyJwk: jwk,
      }),
    );
  } catch (err) {
    if (!isStorageUnavailable(err)) throw err;
  }
  return identity;
}

export function createDeviceAuth(openStorage: () => Storage): DeviceAuth {
  let pending: Promise<DeviceIdentity | undefined> | undefined;
  const memoryTokens = new Map<string, string>();
  const storage = (): Storage | undefined => {
    try {
      return openStorage();
    } catch (err) {
      if (isStorageUnavailable(err)) return undefined;
      throw err;
    }
  };
  const load = async (): Promise<DeviceIdentity | undefined> => {
    if (!globalThis.isSecureContext || !globalThis.crypto?.subtle) return undefined;
    const s = storage();
    const stored = s ? readJson(s, IDENTITY_KEY) : undefined;
    try {
      return (stored && (await restore(stored))) ?? (await generate(s));
    } catch (err) {
      // A browser without WebCrypto Ed25519 throws NotSupportedError: connect without a device.
      if (err instanceof DOMException && err.name === "NotSupportedError") return undefined;
      throw err;
    }
  };
  return {
    identity: () => {
      pending ??= load();
      return pending;
    },
    token(deviceId, role) {
      const s = storage();
      const file = s ? readJson(s, DEVICE_AUTH_KEY) : undefined;
      const tokens =
        file?.["deviceId"] === deviceId ? (file["tokens"] as Record<string, { token?: unknown }>) : {};
      const token = tokens?.[role]?.token;
      return typeof token === "string" ? token : memoryTokens.get(`${deviceId}:${role}`);
    },
    storeToken(deviceId, entry) {
      memoryTokens.set(`${deviceId}:${entry.role}`, entry.token);
      const s = storage();
      if (!s) return;
      const file = readJson(s, DEVICE_AUTH_KEY);
      const tokens = file?.["deviceId"] === deviceId ? (file["tokens"] as Record<string, unknown>) : {};
      try {
        s.setItem(
          DEVICE_AUTH_KEY,
          JSON.stringify({
            version: 1,
            deviceId,
            tokens: { ...tokens, [entry.role]: { ...entry, updatedAtMs: Date.now() } },
          }),
        );
      } catch (err) {
        if (!isStorageUnavailable(err)) throw err;
      }
    },
  };
}

/** Ed25519 signature of `payload`, base64url. */
export async function signPayload(identity: DeviceIdentity, payload: string): Promise<string> {
  const sig = await crypto.subtle.sign(
    { name: "Ed25519" },
    identity.privateKey,
    new TextEncoder().encode(payload),
  );
  return base64url(sig);
}

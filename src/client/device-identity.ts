import { createHash, createPrivateKey, createPublicKey, generateKeyPair, sign } from "node:crypto";
import path from "node:path";
import { promisify } from "node:util";
import { z } from "zod";
import { writeFileAtomic } from "../infra/atomic-file.ts";
import { readJsonIfExists } from "../infra/json-file.ts";
import { withLockFile } from "../infra/lock-file.ts";

/**
 * This client's Ed25519 identity, `identity/device.json` in the state dir (reference-gateway §4):
 * `{version:1, deviceId, publicKeyPem, privateKeyPem, createdAtMs}`, mode 0600 (SEC-17).
 */
export const DeviceIdentitySchema = z.looseObject({
  version: z.literal(1),
  deviceId: z.string(),
  publicKeyPem: z.string(),
  privateKeyPem: z.string(),
  createdAtMs: z.number().optional(),
});
export type DeviceIdentity = z.infer<typeof DeviceIdentitySchema>;

/** `identity/device-auth.json`: the device tokens the gateway issued to this identity, per role. */
const DeviceAuthFileSchema = z.looseObject({
  version: z.literal(1),
  deviceId: z.string(),
  tokens: z.record(
    z.string(),
    z.looseObject({
      token: z.string(),
      role: z.string(),
      scopes: z.array(z.string()).default([]),
      updatedAtMs: z.number(),
    }),
  ),
});

export function identityPath(stateDir: string): string {
  return path.join(stateDir, "identity", "device.json");
}

function deviceAuthPath(stateDir: string): string {
  return path.join(stateDir, "identity", "device-auth.json");
}

/** The raw 32-byte public key, base64url (what `connect.params.device.publicKey` carries). */
export function publicKeyRaw(identity: DeviceIdentity): string {
  const der = createPublicKey(identity.publicKeyPem).export({ format: "der", type: "spki" });
  return der.subarray(der.length - 32).toString("base64url");
}

/** Ed25519 signature of `payload`, base64url. */
export function signPayload(identity: DeviceIdentity, payload: string): string {
  return sign(null, Buffer.from(payload, "utf8"), createPrivateKey(identity.privateKeyPem)).toString(
    "base64url",
  );
}

/**
 * Reads this machine's identity, creating it on first use. A corrupt file throws: silently making
 * a new key would unpair the device without telling anyone.
 */
export async function loadOrCreateDeviceIdentity(
  stateDir: string,
  nowMs = Date.now(),
): Promise<DeviceIdentity> {
  const file = identityPath(stateDir);
  const existing = await readJsonIfExists(file);
  if (existing !== undefined) return DeviceIdentitySchema.parse(existing);
  return withLockFile(file, async () => {
    const again = await readJsonIfExists(file); // another process may have created it meanwhile
    if (again !== undefined) return DeviceIdentitySchema.parse(again);
    const { publicKey, privateKey } = await promisify(generateKeyPair)("ed25519");
    const publicKeyPem = publicKey.export({ format: "pem", type: "spki" }).toString();
    const raw = publicKey.export({ format: "der", type: "spki" }).subarray(-32);
    const identity: DeviceIdentity = {
      version: 1,
      deviceId: createHash("sha256").update(raw).digest("hex"),
      publicKeyPem,
      privateKeyPem: privateKey.export({ format: "pem", type: "pkcs8" }).toString(),
      createdAtMs: nowMs,
    };
    await writeFileAtomic(file, `${JSON.stringify(identity, null, 2)}\n`, { mode: 0o600 });
    return identity;
  });
}

/** The stored device token for `role`, if it was issued to this identity. */
export async function readDeviceToken(
  stateDir: string,
  deviceId: string,
  role: string,
): Promise<string | undefined> {
  const raw = await readJsonIfExists(deviceAuthPath(stateDir));
  if (raw === undefined) return undefined;
  const file = DeviceAuthFileSchema.parse(raw);
  return file.deviceId === deviceId ? file.tokens[role]?.token : undefined;
}

/** Stores (or replaces) the token the gateway issued in `hello-ok.auth.deviceToken`. */
export async function storeDeviceToken(
  stateDir: string,
  deviceId: string,
  entry: { role: string; token: string; scopes: string[] },
  nowMs = Date.now(),
): Promise<void> {
  const file = deviceAuthPath(stateDir);
  await withLockFile(file, async () => {
    const raw = await readJsonIfExists(file);
    const prev = raw === undefined ? undefined : DeviceAuthFileSchema.parse(raw);
    const tokens = prev?.deviceId === deviceId ? prev.tokens : {};
    const next = {
      version: 1,
      deviceId,
      tokens: { ...tokens, [entry.role]: { ...entry, scopes: [...entry.scopes].sort(), updatedAtMs: nowMs } },
    };
    await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  });
}

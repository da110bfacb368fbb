/**
 * The string a client signs with its device key in `connect` (reference-gateway §2 item 7,
 * "Signed string"): pipe-joined fields, v3 preferred, v2 still accepted. Shared by the gateway
 * (which rebuilds it to verify) and our clients (which sign it), so both spell it the same way.
 */
export interface DeviceAuthPayloadFields {
  deviceId: string;
  clientId: string;
  clientMode: string;
  role: string;
  scopes: readonly string[];
  signedAtMs: number;
  /** The secret sent in `auth` (shared token or device token); empty when none. */
  token: string;
  nonce: string;
  /** v3 only: trimmed and ASCII-lowercased. */
  platform?: string | undefined;
  deviceFamily?: string | undefined;
}

export type DeviceAuthPayloadVersion = "v2" | "v3";

// ASCII-only lowercasing: a locale-aware toLowerCase() could change non-ASCII letters differently
// on the two ends and break the signature.
function asciiLower(value: string | undefined): string {
  return (value ?? "").trim().replace(/[A-Z]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 32));
}

export function buildDeviceAuthPayload(
  version: DeviceAuthPayloadVersion,
  f: DeviceAuthPayloadFields,
): string {
  const base = [
    version,
    f.deviceId,
    f.clientId,
    f.clientMode,
    f.role,
    f.scopes.join(","),
    String(f.signedAtMs),
    f.token,
    f.nonce,
  ];
  if (version === "v2") return base.join("|");
  return [...base, asciiLower(f.platform), asciiLower(f.deviceFamily)].join("|");
}

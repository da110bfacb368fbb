import path from "node:path";

/** Channel and account ids become file-name parts; anything else than `[a-z0-9_-]` is replaced. */
function safePart(id: string): string {
  return (
    id
      .trim()
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, "_") || "default"
  );
}

export const DEFAULT_ACCOUNT_ID = "default";

export function credentialsDir(stateDir: string): string {
  return path.join(stateDir, "credentials");
}

/** `credentials/<channel>-pairing.json`: pending requests of every account (reference-agent §4.3). */
export function pairingFile(stateDir: string, channel: string): string {
  return path.join(credentialsDir(stateDir), `${safePart(channel)}-pairing.json`);
}

/** `credentials/<channel>-<accountId>-allowFrom.json`, as OpenClaw 2026.2.26 writes it. */
export function allowFromFile(stateDir: string, channel: string, accountId: string): string {
  return path.join(credentialsDir(stateDir), `${safePart(channel)}-${safePart(accountId)}-allowFrom.json`);
}

/** The unscoped file older versions wrote; still read for the default account. */
export function legacyAllowFromFile(stateDir: string, channel: string): string {
  return path.join(credentialsDir(stateDir), `${safePart(channel)}-allowFrom.json`);
}

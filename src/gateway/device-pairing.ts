import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import path from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../infra/atomic-file.ts";
import { readJsonIfExists } from "../infra/json-file.ts";
import { withLockFile } from "../infra/lock-file.ts";

/** A pending request lives this long (then a new connect makes a new one). */
export const PENDING_TTL_MS = 5 * 60_000;
/** Authenticated clients can mint keys at will; the oldest requests go first beyond this. */
export const MAX_PENDING_REQUESTS = 100;

// Shapes of `devices/paired.json` / `devices/pending.json` as OpenClaw 2026.2.26 writes them
// (reference-gateway §4; the fixture's `devices/paired.json`). Loose objects: keys we do not
// know are kept when we rewrite the file.
const DeviceTokenSchema = z.looseObject({
  /** OpenClaw keeps the token in clear; we read it, but never write it (see `hashAtRest`). */
  token: z.string().optional(),
  /** Our at-rest form: hex SHA-256 of the token. */
  tokenSha256: z.string().optional(),
  role: z.string(),
  scopes: z.array(z.string()).default([]),
  createdAtMs: z.number(),
  rotatedAtMs: z.number().optional(),
  revokedAtMs: z.number().optional(),
  lastUsedAtMs: z.number().optional(),
});
export type DeviceToken = z.infer<typeof DeviceTokenSchema>;

/** What a device claims about itself; shared by pending requests and paired entries. */
const DeviceClaimSchema = z.looseObject({
  deviceId: z.string(),
  publicKey: z.string(),
  displayName: z.string().optional(),
  platform: z.string().optional(),
  deviceFamily: z.string().optional(),
  clientId: z.string().optional(),
  clientMode: z.string().optional(),
  role: z.string().optional(),
  roles: z.array(z.string()).optional(),
  scopes: z.array(z.string()).optional(),
  remoteIp: z.string().optional(),
});

const PairedDeviceSchema = DeviceClaimSchema.extend({
  approvedScopes: z.array(z.string()).optional(),
  tokens: z.record(z.string(), DeviceTokenSchema).optional(),
  createdAtMs: z.number(),
  approvedAtMs: z.number(),
});
export type PairedDevice = z.infer<typeof PairedDeviceSchema>;

const PendingRequestSchema = DeviceClaimSchema.extend({
  requestId: z.string(),
  silent: z.boolean().optional(),
  isRepair: z.boolean().optional(),
  ts: z.number(),
});
export type PendingRequest = z.infer<typeof PendingRequestSchema>;

const PairedFileSchema = z.record(z.string(), PairedDeviceSchema);
const PendingFileSchema = z.record(z.string(), PendingRequestSchema);

/** What a connecting device claims; the input of a pairing request or an auto-approval. */
export interface DeviceClaim {
  deviceId: string;
  publicKey: string;
  displayName?: string | undefined;
  platform?: string | undefined;
  deviceFamily?: string | undefined;
  clientId: string;
  clientMode: string;
  role: string;
  scopes: string[];
  remoteIp?: string | undefined;
}

/** A claim or a pending request: what an approval writes into `paired.json`. */
interface ClaimLike {
  deviceId: string;
  publicKey: string;
  displayName?: string | undefined;
  platform?: string | undefined;
  deviceFamily?: string | undefined;
  clientId?: string | undefined;
  clientMode?: string | undefined;
  role?: string | undefined;
  roles?: string[] | undefined;
  scopes?: string[] | undefined;
  remoteIp?: string | undefined;
}

export type PairingReason =
  | "not-paired"
  | "public-key"
  | "metadata-upgrade"
  | "role-upgrade"
  | "scope-upgrade";

/**
 * Why `claim` needs (re)pairing against what is on file, or `undefined` when the paired entry
 * already covers it (reference-gateway §2 item 8). Pure.
 */
export function pairingNeeded(
  paired: PairedDevice | undefined,
  claim: DeviceClaim,
): PairingReason | undefined {
  if (!paired) return "not-paired";
  if (paired.publicKey !== claim.publicKey) return "public-key";
  const pinned = (v: string | undefined): string => (v ?? "").trim().toLowerCase();
  if (paired.platform !== undefined && pinned(paired.platform) !== pinned(claim.platform))
    return "metadata-upgrade";
  if (paired.deviceFamily !== undefined && pinned(paired.deviceFamily) !== pinned(claim.deviceFamily))
    return "metadata-upgrade";
  const roles = paired.roles ?? (paired.role ? [paired.role] : []);
  if (!roles.includes(claim.role)) return "role-upgrade";
  const approved = new Set(paired.approvedScopes ?? paired.scopes ?? []);
  if (claim.scopes.some((s) => !approved.has(s))) return "scope-upgrade";
  return undefined;
}

function sha256Hex(text: string): string {
  return createHash("sha256").update(text, "utf8").digest("hex");
}

function hexEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a, "hex");
  const bb = Buffer.from(b, "hex");
  return ba.length === bb.length && ba.length > 0 && timingSafeEqual(ba, bb);
}

/**
 * Device tokens are stored hashed at rest. OpenClaw 2026.2.26 stores them in clear (the
 * fixture's `tokens.operator.token`); we accept those on read and replace them with
 * `tokenSha256` the first time we rewrite the file, so a copied state dir keeps working while a
 * leaked `paired.json` no longer hands out working credentials.
 */
function hashAtRest(device: PairedDevice): PairedDevice {
  if (!device.tokens) return device;
  const tokens: Record<string, DeviceToken> = {};
  for (const [role, t] of Object.entries(device.tokens)) {
    const { token, ...rest } = t;
    tokens[role] =
      token !== undefined && rest.tokenSha256 === undefined
        ? { ...rest, tokenSha256: sha256Hex(token) }
        : rest;
  }
  return { ...device, tokens };
}

/**
 * The gateway's device pairing state in `<stateDir>/devices/` (reference-gateway §4). Every
 * change is a locked read-modify-write with an atomic rename, shared safely by the gateway and a
 * CLI on the same state dir; reads take no lock. A corrupt file throws rather than being treated
 * as empty (it would silently unpair everything).
 */
export class DevicePairingStore {
  readonly #pairedFile: string;
  readonly #pendingFile: string;

  constructor(stateDir: string) {
    this.#pairedFile = path.join(stateDir, "devices", "paired.json");
    this.#pendingFile = path.join(stateDir, "devices", "pending.json");
  }

  async listPaired(): Promise<PairedDevice[]> {
    return Object.values(await this.#readPaired());
  }

  async get(deviceId: string): Promise<PairedDevice | undefined> {
    return (await this.#readPaired())[deviceId];
  }

  async listPending(nowMs: number): Promise<PendingRequest[]> {
    return Object.values(await this.#readPending()).filter((r) => nowMs - r.ts < PENDING_TTL_MS);
  }

  /** Files a pending request, reusing the device's live one (refreshed) if there is one. */
  request(claim: DeviceClaim, nowMs: number, isRepair: boolean): Promise<PendingRequest> {
    return this.#locked(async () => {
      const pending = await this.#readPending();
      for (const [id, r] of Object.entries(pending)) if (nowMs - r.ts >= PENDING_TTL_MS) delete pending[id];
      const existing = Object.values(pending).find((r) => r.deviceId === claim.deviceId);
      const requestId = existing?.requestId ?? randomUUID();
      const req: PendingRequest = {
        requestId,
        ...claim,
        roles: [claim.role],
        isRepair,
        silent: false,
        ts: nowMs,
      };
      pending[requestId] = req;
      const byAge = Object.values(pending).sort((a, b) => a.ts - b.ts);
      for (const old of byAge.slice(0, Math.max(0, byAge.length - MAX_PENDING_REQUESTS)))
        delete pending[old.requestId];
      await this.#write(this.#pendingFile, pending);
      return req;
    });
  }

  /** Approves a pending request; `undefined` when there is no such (live) request. */
  approve(requestId: string, nowMs: number): Promise<PairedDevice | undefined> {
    return this.#locked(async () => {
      const pending = await this.#readPending();
      const req = pending[requestId];
      if (!req || nowMs - req.ts >= PENDING_TTL_MS) return undefined;
      delete pending[requestId];
      const device = await this.#upsertPaired(req, nowMs);
      await this.#write(this.#pendingFile, pending);
      return device;
    });
  }

  /** Pairs a device without a request (loopback auto-approval). */
  approveDirect(claim: DeviceClaim, nowMs: number): Promise<PairedDevice> {
    return this.#locked(() => this.#upsertPaired({ ...claim, roles: [claim.role] }, nowMs));
  }

  reject(requestId: string): Promise<PendingRequest | undefined> {
    return this.#locked(async () => {
      const pending = await this.#readPending();
      const req = pending[requestId];
      if (!req) return undefined;
      delete pending[requestId];
      await this.#write(this.#pendingFile, pending);
      return req;
    });
  }

  remove(deviceId: string): Promise<boolean> {
    return this.#locked(async () => {
      const paired = await this.#readPaired();
      if (!paired[deviceId]) return false;
      delete paired[deviceId];
      await this.#writePaired(paired);
      return true;
    });
  }

  /** Sets the name shown for a paired device; `undefined` when it is not paired. */
  rename(deviceId: string, displayName: string): Promise<PairedDevice | undefined> {
    return this.#locked(async () => {
      const paired = await this.#readPaired();
      const device = paired[deviceId];
      if (!device) return undefined;
      device.displayName = displayName;
      await this.#writePaired(paired);
      return device;
    });
  }

  /** Mints a new token for `role` (replacing any), stores its hash, and returns it in clear once. */
  issueToken(deviceId: string, role: string, scopes: string[], nowMs: number): Promise<string | undefined> {
    return this.#locked(async () => {
      const paired = await this.#readPaired();
      const device = paired[deviceId];
      if (!device) return undefined;
      const token = randomBytes(32).toString("base64url");
      const previous = device.tokens?.[role];
      device.tokens = {
        ...device.tokens,
        [role]: {
          tokenSha256: sha256Hex(token),
          role,
          scopes: [...scopes].sort(),
          createdAtMs: previous?.createdAtMs ?? nowMs,
          ...(previous ? { rotatedAtMs: nowMs } : {}),
        },
      };
      await this.#writePaired(paired);
      return token;
    });
  }

  /** Removes the token of `role`; `false` when the device or the token is unknown. */
  revokeToken(deviceId: string, role: string): Promise<boolean> {
    return this.#locked(async () => {
      const paired = await this.#readPaired();
      const device = paired[deviceId];
      if (!device?.tokens?.[role]) return false;
      const { [role]: _revoked, ...rest } = device.tokens;
      device.tokens = rest;
      await this.#writePaired(paired);
      return true;
    });
  }

  /** The live token entry of `role` if `token` is it (constant-time compare), else `undefined`. */
  async verifyToken(deviceId: string, role: string, token: string): Promise<DeviceToken | undefined> {
    const entry = (await this.get(deviceId))?.tokens?.[role];
    if (!entry || entry.revokedAtMs !== undefined) return undefined;
    const stored = entry.tokenSha256 ?? (entry.token !== undefined ? sha256Hex(entry.token) : undefined);
    return stored !== undefined && hexEqual(stored, sha256Hex(token)) ? entry : undefined;
  }

  async #upsertPaired(claim: ClaimLike, nowMs: number): Promise<PairedDevice> {
    const paired = await this.#readPaired();
    const prev = paired[claim.deviceId];
    const sameKey = prev?.publicKey === claim.publicKey;
    const union = (a: string[] = [], b: string[] = []): string[] => [...new Set([...a, ...b])];
    const roles = union(sameKey ? prev?.roles : [], claim.roles ?? (claim.role ? [claim.role] : []));
    const scopes = union(sameKey ? (prev?.approvedScopes ?? prev?.scopes) : [], claim.scopes);
    const device: PairedDevice = {
      ...(sameKey ? prev : {}),
      deviceId: claim.deviceId,
      publicKey: claim.publicKey,
      ...(claim.displayName !== undefined ? { displayName: claim.displayName } : {}),
      ...(claim.platform !== undefined ? { platform: claim.platform } : {}),
      ...(claim.deviceFamily !== undefined ? { deviceFamily: claim.deviceFamily } : {}),
      ...(claim.clientId !== undefined ? { clientId: claim.clientId } : {}),
      ...(claim.clientMode !== undefined ? { clientMode: claim.clientMode } : {}),
      ...(claim.remoteIp !== undefined ? { remoteIp: claim.remoteIp } : {}),
      role: claim.role ?? prev?.role ?? "operator",
      roles,
      scopes,
      approvedScopes: scopes,
      // A new key invalidates every token issued to the old one.
      tokens: sameKey ? (prev?.tokens ?? {}) : {},
      createdAtMs: sameKey && prev ? prev.createdAtMs : nowMs,
      approvedAtMs: nowMs,
    };
    paired[claim.deviceId] = device;
    await this.#writePaired(paired);
    return device;
  }

  async #readPaired(): Promise<Record<string, PairedDevice>> {
    return PairedFileSchema.parse((await readJsonIfExists(this.#pairedFile)) ?? {});
  }

  async #readPending(): Promise<Record<string, PendingRequest>> {
    return PendingFileSchema.parse((await readJsonIfExists(this.#pendingFile)) ?? {});
  }

  #writePaired(paired: Record<string, PairedDevice>): Promise<void> {
    const out = Object.fromEntries(Object.entries(paired).map(([id, d]) => [id, hashAtRest(d)]));
    return this.#write(this.#pairedFile, out);
  }

  #write(file: string, value: unknown): Promise<void> {
    return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`, { mode: 0o600 });
  }

  // One lock for both files: approval moves an entry from one to the other.
  #locked<T>(fn: () => Promise<T>): Promise<T> {
    return withLockFile(this.#pairedFile, fn);
  }
}

import { randomInt } from "node:crypto";
import { z } from "zod";
import { writeFileAtomic } from "../../infra/atomic-file.ts";
import { readJsonIfExists } from "../../infra/json-file.ts";
import { withLockFile } from "../../infra/lock-file.ts";
import { addToAllowStore } from "./allow-store.ts";
import { DEFAULT_ACCOUNT_ID, pairingFile } from "./credential-files.ts";

// Pairing codes and their file (reference-agent §4.2–§4.3, ACC-4/5).
export const PAIRING_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
export const PAIRING_CODE_LENGTH = 8;
export const PAIRING_TTL_MS = 60 * 60 * 1000;
export const MAX_PENDING_PER_CHANNEL = 3;

const PairingRequestSchema = z.object({
  id: z.string(),
  code: z.string(),
  createdAt: z.string(),
  lastSeenAt: z.string(),
  meta: z.record(z.string(), z.string()).optional(),
});
export type PairingRequest = z.output<typeof PairingRequestSchema>;

const PairingFileSchema = z.object({ version: z.literal(1), requests: z.array(PairingRequestSchema) });

async function readRequests(file: string): Promise<PairingRequest[]> {
  const raw = await readJsonIfExists(file);
  if (raw === undefined) return [];
  const parsed = PairingFileSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: not a pairing file: ${parsed.error.issues[0]?.message}`);
  return parsed.data.requests;
}

async function writeRequests(file: string, requests: PairingRequest[]): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify({ version: 1, requests }, null, 2)}\n`);
}

function isLive(r: PairingRequest, now: number): boolean {
  const created = Date.parse(r.createdAt);
  return Number.isFinite(created) && now - created < PAIRING_TTL_MS;
}

export function accountOf(r: PairingRequest): string {
  return r.meta?.["accountId"] ?? DEFAULT_ACCOUNT_ID;
}

/** A fresh code from the unambiguous alphabet, unlike any in `taken`. */
export function generatePairingCode(taken: ReadonlySet<string>, pick = randomInt): string {
  for (;;) {
    let code = "";
    for (let i = 0; i < PAIRING_CODE_LENGTH; i++) code += PAIRING_ALPHABET[pick(PAIRING_ALPHABET.length)];
    if (!taken.has(code)) return code;
  }
}

export type UpsertResult =
  /** A new request: the sender gets the pairing message. */
  | { type: "created"; code: string }
  /** Already pending: `lastSeenAt` refreshed, no new message. */
  | { type: "existing"; code: string }
  /** 3 requests pending: no code for this sender. */
  | { type: "full" };

export interface UpsertInput {
  stateDir: string;
  channel: string;
  accountId: string;
  senderId: string;
  /** Names to show in `pairing list`; stored as strings, always with `accountId`. */
  meta: Record<string, string | undefined>;
  now: number;
}

/** Records a pending request for an unknown DM sender (reference-agent §4.3 upsert rule). */
export function upsertPairingRequest(input: UpsertInput): Promise<UpsertResult> {
  const file = pairingFile(input.stateDir, input.channel);
  return withLockFile(file, async () => {
    const all = await readRequests(file);
    const live = all.filter((r) => isLive(r, input.now));
    const at = new Date(input.now).toISOString();
    const same = live.find((r) => r.id === input.senderId && accountOf(r) === input.accountId);
    if (same) {
      same.lastSeenAt = at;
      await writeRequests(file, live);
      return { type: "existing", code: same.code };
    }
    if (live.length >= MAX_PENDING_PER_CHANNEL) {
      if (live.length !== all.length) await writeRequests(file, live);
      return { type: "full" };
    }
    const meta: Record<string, string> = {};
    for (const [k, v] of Object.entries(input.meta)) if (v !== undefined && v !== "") meta[k] = v;
    meta["accountId"] = input.accountId;
    const code = generatePairingCode(new Set(live.map((r) => r.code)));
    live.push({ id: input.senderId, code, createdAt: at, lastSeenAt: at, meta });
    await writeRequests(file, live);
    return { type: "created", code };
  });
}

/** Pending, unexpired requests; expired ones are pruned from the file as they are found. */
export function listPairingRequests(
  stateDir: string,
  channel: string,
  now: number,
): Promise<PairingRequest[]> {
  const file = pairingFile(stateDir, channel);
  return withLockFile(file, async () => {
    const all = await readRequests(file);
    const live = all.filter((r) => isLive(r, now));
    if (live.length !== all.length) await writeRequests(file, live);
    return live;
  });
}

export interface Approval {
  id: string;
  accountId: string;
  request: PairingRequest;
}

/**
 * Approves a pending code (trimmed, upper-cased): the request leaves the pairing file and its
 * sender joins the account's allowFrom store. `undefined` when no live request has that code.
 */
export function approvePairingCode(
  stateDir: string,
  channel: string,
  code: string,
  now: number,
  accountId?: string,
): Promise<Approval | undefined> {
  const file = pairingFile(stateDir, channel);
  const wanted = code.trim().toUpperCase();
  return withLockFile(file, async () => {
    const live = (await readRequests(file)).filter((r) => isLive(r, now));
    const hit = live.find(
      (r) => r.code === wanted && (accountId === undefined || accountOf(r) === accountId),
    );
    if (!hit) return undefined;
    const account = accountOf(hit);
    // Allow first: a crash in between leaves an approved sender with a stale request, never the reverse.
    await addToAllowStore(stateDir, channel, account, hit.id);
    await writeRequests(
      file,
      live.filter((r) => r !== hit),
    );
    return { id: hit.id, accountId: account, request: hit };
  });
}

/** The reply an unknown sender gets under `pairing` (2.26 wording, reference-agent §4.2). */
export function pairingReplyText(channel: string, label: string, senderId: string, code: string): string {
  return [
    "OpenClaw: access not configured.",
    "",
    `Your ${label} user id: ${senderId}`,
    "",
    `Pairing code: ${code}`,
    "",
    "Ask the bot owner to approve with:",
    `openclaw pairing approve ${channel} ${code}`,
  ].join("\n");
}

import path from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../infra/atomic-file.ts";
import { readJsonIfExists } from "../infra/json-file.ts";
import { withLockFile } from "../infra/lock-file.ts";

/**
 * `agents/<agentId>/agent/auth-profiles.json` in OpenClaw's format (reference-gateway §4). Loose
 * objects: fields we do not use yet survive a rewrite.
 */
const ApiKeyCredential = z.looseObject({
  type: z.literal("api_key"),
  provider: z.string(),
  key: z.string().optional(),
});
const TokenCredential = z.looseObject({
  type: z.literal("token"),
  provider: z.string(),
  token: z.string(),
  expires: z.number().optional(),
});
const OAuthCredential = z.looseObject({
  type: z.literal("oauth"),
  provider: z.string(),
  access: z.string(),
  refresh: z.string().optional(),
  expires: z.number().optional(),
});
export const AuthCredentialSchema = z.discriminatedUnion("type", [
  ApiKeyCredential,
  TokenCredential,
  OAuthCredential,
]);
export type AuthCredential = z.infer<typeof AuthCredentialSchema>;

export const UsageStatsSchema = z.looseObject({
  lastUsed: z.number().optional(),
  cooldownUntil: z.number().optional(),
  disabledUntil: z.number().optional(),
  disabledReason: z.string().optional(),
  errorCount: z.number().optional(),
  failureCounts: z.record(z.string(), z.number()).optional(),
  lastFailureAt: z.number().optional(),
});
export type UsageStats = z.infer<typeof UsageStatsSchema>;

export const AuthProfileStoreSchema = z.looseObject({
  version: z.number(),
  profiles: z.record(z.string(), AuthCredentialSchema),
  order: z.record(z.string(), z.array(z.string())).optional(),
  lastGood: z.record(z.string(), z.string()).optional(),
  usageStats: z.record(z.string(), UsageStatsSchema).optional(),
});
export type AuthProfileStore = z.infer<typeof AuthProfileStoreSchema>;

export const EMPTY_AUTH_STORE: AuthProfileStore = { version: 1, profiles: {} };

export function authProfilesPath(agentDir: string): string {
  return path.join(agentDir, "auth-profiles.json");
}

/** Reads an agent's auth store; a missing file is an empty store, a corrupt one an error naming it. */
export async function readAuthProfiles(agentDir: string): Promise<AuthProfileStore> {
  const file = authProfilesPath(agentDir);
  const raw = await readJsonIfExists(file);
  if (raw === undefined) return EMPTY_AUTH_STORE;
  const parsed = AuthProfileStoreSchema.safeParse(raw);
  if (!parsed.success) {
    const first = parsed.error.issues[0];
    throw new Error(
      `${file} is not a valid auth profile store (${first?.path.join(".")}: ${first?.message})`,
    );
  }
  return parsed.data;
}

/** Another agent falls back to the main agent's profiles; its own win (reference-agent §6.5). */
export function mergeAuthStores(own: AuthProfileStore, main: AuthProfileStore): AuthProfileStore {
  return {
    ...main,
    ...own,
    profiles: { ...main.profiles, ...own.profiles },
    usageStats: { ...main.usageStats, ...own.usageStats },
    order: { ...main.order, ...own.order },
  };
}

/**
 * Read-modify-write of an agent's auth store under its lock (another process, a CLI login say,
 * may write it too), written atomically. The mutator edits the file's own JSON so fields and key
 * order we do not model survive. A corrupt file throws and is left untouched.
 */
export async function updateAuthProfiles(
  agentDir: string,
  mutate: (raw: AuthProfileStore) => void,
): Promise<void> {
  await withAuthProfilesLocked(agentDir, async (raw) => {
    mutate(raw);
    return { changed: true, result: undefined };
  });
}

/**
 * Like `updateAuthProfiles` for work that must decide inside the lock, such as an OAuth refresh
 * that re-reads the store first so concurrent runs refresh once (reference-agent §6.7). `fn` may
 * wait on the network (bounded by its own timeout: other writers wait meanwhile); the store is
 * written back only when it reports a change.
 */
export async function withAuthProfilesLocked<T>(
  agentDir: string,
  fn: (raw: AuthProfileStore) => Promise<{ changed: boolean; result: T }>,
): Promise<T> {
  const file = authProfilesPath(agentDir);
  return withLockFile(file, async () => {
    const raw = (await readJsonIfExists(file)) ?? { version: 1, profiles: {} };
    const parsed = AuthProfileStoreSchema.safeParse(raw);
    if (!parsed.success) throw new Error(`${file} is not a valid auth profile store; not updating it`);
    const store = raw as AuthProfileStore;
    const { changed, result } = await fn(store);
    if (changed) await writeFileAtomic(file, `${JSON.stringify(store, null, 2)}\n`, { mode: 0o600 });
    return result;
  });
}

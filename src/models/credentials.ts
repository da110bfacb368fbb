import type { OpenClawConfig } from "../config/schema.ts";
import type { AuthCredential, AuthProfileStore, UsageStats } from "./auth-profiles.ts";
import { envKeyFor } from "./env-keys.ts";

/** The key a request will carry, and where it came from (for `/model status` and logs; never the key itself). */
export interface ResolvedCredential {
  apiKey: string;
  source: string;
  profileId?: string;
}

/** No usable credential: the message tells the user how to add one. */
export class MissingCredentialError extends Error {
  override name = "MissingCredentialError";
}

export interface CredentialQuery {
  provider: string;
  config: OpenClawConfig;
  store: AuthProfileStore;
  storePath: string;
  agentDir: string;
  env: NodeJS.ProcessEnv;
  now: number;
  /** The session's pinned profile, tried first while it is usable. */
  preferredProfile?: string;
}

function isUsable(stats: UsageStats | undefined, now: number): boolean {
  return !((stats?.cooldownUntil ?? 0) > now || (stats?.disabledUntil ?? 0) > now);
}

function secretOf(cred: AuthCredential, now: number): string | undefined {
  switch (cred.type) {
    case "api_key":
      return cred.key || undefined;
    case "token":
      return cred.expires !== undefined && cred.expires <= now ? undefined : cred.token;
    case "oauth":
      return cred.expires !== undefined && cred.expires <= now ? undefined : cred.access;
  }
}

/**
 * Profile candidates for a provider in rotation order (reference-agent §6.6): `auth.order`, then the
 * store's order, then configured profiles, then stored ones (OAuth/token before API keys, least
 * recently used first); profiles cooling down go last.
 */
export function profileCandidates(q: Omit<CredentialQuery, "env" | "storePath" | "agentDir">): string[] {
  const { provider, config, store, now } = q;
  const belongs = (id: string): boolean => store.profiles[id]?.provider === provider;
  const explicit = config.auth?.order?.[provider] ?? store.order?.[provider];
  let ids: string[];
  if (explicit) {
    ids = explicit.filter(belongs);
  } else {
    const configured = Object.entries(config.auth?.profiles ?? {})
      .filter(([, p]) => p.provider === provider)
      .map(([id]) => id)
      .filter(belongs);
    const typeRank = (id: string): number => (store.profiles[id]?.type === "api_key" ? 1 : 0);
    const stored = Object.keys(store.profiles)
      .filter(belongs)
      .filter((id) => !configured.includes(id))
      .sort(
        (a, b) =>
          typeRank(a) - typeRank(b) ||
          (store.usageStats?.[a]?.lastUsed ?? 0) - (store.usageStats?.[b]?.lastUsed ?? 0),
      );
    ids = [...configured, ...stored];
  }
  const usable = ids.filter((id) => isUsable(store.usageStats?.[id], now));
  const cooling = ids.filter((id) => !usable.includes(id));
  return [...usable, ...cooling];
}

/** Resolves the key for one request: auth profile → env var → `models.providers.<id>.apiKey`. */
export function resolveCredential(q: CredentialQuery): ResolvedCredential {
  const candidates = profileCandidates(q);
  const ordered =
    q.preferredProfile && candidates.includes(q.preferredProfile)
      ? [q.preferredProfile, ...candidates.filter((c) => c !== q.preferredProfile)]
      : candidates;
  for (const id of ordered) {
    const cred = q.store.profiles[id];
    if (!cred || !isUsable(q.store.usageStats?.[id], q.now)) continue;
    const secret = secretOf(cred, q.now);
    if (secret) return { apiKey: secret, source: `profile:${id}`, profileId: id };
  }
  const fromEnv = envKeyFor(q.provider, q.env);
  if (fromEnv) return { apiKey: fromEnv.key, source: fromEnv.source };
  const fromConfig = configApiKey(q.config.models?.providers?.[q.provider]?.apiKey, q.env);
  if (fromConfig) return { apiKey: fromConfig, source: "config" };
  if (candidates.length > 0) {
    throw new MissingCredentialError(
      `No available auth profile for ${q.provider} (all in cooldown or unavailable).`,
    );
  }
  throw new MissingCredentialError(missingKeyMessage(q.provider, q.storePath, q.agentDir));
}

/**
 * The exact text users search for (reference-agent §6.5), plus what to do about it on a fresh
 * install, where the usual fix is an environment variable or a custom provider.
 */
export function missingKeyMessage(provider: string, storePath: string, agentDir: string): string {
  return (
    `No API key found for provider "${provider}". Auth store: ${storePath} (agentDir: ${agentDir}). ` +
    "Configure auth for this agent (openclaw agents add <id>) or copy auth-profiles.json from the main agentDir. " +
    "To add a key: set ANTHROPIC_API_KEY, OPENAI_API_KEY or GEMINI_API_KEY (in the environment or ~/.openclaw/.env) " +
    "and pick a matching model (agents.defaults.model.primary), or configure a custom provider under models.providers " +
    '(baseUrl, apiKey, api: "openai-completions").'
  );
}

/** A config apiKey is a literal, the name of a set env var, or a SecretRef `{source:"env", id}`. */
export function configApiKey(value: unknown, env: NodeJS.ProcessEnv): string | undefined {
  if (typeof value === "string") {
    if (/^[A-Z][A-Z0-9_]*$/.test(value) && env[value]) return env[value];
    return value || undefined;
  }
  if (value && typeof value === "object" && "source" in value && "id" in value) {
    const ref = value as { source: string; id: string };
    if (ref.source === "env") return env[ref.id] || undefined;
  }
  return undefined;
}

import type { OpenClawConfig } from "../config/schema.ts";
import type { AuthCredential, AuthProfileStore, UsageStats } from "./auth-profiles.ts";
import {
  awsRegion,
  awsSdkAuthIsExplicit,
  detectAwsCredentials,
  missingAwsCredentialsMessage,
  usesAwsSdkAuth,
} from "./aws-credentials.ts";
import { envKeyFor } from "./env-keys.ts";

/** The key a request will carry, and where it came from (for `/model status` and logs; never the key itself). */
export interface ResolvedCredential {
  /** Empty for source `aws-sdk`: the AWS SDK signs the request with what it finds on the host. */
  apiKey: string;
  source: string;
  /** For source `aws-sdk`: where the SDK's chain will find credentials (a description, never a secret). */
  awsChain?: string;
  /** For source `aws-sdk`: the region to sign for, when the host or config names one. */
  awsRegion?: string;
  profileId?: string;
  /** The profile's kind; an `oauth` one may need a refresh before use (oauth/refresh.ts). */
  type?: AuthCredential["type"];
  /** Epoch ms the token or OAuth access token expires at, when the profile says. */
  expires?: number;
  /** The Code Assist project a `google-gemini-cli` oauth profile was signed in with. */
  projectId?: string;
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

/** Epoch ms until which a profile may not be used (cooldown or billing disable); 0 when usable. */
function unusableUntil(stats: UsageStats | undefined, now: number): number {
  const until = Math.max(stats?.cooldownUntil ?? 0, stats?.disabledUntil ?? 0);
  return until > now ? until : 0;
}

function isExpired(expires: number | undefined, now: number): boolean {
  return expires !== undefined && expires > 0 && expires <= now;
}

function secretOf(cred: AuthCredential, now: number): string | undefined {
  switch (cred.type) {
    case "api_key":
      return cred.key?.trim() || undefined;
    case "token":
      return isExpired(cred.expires, now) ? undefined : cred.token.trim() || undefined;
    case "oauth":
      // An expired access token with a refresh token is still usable: it is refreshed before the
      // request (reference-agent §6.7).
      return isExpired(cred.expires, now) && !cred.refresh?.trim()
        ? undefined
        : cred.access.trim() || undefined;
  }
}

/**
 * A profile can serve this provider: it is stored with a secret, and its config entry (if any)
 * names the same provider and mode (`oauth` also accepts a stored `token`), as 2.26 checks.
 */
function isEligible(id: string, q: Pick<CredentialQuery, "provider" | "config" | "store" | "now">): boolean {
  const cred = q.store.profiles[id];
  if (!cred || cred.provider !== q.provider || !secretOf(cred, q.now)) return false;
  const meta = q.config.auth?.profiles?.[id];
  if (!meta) return true;
  return (
    meta.provider === q.provider &&
    (meta.mode === cred.type || (meta.mode === "oauth" && cred.type === "token"))
  );
}

const TYPE_RANK: Readonly<Record<AuthCredential["type"], number>> = { oauth: 0, token: 1, api_key: 2 };

/**
 * Profile candidates for a provider in rotation order (reference-agent §6.6, 2.26
 * `resolveAuthProfileOrder`): an explicit order (the store's, set by `models auth order set`, else
 * `auth.order`) is kept as written; otherwise the configured profiles (else the stored ones) go
 * OAuth, then token, then API key, least recently used first. Profiles cooling down or disabled go
 * last, soonest available first. Ineligible profiles (no secret, mode mismatch) are left out.
 */
export function profileCandidates(q: Omit<CredentialQuery, "env" | "storePath" | "agentDir">): string[] {
  const { provider, config, store, now } = q;
  const explicit = store.order?.[provider] ?? config.auth?.order?.[provider];
  const configured = Object.entries(config.auth?.profiles ?? {})
    .filter(([, p]) => p.provider === provider)
    .map(([id]) => id);
  const stored = Object.keys(store.profiles).filter((id) => store.profiles[id]?.provider === provider);
  // Configured ids that no longer exist in the store (an older setup flow) fall back to the store.
  const base = explicit ?? (configured.some((id) => store.profiles[id]) ? configured : stored);
  const eligible = [...new Set(base)].filter((id) => isEligible(id, q));
  const until = (id: string): number => unusableUntil(store.usageStats?.[id], now);
  const usable = eligible.filter((id) => until(id) === 0);
  const cooling = eligible.filter((id) => until(id) > 0).sort((a, b) => until(a) - until(b));
  if (!explicit) {
    usable.sort(
      (a, b) =>
        TYPE_RANK[store.profiles[a]!.type] - TYPE_RANK[store.profiles[b]!.type] ||
        (store.usageStats?.[a]?.lastUsed ?? 0) - (store.usageStats?.[b]?.lastUsed ?? 0),
    );
  }
  return [...usable, ...cooling];
}

/**
 * Resolves the key for one request: the session's pinned profile while usable, then the rotation
 * order; with no profile for the provider, its env var, then `models.providers.<id>.apiKey`, then
 * (for Bedrock providers) the host's AWS credentials; `auth: "aws-sdk"` goes to those first. When
 * profiles exist but all are cooling down, that is the error (2.26 does not fall back to env then).
 * Throws `MissingCredentialError`.
 */
export function resolveCredential(q: CredentialQuery): ResolvedCredential {
  const aws = usesAwsSdkAuth(q.provider, q.config);
  // `auth: "aws-sdk"` says the host's AWS credentials are the way in, ahead of any stored key.
  if (aws && awsSdkAuthIsExplicit(q.provider, q.config)) return awsSdkCredential(q);
  const candidates = profileCandidates(q);
  const usable = candidates.filter((id) => unusableUntil(q.store.usageStats?.[id], q.now) === 0);
  const pinned = q.preferredProfile && usable.includes(q.preferredProfile) ? q.preferredProfile : usable[0];
  if (pinned) {
    const cred = q.store.profiles[pinned]!;
    const secret = secretOf(cred, q.now)!;
    const expires = cred.type === "api_key" ? undefined : cred.expires;
    const projectId = cred.type === "oauth" && typeof cred["projectId"] === "string" ? cred["projectId"] : "";
    return {
      apiKey: secret,
      source: `profile:${pinned}`,
      profileId: pinned,
      type: cred.type,
      ...(expires !== undefined && expires > 0 ? { expires } : {}),
      ...(projectId ? { projectId } : {}),
    };
  }
  if (candidates.length > 0) {
    throw new MissingCredentialError(
      `No available auth profile for ${q.provider} (all in cooldown or unavailable).`,
    );
  }
  const fromEnv = envKeyFor(q.provider, q.env);
  if (fromEnv) return { apiKey: fromEnv.key, source: fromEnv.source };
  const fromConfig = configApiKey(q.config.models?.providers?.[q.provider]?.apiKey, q.env);
  if (fromConfig) return { apiKey: fromConfig, source: "config" };
  if (aws) return awsSdkCredential(q);
  throw new MissingCredentialError(missingKeyMessage(q.provider, q.storePath, q.agentDir));
}

/**
 * A credential the AWS SDK resolves by itself (reference-agent §6.3, `auth: "aws-sdk"`): we only
 * check that the host has something for its default chain to find, so a turn without any fails
 * with what to set instead of an SDK timeout. Throws `MissingCredentialError`.
 */
function awsSdkCredential(q: CredentialQuery): ResolvedCredential {
  const found = detectAwsCredentials({ env: q.env });
  if (!found) throw new MissingCredentialError(missingAwsCredentialsMessage(q.provider));
  const region = awsRegion(q.env, q.config);
  return { apiKey: "", source: "aws-sdk", awsChain: found.detail, ...(region ? { awsRegion: region } : {}) };
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

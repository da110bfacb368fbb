import type { OpenClawConfig } from "../config/schema.ts";
import type { AuthCredential, AuthProfileStore, UsageStats } from "./auth-profiles.ts";
import { BEDROCK_PROVIDER, detectAwsCredentials, usesAwsSdkAuth } from "./aws-credentials.ts";
import { configApiKey, MissingCredentialError, profileCandidates, resolveCredential } from "./credentials.ts";
import { envKeyFor, PROVIDER_ENV_KEYS } from "./env-keys.ts";
import { DEFAULT_MODEL_REF, formatModelRef, parseModelRef, resolveModelRef } from "./model-ref.ts";

/** A model setting as the report reads it: `model` may be a plain string (= primary) or `{primary, fallbacks}`. */
export interface ModelChoice {
  primary: string | undefined;
  fallbacks: string[];
}

export function modelChoiceOf(value: unknown): ModelChoice {
  if (typeof value === "string") return { primary: value.trim() || undefined, fallbacks: [] };
  if (value && typeof value === "object") {
    const v = value as { primary?: unknown; fallbacks?: unknown };
    return {
      primary: typeof v.primary === "string" && v.primary.trim() ? v.primary.trim() : undefined,
      fallbacks: Array.isArray(v.fallbacks)
        ? v.fallbacks.filter((f): f is string => typeof f === "string")
        : [],
    };
  }
  return { primary: undefined, fallbacks: [] };
}

/** User aliases, `alias → provider/model`, from `agents.defaults.models[ref].alias` (MOD-6). */
export function userAliases(config: OpenClawConfig): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [ref, entry] of Object.entries(config.agents?.defaults?.models ?? {})) {
    const alias = entry?.alias?.trim();
    if (alias) out[alias] = ref;
  }
  return out;
}

/** `provider/model` for a configured text (alias, ref, or a bare model of `anthropic`, MOD-2); the text itself if it is no ref. */
export function resolvedRefText(text: string, config: OpenClawConfig): string {
  const ref = resolveModelRef(text, userAliases(config), parseModelRef(DEFAULT_MODEL_REF)!.provider);
  return ref ? formatModelRef(ref) : text;
}

/**
 * At most a hint of a secret: its first four characters when it is long enough that they give
 * nothing away, and its length (`sk-a…(12 chars)`).
 */
export function secretHint(secret: string): string {
  return `${secret.length >= 12 ? secret.slice(0, 4) : ""}…(${secret.length} chars)`;
}

export interface StatusInput {
  config: OpenClawConfig;
  configPath: string;
  agentId: string;
  agentDir: string;
  authStorePath: string;
  /** The agent's model: its own `model`, else `agents.defaults.model`, else the built-in default. */
  model: ModelChoice;
  imageModel: ModelChoice;
  /** The agent's auth store, merged with the main agent's (reference-agent §6.5). */
  store: AuthProfileStore;
  env: NodeJS.ProcessEnv;
  now: number;
}

export type ProfileState = "ok" | "cooldown" | "disabled" | "expired" | "no-secret" | "missing";

export interface ProfileStatus {
  id: string;
  type?: AuthCredential["type"];
  state: ProfileState;
  hint?: string;
  /** Token/OAuth expiry (ISO) and whether it has passed. */
  expiresAt?: string;
  expired?: boolean;
  /** An OAuth profile with a refresh token: an expired access token is renewed on its next use. */
  refreshable?: boolean;
  /** End of a cooldown or billing disable (ISO), while it lasts. */
  unusableUntil?: string;
}

export interface ProviderAuthStatus {
  provider: string;
  /** Used by the default model, a fallback or the image model. */
  inUse: boolean;
  /**
   * The credential the next request would carry (`profile:<id>`, `env:NAME`, `config`, or `aws-sdk`
   * with the hint naming what the AWS SDK will use); null when none.
   */
  effective: { source: string; profileId?: string; hint: string; expiresAt?: string } | null;
  /** Why there is no effective credential. */
  error?: string;
  /** Profile ids in the order rotation will try them (usable first). */
  order: string[];
  profiles: ProfileStatus[];
  env?: { source: string; hint: string };
  config?: { hint: string };
}

/** A profile skipped for now (OBS-13): `until` is ISO, `reason` from `disabledReason` or `failureCounts`. */
export interface UnusableProfile {
  profileId: string;
  provider?: string;
  kind: "cooldown" | "disabled";
  reason: string;
  until: string;
  untilMs: number;
  remainingMs: number;
  errorCount: number;
}

export interface ModelsStatusReport {
  configPath: string;
  agentId: string;
  agentDir: string;
  /** As configured (may be an alias); `resolvedDefault` is the `provider/model` it names. */
  defaultModel: string;
  resolvedDefault: string;
  fallbacks: string[];
  imageModel: string | null;
  imageFallbacks: string[];
  aliases: Record<string, string>;
  /** `agents.defaults.models` keys: the /model allowlist when non-empty. */
  allowed: string[];
  /** `models status --check` passes only when this is true. */
  defaultModelUsable: boolean;
  auth: {
    storePath: string;
    shellEnvFallback: { enabled: boolean };
    providers: ProviderAuthStatus[];
    missingProvidersInUse: string[];
    unusableProfiles: UnusableProfile[];
  };
}

function secretOf(cred: AuthCredential): string | undefined {
  switch (cred.type) {
    case "api_key":
      return cred.key?.trim() || undefined;
    case "token":
      return cred.token.trim() || undefined;
    case "oauth":
      return cred.access.trim() || undefined;
  }
}

function expiryOf(cred: AuthCredential | undefined): number | undefined {
  if (!cred || cred.type === "api_key") return undefined;
  return cred.expires !== undefined && cred.expires > 0 ? cred.expires : undefined;
}

function unusableUntil(stats: UsageStats | undefined, now: number): number {
  const until = Math.max(stats?.cooldownUntil ?? 0, stats?.disabledUntil ?? 0);
  return until > now ? until : 0;
}

/** The failure seen most often; the store keeps counts, not the last reason. */
function dominantReason(stats: UsageStats): string | undefined {
  let best: [string, number] | undefined;
  for (const [reason, count] of Object.entries(stats.failureCounts ?? {})) {
    if (count > 0 && (!best || count > best[1])) best = [reason, count];
  }
  return best?.[0];
}

function profileStatus(id: string, input: StatusInput): ProfileStatus {
  const cred = input.store.profiles[id];
  if (!cred) return { id, state: "missing" };
  const secret = secretOf(cred);
  const expires = expiryOf(cred);
  const until = unusableUntil(input.store.usageStats?.[id], input.now);
  const disabled = (input.store.usageStats?.[id]?.disabledUntil ?? 0) > input.now;
  const expired = expires !== undefined && expires <= input.now;
  const state: ProfileState = !secret
    ? "no-secret"
    : expired
      ? "expired"
      : until
        ? disabled
          ? "disabled"
          : "cooldown"
        : "ok";
  return {
    id,
    type: cred.type,
    state,
    ...(secret ? { hint: secretHint(secret) } : {}),
    ...(expires !== undefined ? { expiresAt: new Date(expires).toISOString(), expired } : {}),
    ...(cred.type === "oauth" && cred.refresh?.trim() ? { refreshable: true } : {}),
    ...(until ? { unusableUntil: new Date(until).toISOString() } : {}),
  };
}

function providerStatus(provider: string, inUse: boolean, input: StatusInput): ProviderAuthStatus {
  const { config, store, env, now } = input;
  const order = profileCandidates({ provider, config, store, now });
  const ids = new Set([
    ...Object.keys(store.profiles).filter((id) => store.profiles[id]?.provider === provider),
    ...Object.entries(config.auth?.profiles ?? {})
      .filter(([, meta]) => meta.provider === provider)
      .map(([id]) => id),
  ]);
  const fromEnv = envKeyFor(provider, env);
  const fromConfig = configApiKey(config.models?.providers?.[provider]?.apiKey, env);
  let effective: ProviderAuthStatus["effective"] = null;
  let error: string | undefined;
  try {
    const cred = resolveCredential({
      provider,
      config,
      store,
      storePath: input.authStorePath,
      agentDir: input.agentDir,
      env,
      now,
    });
    const expires = cred.profileId ? expiryOf(store.profiles[cred.profileId]) : undefined;
    effective = {
      source: cred.source,
      ...(cred.profileId ? { profileId: cred.profileId } : {}),
      // An aws-sdk credential holds no secret of ours: the hint says where the SDK will look.
      hint: cred.awsChain ?? secretHint(cred.apiKey),
      ...(expires !== undefined ? { expiresAt: new Date(expires).toISOString() } : {}),
    };
  } catch (err) {
    if (!(err instanceof MissingCredentialError)) throw err;
    // The full missing-key text names paths and fixes; the report keeps its first sentence. An
    // AWS provider's text is kept whole: it is what to set, and names no path.
    error =
      order.length > 0 || usesAwsSdkAuth(provider, config)
        ? err.message
        : `No API key found for provider "${provider}".`;
  }
  return {
    provider,
    inUse,
    effective,
    ...(error ? { error } : {}),
    order,
    profiles: [...ids].sort().map((id) => profileStatus(id, input)),
    ...(fromEnv ? { env: { source: fromEnv.source, hint: secretHint(fromEnv.key) } } : {}),
    ...(fromConfig ? { config: { hint: secretHint(fromConfig) } } : {}),
  };
}

function unusableProfiles(store: AuthProfileStore, now: number): UnusableProfile[] {
  const out: UnusableProfile[] = [];
  for (const [profileId, stats] of Object.entries(store.usageStats ?? {})) {
    const until = unusableUntil(stats, now);
    if (!until) continue;
    const kind = (stats.disabledUntil ?? 0) > now ? "disabled" : "cooldown";
    const reason =
      (kind === "disabled" ? stats.disabledReason : undefined) ?? dominantReason(stats) ?? "unknown";
    const provider = store.profiles[profileId]?.provider;
    out.push({
      profileId,
      ...(provider ? { provider } : {}),
      kind,
      reason,
      until: new Date(until).toISOString(),
      untilMs: until,
      remainingMs: until - now,
      errorCount: stats.errorCount ?? 0,
    });
  }
  return out.sort((a, b) => a.untilMs - b.untilMs);
}

function providerOf(text: string | undefined, config: OpenClawConfig): string | undefined {
  return text ? parseModelRef(resolvedRefText(text, config))?.provider : undefined;
}

/**
 * `openclaw models status` (OBS-12, OBS-13, reference-gateway §6): the agent's models, and per
 * provider which credential a request would use. Pure; never includes a secret, only
 * `secretHint`s. Providers listed: those in use, configured, allowlisted, with stored profiles or
 * with a key in the environment.
 */
export function buildStatusReport(input: StatusInput): ModelsStatusReport {
  const { config, env } = input;
  const defaultModel = input.model.primary ?? DEFAULT_MODEL_REF;
  const resolvedDefault = resolvedRefText(defaultModel, config);
  const allowed = Object.keys(config.agents?.defaults?.models ?? {});
  const inUseRefs = [
    defaultModel,
    ...input.model.fallbacks,
    input.imageModel.primary,
    ...input.imageModel.fallbacks,
  ];
  const inUse = new Set(inUseRefs.map((r) => providerOf(r, config)).filter((p) => p !== undefined));
  const listed = new Set<string>(inUse);
  for (const cred of Object.values(input.store.profiles)) listed.add(cred.provider);
  for (const meta of Object.values(config.auth?.profiles ?? {})) listed.add(meta.provider);
  for (const p of Object.keys(config.models?.providers ?? {})) listed.add(p);
  for (const ref of allowed) {
    const p = providerOf(ref, config);
    if (p) listed.add(p);
  }
  for (const p of Object.keys(PROVIDER_ENV_KEYS)) if (envKeyFor(p, env)) listed.add(p);
  // AWS credentials in the environment make the built-in Bedrock provider usable, as a key would.
  if (detectAwsCredentials({ env, fileExists: () => false })) listed.add(BEDROCK_PROVIDER);
  const providers = [...listed].sort().map((p) => providerStatus(p, inUse.has(p), input));
  const missing = providers.filter((p) => p.inUse && !p.effective).map((p) => p.provider);
  const defaultProvider = parseModelRef(resolvedDefault)?.provider;
  const shellEnv = config.env?.shellEnv as { enabled?: boolean } | undefined;
  return {
    configPath: input.configPath,
    agentId: input.agentId,
    agentDir: input.agentDir,
    defaultModel,
    resolvedDefault,
    fallbacks: input.model.fallbacks,
    imageModel: input.imageModel.primary ?? null,
    imageFallbacks: input.imageModel.fallbacks,
    aliases: userAliases(config),
    allowed,
    defaultModelUsable: defaultProvider !== undefined && !missing.includes(defaultProvider),
    auth: {
      storePath: input.authStorePath,
      shellEnvFallback: { enabled: shellEnv?.enabled === true || env["OPENCLAW_LOAD_SHELL_ENV"] === "1" },
      providers,
      missingProvidersInUse: missing,
      unusableProfiles: unusableProfiles(input.store, input.now),
    },
  };
}

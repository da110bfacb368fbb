import { z } from "zod";
import { authProfilesPath, readAuthProfiles, withAuthProfilesLocked } from "../auth-profiles.ts";
import type { ResolvedCredential } from "../credentials.ts";
import { refreshTokens } from "./grants.ts";
import { codexAccountId } from "./jwt.ts";
import { isOAuthProvider } from "./providers.ts";
import { isPermanentOAuthError } from "./token-client.ts";

/** Refresh this long before `expires`, so a token does not lapse between the check and the request. */
export const REFRESH_SKEW_MS = 60_000;

/** Whether an OAuth access token must be refreshed before use (reference-agent §6.7). Pure. */
export function needsRefresh(expires: number | undefined, now: number, skewMs = REFRESH_SKEW_MS): boolean {
  return expires !== undefined && expires > 0 && expires - skewMs <= now;
}

/**
 * A refresh did not produce a usable token. The message is OpenClaw's (reference-agent §6.7) plus
 * the command that signs in again; `permanent` when only that will help (`invalid_grant`, say).
 */
export class OAuthRefreshError extends Error {
  override name = "OAuthRefreshError";
  readonly provider: string;
  readonly permanent: boolean;

  constructor(provider: string, detail: string, opts: { permanent: boolean; cause?: unknown }) {
    super(
      `OAuth token refresh failed for ${provider}: ${detail}. Please try again or re-authenticate. ` +
        `To sign in again: openclaw models auth login --provider ${provider}`,
      { cause: opts.cause },
    );
    this.provider = provider;
    this.permanent = opts.permanent;
  }
}

const StoredOAuth = z.looseObject({
  type: z.literal("oauth"),
  provider: z.string(),
  access: z.string(),
  refresh: z.string().optional(),
  expires: z.number().optional(),
  accountId: z.string().optional(),
});
type StoredOAuth = z.infer<typeof StoredOAuth>;

export interface RefreshScope {
  /** The run's agent dir, and the main agent's whose profiles back it up (undefined for main). */
  agentDir: string;
  mainAgentDir: string | undefined;
  env: NodeJS.ProcessEnv;
  now: () => number;
}

/** Refreshes in flight in this process, so concurrent turns share one (keyed by store file and profile). */
const inflight = new Map<string, Promise<StoredOAuth>>();

/**
 * Returns the profile's credential with a current access token, refreshing it when it is due or
 * when `rejectedAccess` (a token the provider just refused with 401) is still what the store holds.
 * The refresh runs under the auth store's file lock and re-reads the profile inside it, so
 * concurrent turns and processes refresh once and the rest pick up the new token; within this
 * process they also share the in-flight promise. Throws `OAuthRefreshError`.
 */
export async function refreshOAuthProfile(
  scope: RefreshScope,
  profileId: string,
  opts: { rejectedAccess?: string; signal?: AbortSignal } = {},
): Promise<StoredOAuth> {
  const agentDir = await ownerDir(scope, profileId);
  const key = `${authProfilesPath(agentDir)}\0${profileId}`;
  let running = inflight.get(key);
  if (!running) {
    running = refreshLocked(agentDir, profileId, scope, opts).finally(() => {
      if (inflight.get(key) === running) inflight.delete(key);
    });
    inflight.set(key, running);
  }
  return running;
}

/** The store holding the profile: the agent's own, else the main agent's it falls back to (§6.5). */
async function ownerDir(scope: RefreshScope, profileId: string): Promise<string> {
  if ((await readAuthProfiles(scope.agentDir)).profiles[profileId] || !scope.mainAgentDir)
    return scope.agentDir;
  return (await readAuthProfiles(scope.mainAgentDir)).profiles[profileId]
    ? scope.mainAgentDir
    : scope.agentDir;
}

async function refreshLocked(
  agentDir: string,
  profileId: string,
  scope: RefreshScope,
  opts: { rejectedAccess?: string; signal?: AbortSignal },
): Promise<StoredOAuth> {
  return withAuthProfilesLocked(agentDir, async (store) => {
    const parsed = StoredOAuth.safeParse(store.profiles[profileId]);
    if (!parsed.success) {
      // Removed or replaced (by a login or paste-token) since the turn picked it.
      const provider = store.profiles[profileId]?.provider ?? profileId.split(":")[0] ?? profileId;
      throw new OAuthRefreshError(provider, `profile ${profileId} is no longer an OAuth profile`, {
        permanent: true,
      });
    }
    const cred = parsed.data;
    const now = scope.now();
    // Someone else refreshed while we waited for the lock: their token is ours too.
    const stale =
      opts.rejectedAccess !== undefined
        ? cred.access === opts.rejectedAccess
        : needsRefresh(cred.expires, now);
    if (!stale) return { changed: false, result: cred };
    if (!isOAuthProvider(cred.provider)) {
      throw new OAuthRefreshError(cred.provider, "this provider's tokens cannot be refreshed here", {
        permanent: true,
      });
    }
    if (!cred.refresh)
      throw new OAuthRefreshError(cred.provider, "no refresh token is stored", { permanent: true });
    let tokens: Awaited<ReturnType<typeof refreshTokens>>;
    try {
      tokens = await refreshTokens(cred.provider, cred.refresh, {
        env: scope.env,
        signal: opts.signal ?? AbortSignal.timeout(30_000),
        now: scope.now,
      });
    } catch (err) {
      if (!(err instanceof Error)) throw err;
      throw new OAuthRefreshError(cred.provider, err.message, {
        permanent: isPermanentOAuthError(err),
        cause: err,
      });
    }
    const accountId = cred.provider === "openai-codex" ? codexAccountId(tokens.access) : undefined;
    const next: StoredOAuth = {
      ...cred,
      access: tokens.access,
      refresh: tokens.refresh ?? cred.refresh,
      expires: tokens.expires,
      ...(accountId ? { accountId } : {}),
    };
    store.profiles[profileId] = next as (typeof store.profiles)[string];
    return { changed: true, result: next };
  });
}

/**
 * The credential a request should carry: an OAuth profile's token refreshed first when due, or
 * after the provider refused `rejected`; any other credential as it is. Throws `OAuthRefreshError`.
 */
export async function currentCredential(
  scope: RefreshScope,
  credential: ResolvedCredential,
  rejected?: boolean,
): Promise<ResolvedCredential> {
  if (credential.type !== "oauth" || !credential.profileId) return credential;
  if (!rejected && !needsRefresh(credential.expires, scope.now())) return credential;
  const fresh = await refreshOAuthProfile(
    scope,
    credential.profileId,
    rejected ? { rejectedAccess: credential.apiKey } : {},
  );
  return {
    ...credential,
    apiKey: fresh.access,
    ...(fresh.expires !== undefined ? { expires: fresh.expires } : {}),
  };
}

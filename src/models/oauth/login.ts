import {
  type AuthorizationCode,
  OAuthCallbackError,
  parsePastedRedirect,
  startCallbackServer,
} from "./callback-server.ts";
import { discoverGeminiProject, fetchGoogleEmail } from "./gemini-project.ts";
import { codexIdentity, exchangeAuthorizationCode, oauthClientId } from "./grants.ts";
import { createPkce, randomState } from "./pkce.ts";
import { OAUTH_PROVIDERS, type OAuthProviderId, oauthEndpoints } from "./providers.ts";
import type { TokenSet } from "./token-client.ts";

/** The provider's answer lacked something a profile needs (a refresh token, say). */
export class OAuthLoginError extends Error {
  override name = "OAuthLoginError";
}

/** An `oauth` credential in auth-profiles.json's shape (reference-gateway §4). */
export interface OAuthProfileCredential {
  type: "oauth";
  provider: OAuthProviderId;
  access: string;
  refresh: string;
  expires: number;
  email?: string;
  accountId?: string;
  projectId?: string;
}

export interface OAuthLoginResult {
  /** `<provider>:<email>`, or `<provider>:default` when the provider does not say who signed in. */
  profileId: string;
  credential: OAuthProfileCredential;
}

export interface LoginIo {
  /** A line for the user: the URL to open, what we wait for. */
  say(line: string): void;
  /** Opens the URL in a browser, when the caller decided one should open. */
  openUrl?(url: string): void;
  /**
   * Lines the user types or pipes in: the redirect URL (or code) copied from a browser that could
   * not reach our loopback port (a remote gateway host). Its end does not end the wait.
   */
  pasted?: AsyncIterable<string>;
}

/** How long a sign-in may take before we give up on the browser. */
export const LOGIN_TIMEOUT_MS = 5 * 60_000;

export function buildAuthorizeUrl(
  provider: OAuthProviderId,
  p: { authorizeUrl: string; clientId: string; redirectUri: string; challenge: string; state: string },
): string {
  const spec = OAUTH_PROVIDERS[provider];
  const url = new URL(p.authorizeUrl);
  const params: Record<string, string> = {
    response_type: "code",
    client_id: p.clientId,
    redirect_uri: p.redirectUri,
    scope: spec.scopes.join(" "),
    code_challenge: p.challenge,
    code_challenge_method: "S256",
    state: p.state,
    ...spec.authorizeParams,
  };
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return url.toString();
}

/**
 * Runs one authorization-code sign-in with PKCE (RFC 7636) through a loopback redirect (RFC 8252
 * §7.3): prints the authorize URL, waits for the browser to come back (or for a pasted redirect
 * URL), exchanges the code and returns the profile to store. Throws on refusal, abort or timeout.
 */
export async function loginWithOAuth(
  provider: OAuthProviderId,
  opts: { env: NodeJS.ProcessEnv; signal: AbortSignal; now: () => number; io: LoginIo },
): Promise<OAuthLoginResult> {
  const { env, io } = opts;
  const signal = AbortSignal.any([opts.signal, AbortSignal.timeout(LOGIN_TIMEOUT_MS)]);
  const endpoints = oauthEndpoints(provider, env);
  const clientId = await oauthClientId(provider, env);
  const pkce = createPkce();
  const state = randomState();
  const url = buildAuthorizeUrl(provider, {
    authorizeUrl: endpoints.authorizeUrl,
    clientId,
    redirectUri: endpoints.redirectUri,
    challenge: pkce.challenge,
    state,
  });
  const server = await startCallbackServer(endpoints.redirectUri, state);
  let code: AuthorizationCode;
  try {
    io.say(`Open this URL to sign in to ${OAUTH_PROVIDERS[provider].label}:`);
    io.say(url);
    io.say(
      `Waiting for the redirect to ${endpoints.redirectUri} … (if your browser runs on another machine, ` +
        "paste the URL it ends up on here)",
    );
    io.openUrl?.(url);
    code = await firstCode(server.code, io, state, signal);
  } finally {
    await server.close();
  }
  const grant = { env, signal, now: opts.now };
  const tokens = await exchangeAuthorizationCode(
    provider,
    { code: code.code, verifier: pkce.verifier, redirectUri: endpoints.redirectUri },
    grant,
  );
  if (!tokens.refresh) throw new OAuthLoginError("No refresh token received. Please try again.");
  const credential = await profileFor(
    provider,
    tokens as TokenSet & { refresh: string },
    endpoints,
    env,
    signal,
  );
  return { profileId: `${provider}:${credential.email ?? "default"}`, credential };
}

async function profileFor(
  provider: OAuthProviderId,
  tokens: TokenSet & { refresh: string },
  endpoints: ReturnType<typeof oauthEndpoints>,
  env: NodeJS.ProcessEnv,
  signal: AbortSignal,
): Promise<OAuthProfileCredential> {
  const base = {
    type: "oauth" as const,
    provider,
    access: tokens.access,
    refresh: tokens.refresh,
    expires: tokens.expires,
  };
  switch (provider) {
    case "openai-codex":
      return { ...base, ...codexIdentity(tokens) };
    case "google-gemini-cli": {
      const email = endpoints.userinfoUrl
        ? await fetchGoogleEmail(endpoints.userinfoUrl, tokens.access, signal)
        : undefined;
      const projectId = await discoverGeminiProject(
        endpoints.codeAssistUrl ?? "",
        tokens.access,
        env,
        signal,
      );
      return { ...base, ...(email ? { email } : {}), projectId };
    }
  }
}

/** The callback's code, or the first pasted line that parses; a bad paste is reported and waited past. */
async function firstCode(
  callback: Promise<AuthorizationCode>,
  io: LoginIo,
  state: string,
  signal: AbortSignal,
): Promise<AuthorizationCode> {
  const stop = new AbortController();
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () =>
      reject(
        signal.reason instanceof Error && signal.reason.name === "TimeoutError"
          ? new OAuthLoginError(
              `no sign-in within ${LOGIN_TIMEOUT_MS / 60_000} minutes; run the command again`,
            )
          : new OAuthLoginError("sign-in cancelled"),
      );
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true, signal: stop.signal });
  });
  const pastedCode = (async (): Promise<AuthorizationCode> => {
    for await (const line of io.pasted ?? []) {
      if (stop.signal.aborted || !line.trim()) continue;
      try {
        return parsePastedRedirect(line, state);
      } catch (err) {
        if (!(err instanceof OAuthCallbackError)) throw err;
        io.say(`That did not work (${err.message}); paste the full URL your browser shows after signing in.`);
      }
    }
    return new Promise<never>(() => undefined); // input ended: only the browser can finish now
  })();
  try {
    return await Promise.race([callback, pastedCode, aborted]);
  } finally {
    stop.abort();
    aborted.catch(() => undefined);
  }
}

import { resolveGeminiClient } from "./gemini-client.ts";
import { codexAccountId, jwtEmail } from "./jwt.ts";
import { type OAuthProviderId, oauthEndpoints } from "./providers.ts";
import { requestToken, type TokenSet } from "./token-client.ts";

/** ChatGPT's public client for the Codex CLI (a public PKCE client: no secret). */
export const CODEX_CLIENT_ID = "app_EMoamEEZ73f0CkXaXp7hrann";

/** The access token has no ChatGPT account id, so the Codex backend could not be called with it. */
export class CodexAccountIdError extends Error {
  override name = "CodexAccountIdError";
}

interface Client {
  clientId: string;
  clientSecret?: string;
}

async function clientFor(provider: OAuthProviderId, env: NodeJS.ProcessEnv): Promise<Client> {
  switch (provider) {
    case "openai-codex":
      return { clientId: CODEX_CLIENT_ID };
    case "google-gemini-cli":
      return resolveGeminiClient(env);
  }
}

export interface GrantOptions {
  env: NodeJS.ProcessEnv;
  signal: AbortSignal;
  now: () => number;
}

/** The client id the authorize URL carries. */
export async function oauthClientId(provider: OAuthProviderId, env: NodeJS.ProcessEnv): Promise<string> {
  return (await clientFor(provider, env)).clientId;
}

/** Authorization-code exchange with the PKCE verifier (RFC 6749 §4.1.3, RFC 7636 §4.5). */
export async function exchangeAuthorizationCode(
  provider: OAuthProviderId,
  grant: { code: string; verifier: string; redirectUri: string },
  opts: GrantOptions,
): Promise<TokenSet> {
  const client = await clientFor(provider, opts.env);
  return requestToken(
    oauthEndpoints(provider, opts.env).tokenUrl,
    {
      grant_type: "authorization_code",
      client_id: client.clientId,
      ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
      code: grant.code,
      code_verifier: grant.verifier,
      redirect_uri: grant.redirectUri,
    },
    opts,
  );
}

/** Refresh-token grant (RFC 6749 §6). Providers that rotate refresh tokens return a new one. */
export async function refreshTokens(
  provider: OAuthProviderId,
  refreshToken: string,
  opts: GrantOptions,
): Promise<TokenSet> {
  const client = await clientFor(provider, opts.env);
  return requestToken(
    oauthEndpoints(provider, opts.env).tokenUrl,
    {
      grant_type: "refresh_token",
      client_id: client.clientId,
      ...(client.clientSecret ? { client_secret: client.clientSecret } : {}),
      refresh_token: refreshToken,
    },
    opts,
  );
}

/** What a Codex profile keeps besides the tokens (reference-agent §6.5): `accountId`, and `email` when known. */
export function codexIdentity(tokens: TokenSet): { accountId: string; email?: string } {
  const accountId = codexAccountId(tokens.access);
  if (!accountId) throw new CodexAccountIdError("Failed to extract accountId from token");
  const email = (tokens.idToken ? jwtEmail(tokens.idToken) : undefined) ?? jwtEmail(tokens.access);
  return email ? { accountId, email } : { accountId };
}

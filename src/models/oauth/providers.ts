/** Providers whose credentials come from an OAuth sign-in we run ourselves (reference-agent §6.7). */
export const OAUTH_PROVIDER_IDS = ["openai-codex", "google-gemini-cli"] as const;
export type OAuthProviderId = (typeof OAUTH_PROVIDER_IDS)[number];

export function isOAuthProvider(provider: string): provider is OAuthProviderId {
  return (OAUTH_PROVIDER_IDS as readonly string[]).includes(provider);
}

/** Where a provider's sign-in talks to. Every URL can be overridden (see `oauthEndpoints`). */
export interface OAuthEndpoints {
  authorizeUrl: string;
  tokenUrl: string;
  /** The loopback URL the provider redirects to; registered with the provider for its client id. */
  redirectUri: string;
  /** Google: who signed in. */
  userinfoUrl?: string;
  /** Google: Cloud Code Assist, which names the user's Gemini project. */
  codeAssistUrl?: string;
}

export interface OAuthProviderSpec {
  label: string;
  /** Model `--set-default` makes the default (reference-agent §6.7; the 2.26 gemini plugin's default). */
  defaultModel: string;
  scopes: readonly string[];
  /** Extra authorize-URL parameters the provider's own CLI sends. */
  authorizeParams: Readonly<Record<string, string>>;
  endpoints: OAuthEndpoints;
}

/**
 * Facts about each provider's public OAuth client, as the vendors' own CLIs use them: ChatGPT's
 * Codex CLI (client `app_EMoamEEZ73f0CkXaXp7hrann`, loopback port 1455) and Gemini CLI (loopback
 * port 8085; its client id comes from the installed CLI, see gemini-client.ts).
 */
export const OAUTH_PROVIDERS: Readonly<Record<OAuthProviderId, OAuthProviderSpec>> = {
  "openai-codex": {
    label: "OpenAI Codex (ChatGPT OAuth)",
    defaultModel: "openai-codex/gpt-5.3-codex",
    scopes: ["openid", "profile", "email", "offline_access"],
    authorizeParams: {
      id_token_add_organizations: "true",
      codex_cli_simplified_flow: "true",
      originator: "pi",
    },
    endpoints: {
      authorizeUrl: "https://auth.openai.com/oauth/authorize",
      tokenUrl: "https://auth.openai.com/oauth/token",
      redirectUri: "http://localhost:1455/auth/callback",
    },
  },
  "google-gemini-cli": {
    label: "Gemini CLI OAuth",
    defaultModel: "google-gemini-cli/gemini-3-pro-preview",
    scopes: [
      "https://www.googleapis.com/auth/cloud-platform",
      "https://www.googleapis.com/auth/userinfo.email",
      "https://www.googleapis.com/auth/userinfo.profile",
    ],
    // offline + consent: Google only hands out a refresh token on a consented offline grant.
    authorizeParams: { access_type: "offline", prompt: "consent" },
    endpoints: {
      authorizeUrl: "https://accounts.google.com/o/oauth2/v2/auth",
      tokenUrl: "https://oauth2.googleapis.com/token",
      redirectUri: "http://localhost:8085/oauth2callback",
      userinfoUrl: "https://www.googleapis.com/oauth2/v1/userinfo?alt=json",
      codeAssistUrl: "https://cloudcode-pa.googleapis.com",
    },
  },
};

const ENDPOINT_ENV: Readonly<Record<keyof OAuthEndpoints, string>> = {
  authorizeUrl: "AUTHORIZE_URL",
  tokenUrl: "TOKEN_URL",
  redirectUri: "REDIRECT_URI",
  userinfoUrl: "USERINFO_URL",
  codeAssistUrl: "CODE_ASSIST_URL",
};

/** `openai-codex` → `OPENCLAW_OAUTH_OPENAI_CODEX_`. */
export function oauthEnvPrefix(provider: OAuthProviderId): string {
  return `OPENCLAW_OAUTH_${provider.toUpperCase().replace(/[^A-Z0-9]+/g, "_")}_`;
}

/**
 * The provider's endpoints, each overridable by `OPENCLAW_OAUTH_<PROVIDER>_<NAME>` (names:
 * AUTHORIZE_URL, TOKEN_URL, REDIRECT_URI, USERINFO_URL, CODE_ASSIST_URL), for users behind a
 * proxy and for tests. Read wherever tokens are fetched (login and refresh), so the gateway
 * needs the same variables as the CLI. Pure.
 */
export function oauthEndpoints(provider: OAuthProviderId, env: NodeJS.ProcessEnv): OAuthEndpoints {
  const out: OAuthEndpoints = { ...OAUTH_PROVIDERS[provider].endpoints };
  const prefix = oauthEnvPrefix(provider);
  for (const [key, suffix] of Object.entries(ENDPOINT_ENV) as [keyof OAuthEndpoints, string][]) {
    const value = env[prefix + suffix]?.trim();
    if (value) out[key] = value;
  }
  return out;
}

/** Help text naming the override variables, for `models auth login --help`. */
export function endpointOverrideHelp(): string {
  const names = Object.values(ENDPOINT_ENV).join("|");
  return OAUTH_PROVIDER_IDS.map((p) => `${oauthEnvPrefix(p)}{${names}}`).join(", ");
}

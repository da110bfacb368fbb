import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { getAtPath, setAtPath } from "../../config/path-expr.ts";
import { writeConfig } from "../../config/write.ts";
import { UserFacingError } from "../../infra/errors.ts";
import { resolveModel, UnknownModelError } from "../../models/catalog.ts";
import { normalizeProviderId, parseModelRef } from "../../models/model-ref.ts";
import { OAuthCallbackError } from "../../models/oauth/callback-server.ts";
import { GeminiClientNotFoundError } from "../../models/oauth/gemini-client.ts";
import { GeminiProjectError } from "../../models/oauth/gemini-project.ts";
import { CodexAccountIdError } from "../../models/oauth/grants.ts";
import { loginWithOAuth, OAuthLoginError } from "../../models/oauth/login.ts";
import {
  isOAuthProvider,
  OAUTH_PROVIDER_IDS,
  OAUTH_PROVIDERS,
  type OAuthProviderId,
} from "../../models/oauth/providers.ts";
import { OAuthTokenError, OAuthUnreachableError } from "../../models/oauth/token-client.ts";
import { type CliContext, loadCliContext } from "../context.ts";
import { loadAgentAuth, printSaved, readSecretLine, requireConfig, saveCredential } from "./models-auth.ts";

// `models auth login` (OAuth sign-in) and `models auth setup-token` (Anthropic), reference-agent §6.7.

export interface LoginOpts {
  provider?: string;
  agent?: string;
  json?: boolean;
  setDefault?: boolean;
  browser?: boolean;
}

/** The 2.26 plugin that provides the Gemini CLI sign-in; bundled plugins start disabled (AUTH-11). */
const GEMINI_PLUGIN = "google-gemini-cli-auth";

function requireLoginProvider(ctx: CliContext, value: string | undefined): OAuthProviderId {
  const provider = normalizeProviderId(value ?? "");
  const aliased = provider === "gemini-cli" ? "google-gemini-cli" : provider;
  if (!isOAuthProvider(aliased)) {
    throw new UserFacingError(
      `Unknown provider "${value ?? ""}". Providers with a sign-in flow: ${OAUTH_PROVIDER_IDS.join(", ")}. ` +
        "For Anthropic (Claude Pro/Max) use `openclaw models auth setup-token --provider anthropic`; " +
        "for API keys `openclaw models auth add --provider <id> --api-key-stdin`.",
    );
  }
  if (aliased === "google-gemini-cli") {
    const plugins = requireConfig(ctx).plugins;
    const enabled =
      plugins?.enabled !== false &&
      !plugins?.deny?.includes(GEMINI_PLUGIN) &&
      plugins?.entries?.[GEMINI_PLUGIN]?.enabled === true;
    if (!enabled) {
      throw new UserFacingError(
        "No provider plugins found. Install one via `openclaw plugins install`.\n" +
          `Gemini CLI OAuth is a plugin flow: enable it first with \`openclaw plugins enable ${GEMINI_PLUGIN}\` ` +
          `(or \`openclaw config set plugins.entries.${GEMINI_PLUGIN}.enabled true\`), then run ` +
          "`openclaw models auth login --provider google-gemini-cli --set-default`.",
      );
    }
  }
  return aliased;
}

/** Opens the system browser without waiting for it; a machine without one just shows the URL. */
function openBrowser(url: string): void {
  const [cmd, args] =
    process.platform === "darwin"
      ? ["open", [url]]
      : process.platform === "win32"
        ? ["cmd", ["/c", "start", "", url]]
        : ["xdg-open", [url]];
  const child = spawn(cmd, args, { stdio: "ignore", detached: true });
  child.on("error", () => undefined); // no opener installed: the printed URL is the way in
  child.unref();
}

const KNOWN_FAILURES = [
  OAuthTokenError,
  OAuthUnreachableError,
  OAuthCallbackError,
  OAuthLoginError,
  CodexAccountIdError,
  GeminiClientNotFoundError,
  GeminiProjectError,
];

/** `agents.defaults.model.primary` = the provider's default model, kept usable under an allowlist. */
async function setDefaultModel(ctx: CliContext, ref: string): Promise<string[]> {
  const notes: string[] = [];
  await writeConfig({
    path: ctx.paths.configPath,
    env: ctx.env,
    update: (cur) => {
      const parts = ["agents", "defaults", "model"];
      const model = getAtPath(cur, parts);
      const obj =
        typeof model === "string" ? { primary: model } : model && typeof model === "object" ? model : {};
      let next = setAtPath(cur, parts, { ...obj, primary: ref });
      const allow = getAtPath(next, ["agents", "defaults", "models"]);
      if (allow && typeof allow === "object" && Object.keys(allow).length > 0 && !(ref in allow)) {
        next = setAtPath(next, ["agents", "defaults", "models", ref], {});
        notes.push(`Added ${ref} to agents.defaults.models (the /model allowlist)`);
      }
      return next;
    },
  });
  notes.unshift(`Set agents.defaults.model.primary to ${ref} in ${ctx.paths.configPath}`);
  const parsed = parseModelRef(ref);
  try {
    if (parsed) await resolveModel(parsed, requireConfig(ctx));
  } catch (err) {
    if (!(err instanceof UnknownModelError)) throw err;
    // The built-in catalog comes with the model library and may not list the provider's newest ids.
    notes.push(
      `Note: ${ref} is not in this version's model catalog; define it under models.providers.${parsed?.provider}.models ` +
        `or pick a listed one: openclaw models list --all --provider ${parsed?.provider}`,
    );
  }
  return notes;
}

export async function login(opts: LoginOpts): Promise<void> {
  const ctx = await loadCliContext();
  const provider = requireLoginProvider(ctx, opts.provider);
  const auth = await loadAgentAuth(ctx, opts.agent);
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY);
  const say = (line: string) => (opts.json ? process.stderr : process.stdout).write(`${line}\n`);
  const pasted = createInterface({ input: process.stdin, terminal: false });
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once("SIGINT", onSigint);
  let result: Awaited<ReturnType<typeof loginWithOAuth>>;
  try {
    result = await loginWithOAuth(provider, {
      env: ctx.env,
      signal: abort.signal,
      now: Date.now,
      io: {
        say,
        ...(interactive && opts.browser !== false ? { openUrl: openBrowser } : {}),
        pasted,
      },
    });
  } catch (err) {
    if (KNOWN_FAILURES.some((E) => err instanceof E)) {
      throw new UserFacingError(
        `${OAUTH_PROVIDERS[provider].label} sign-in failed: ${(err as Error).message}`,
        {
          cause: err,
        },
      );
    }
    throw err;
  } finally {
    process.off("SIGINT", onSigint);
    pasted.close();
  }
  const { profileId, credential } = result;
  const notes = await saveCredential(ctx, auth, profileId, { ...credential });
  if (opts.setDefault) notes.push(...(await setDefaultModel(ctx, OAUTH_PROVIDERS[provider].defaultModel)));
  printSaved(
    opts.json,
    {
      profileId,
      provider,
      type: "oauth",
      agentId: auth.agent.id,
      authStorePath: auth.storePath,
      expiresAt: new Date(credential.expires).toISOString(),
      ...(credential.email ? { email: credential.email } : {}),
      ...(credential.accountId ? { accountId: credential.accountId } : {}),
      ...(credential.projectId ? { projectId: credential.projectId } : {}),
      ...(opts.setDefault ? { defaultModel: OAUTH_PROVIDERS[provider].defaultModel } : {}),
    },
    notes,
  );
}

/** Setup-tokens from `claude setup-token` (2.26 `validateAnthropicSetupToken`). */
const SETUP_TOKEN_PREFIX = "sk-ant-oat01-";
const SETUP_TOKEN_MIN_LENGTH = 80;

/** Why `token` is not an Anthropic setup-token, or undefined when it looks like one. Pure. */
export function setupTokenProblem(token: string): string | undefined {
  const t = token.trim();
  if (!t) return "Required";
  if (!t.startsWith(SETUP_TOKEN_PREFIX)) return `Expected token starting with ${SETUP_TOKEN_PREFIX}`;
  if (t.length < SETUP_TOKEN_MIN_LENGTH) return "Token looks too short; paste the full setup-token";
  return undefined;
}

export interface SetupTokenOpts {
  provider?: string;
  agent?: string;
  json?: boolean;
  profileId?: string;
  yes?: boolean;
}

/**
 * Stores the token `claude setup-token` printed as a `token` profile (no refresh: reference-agent
 * §6.7, AUTH-7/AUTH-8). Reads it from stdin: piped, or pasted at the prompt on a terminal.
 */
export async function setupToken(opts: SetupTokenOpts): Promise<void> {
  const provider = normalizeProviderId(opts.provider ?? "anthropic");
  if (provider !== "anthropic") {
    throw new UserFacingError(
      `setup-token only supports --provider anthropic; for "${provider}" use ` +
        `\`openclaw models auth paste-token --provider ${provider}\`.`,
    );
  }
  const ctx = await loadCliContext();
  const auth = await loadAgentAuth(ctx, opts.agent);
  const profileId = opts.profileId?.trim() || "anthropic:default";
  const existing = auth.store.profiles[profileId];
  if (existing && existing.type !== "token") {
    throw new UserFacingError(
      `${profileId} already holds an ${existing.type} credential; store the setup-token under another id ` +
        "with --profile-id (e.g. --profile-id anthropic:subscription).",
    );
  }
  if (process.stdin.isTTY) {
    process.stderr.write(
      "Run `claude setup-token` (on this machine or any other) and copy the token it prints.\n",
    );
  }
  const token = await readSecretLine("setup-token");
  const problem = setupTokenProblem(token);
  if (problem) {
    throw new UserFacingError(
      `Invalid Anthropic setup-token: ${problem}. Generate one with \`claude setup-token\` (Claude Code CLI); ` +
        "it is not in the Anthropic console.",
    );
  }
  const notes = await saveCredential(ctx, auth, profileId, { type: "token", provider, token });
  printSaved(
    opts.json,
    { profileId, provider, type: "token", agentId: auth.agent.id, authStorePath: auth.storePath },
    notes,
  );
}

import { createInterface } from "node:readline";
import type { Command } from "commander";
import { defaultAgentId, listAgentIds, type ResolvedAgent, resolveAgent } from "../../agents/agent-config.ts";
import { ConfigError } from "../../config/issues.ts";
import { getAtPath, setAtPath } from "../../config/path-expr.ts";
import type { OpenClawConfig } from "../../config/schema.ts";
import { writeConfig } from "../../config/write.ts";
import { UserFacingError } from "../../infra/errors.ts";
import {
  type AuthCredential,
  type AuthProfileStore,
  authProfilesPath,
  EMPTY_AUTH_STORE,
  mergeAuthStores,
  readAuthProfiles,
  updateAuthProfiles,
} from "../../models/auth-profiles.ts";
import { normalizeProviderId } from "../../models/model-ref.ts";
import { endpointOverrideHelp } from "../../models/oauth/providers.ts";
import { normalizeAgentId } from "../../sessions/session-key.ts";
import { type CliContext, loadCliContext, printJson } from "../context.ts";
import type { LoginOpts, SetupTokenOpts } from "./models-auth-login.ts";

/** The validated config; commands here decide from it, so a broken file is reported, not guessed around. */
export function requireConfig(ctx: CliContext): OpenClawConfig {
  if (ctx.snapshot.valid) return ctx.snapshot.config;
  throw new ConfigError(`${ctx.paths.configPath} has problems; fix them first`, ctx.snapshot.errors);
}

/** `--agent <id>` (must exist when agents are listed), else the default agent (AUTH-17). */
export function selectAgent(ctx: CliContext, agentOpt: string | undefined): ResolvedAgent {
  const config = requireConfig(ctx);
  const id = agentOpt === undefined ? defaultAgentId(config) : normalizeAgentId(agentOpt);
  const known = listAgentIds(config);
  if (!known.includes(id)) {
    throw new UserFacingError(`Unknown agent "${agentOpt}". Agents: ${known.join(", ")}`);
  }
  return resolveAgent(config, id, ctx.paths.stateDir, ctx.env);
}

export interface AgentAuth {
  agent: ResolvedAgent;
  storePath: string;
  /** The agent's own store merged with the main agent's, as runs see it (reference-agent §6.5). */
  store: AuthProfileStore;
}

export async function loadAgentAuth(ctx: CliContext, agentOpt: string | undefined): Promise<AgentAuth> {
  const agent = selectAgent(ctx, agentOpt);
  const own = await readAuthProfiles(agent.agentDir);
  // Same rule as a run (agents/turn-failover.ts): a non-default agent falls back to main's profiles.
  const mainDir = agent.isDefault
    ? undefined
    : resolveAgent(requireConfig(ctx), "main", ctx.paths.stateDir, ctx.env).agentDir;
  const main = mainDir && mainDir !== agent.agentDir ? await readAuthProfiles(mainDir) : EMPTY_AUTH_STORE;
  return { agent, storePath: authProfilesPath(agent.agentDir), store: mergeAuthStores(own, main) };
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m|h|d|w)$/;
const UNIT_MS: Readonly<Record<string, number>> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

export function parseDurationMs(text: string): number {
  const m = DURATION.exec(text.trim());
  const ms = m ? Number(m[1]) * UNIT_MS[m[2]!]! : Number.NaN;
  if (!(ms > 0))
    throw new UserFacingError(`--expires-in must be a duration like 30d, 12h or 90m (got "${text}")`);
  return ms;
}

/** The first non-empty line of stdin (a pipe, or typed at a terminal); never printed. */
export async function readSecretLine(what: string): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write(`Paste the ${what}, then press Enter: `);
  const rl = createInterface({ input: process.stdin, terminal: false });
  try {
    for await (const line of rl) {
      if (line.trim()) return line.trim();
    }
  } finally {
    rl.close();
  }
  throw new UserFacingError(`No ${what} on stdin. Pipe it in, e.g. \`pbpaste | openclaw models auth …\`.`);
}

function requireProvider(value: string | undefined): string {
  const provider = value ? normalizeProviderId(value) : "";
  if (!provider) throw new UserFacingError("--provider <id> is required (e.g. --provider anthropic)");
  return provider;
}

/**
 * Stores a credential under the agent's auth store. When the config lists profiles for this
 * provider (`auth.profiles`, `auth.order`), rotation only considers those, so the new profile is
 * added there too; otherwise the config is left alone, since adding metadata would shut out the
 * provider's other stored profiles (credentials.ts `profileCandidates`).
 */
export async function saveCredential(
  ctx: CliContext,
  auth: AgentAuth,
  profileId: string,
  credential: AuthCredential,
): Promise<string[]> {
  const { provider } = credential;
  await updateAuthProfiles(auth.agent.agentDir, (raw) => {
    raw.profiles[profileId] = credential;
  });
  const notes: string[] = [];
  const config = requireConfig(ctx);
  const listed = Object.values(config.auth?.profiles ?? {}).some((m) => m.provider === provider);
  const meta = config.auth?.profiles?.[profileId];
  // A config entry with another provider or mode would make the new credential ineligible.
  const metaFits =
    meta?.provider === provider &&
    (meta.mode === credential.type || (meta.mode === "oauth" && credential.type === "token"));
  const configOrder = config.auth?.order?.[provider];
  const needsMeta = (listed || meta !== undefined) && !metaFits;
  const needsOrder = configOrder !== undefined && !configOrder.includes(profileId);
  if (needsMeta || needsOrder) {
    await writeConfig({
      path: ctx.paths.configPath,
      env: ctx.env,
      update: (cur) => {
        let next = cur;
        if (needsMeta) {
          const existing = getAtPath(next, ["auth", "profiles", profileId]);
          next = setAtPath(next, ["auth", "profiles", profileId], {
            ...(existing && typeof existing === "object" ? existing : {}),
            provider,
            mode: credential.type,
          });
          notes.push(
            `Set auth.profiles["${profileId}"] (${provider}, ${credential.type}) in ${ctx.paths.configPath}`,
          );
        }
        const order = getAtPath(next, ["auth", "order", provider]);
        if (needsOrder && Array.isArray(order)) {
          next = setAtPath(next, ["auth", "order", provider], [...order, profileId]);
          notes.push(`Appended ${profileId} to auth.order.${provider} in ${ctx.paths.configPath}`);
        }
        return next;
      },
    });
  }
  const stats = auth.store.usageStats?.[profileId];
  const until = Math.max(stats?.cooldownUntil ?? 0, stats?.disabledUntil ?? 0);
  if (until > Date.now()) {
    notes.push(
      `Note: ${profileId} is in cooldown until ${new Date(until).toISOString()} (recorded for its previous credential); ` +
        "rotation skips it until then.",
    );
  }
  const override = (await readAuthProfiles(auth.agent.agentDir)).order?.[provider];
  if (override && !override.includes(profileId)) {
    notes.push(
      `Note: this agent's auth order for ${provider} (${override.join(", ")}) does not include ${profileId}; ` +
        `add it with \`openclaw models auth order set --provider ${provider} ${[...override, profileId].join(" ")}\``,
    );
  }
  return notes;
}

interface AuthOpts {
  provider?: string;
  agent?: string;
  json?: boolean;
  profileId?: string;
}

export function printSaved(
  json: boolean | undefined,
  result: Record<string, unknown> & { profileId: string },
  notes: string[],
): void {
  if (json) {
    printJson({ ...result, notes });
    return;
  }
  process.stdout.write(`Saved auth profile ${result.profileId} to ${String(result.authStorePath)}\n`);
  for (const n of notes) process.stdout.write(`${n}\n`);
}

async function pasteToken(opts: AuthOpts & { expiresIn?: string }): Promise<void> {
  const ctx = await loadCliContext();
  const provider = requireProvider(opts.provider);
  const expiresMs = opts.expiresIn !== undefined ? parseDurationMs(opts.expiresIn) : undefined;
  const auth = await loadAgentAuth(ctx, opts.agent);
  const profileId = opts.profileId?.trim() || `${provider}:manual`;
  const token = await readSecretLine("token");
  const expires = expiresMs !== undefined ? Date.now() + expiresMs : undefined;
  const notes = await saveCredential(ctx, auth, profileId, {
    type: "token",
    provider,
    token,
    ...(expires !== undefined ? { expires } : {}),
  });
  printSaved(
    opts.json,
    {
      profileId,
      provider,
      type: "token",
      agentId: auth.agent.id,
      authStorePath: auth.storePath,
      ...(expires !== undefined ? { expiresAt: new Date(expires).toISOString() } : {}),
    },
    notes,
  );
}

async function addApiKey(opts: AuthOpts & { apiKeyStdin?: boolean }): Promise<void> {
  const provider = requireProvider(opts.provider);
  if (!opts.apiKeyStdin) {
    throw new UserFacingError(
      "Interactive `models auth add` is not available yet in this version. Pipe the key in instead: " +
        `\`openclaw models auth add --provider ${provider} --api-key-stdin < key.txt\`, ` +
        `or for a token \`openclaw models auth paste-token --provider ${provider}\`.`,
    );
  }
  const ctx = await loadCliContext();
  const auth = await loadAgentAuth(ctx, opts.agent);
  const profileId = opts.profileId?.trim() || `${provider}:default`;
  const key = await readSecretLine("API key");
  const notes = await saveCredential(ctx, auth, profileId, { type: "api_key", provider, key });
  printSaved(
    opts.json,
    { profileId, provider, type: "api_key", agentId: auth.agent.id, authStorePath: auth.storePath },
    notes,
  );
}

async function orderGet(opts: AuthOpts): Promise<void> {
  const ctx = await loadCliContext();
  const provider = requireProvider(opts.provider);
  const auth = await loadAgentAuth(ctx, opts.agent);
  const order = (await readAuthProfiles(auth.agent.agentDir)).order?.[provider] ?? null;
  if (opts.json) return printJson({ agentId: auth.agent.id, provider, authStorePath: auth.storePath, order });
  if (order) {
    process.stdout.write(`${order.join("\n")}\n`);
    return;
  }
  const configOrder = requireConfig(ctx).auth?.order?.[provider];
  process.stdout.write(
    `No auth order override for ${provider} (agent ${auth.agent.id}, ${auth.storePath}); rotation uses ` +
      `${configOrder ? `auth.order.${provider} (${configOrder.join(", ")})` : "the default order"}.\n`,
  );
}

async function orderSet(ids: string[], opts: AuthOpts): Promise<void> {
  const ctx = await loadCliContext();
  const provider = requireProvider(opts.provider);
  const auth = await loadAgentAuth(ctx, opts.agent);
  const known = Object.keys(auth.store.profiles).filter(
    (id) => auth.store.profiles[id]?.provider === provider,
  );
  const order = [...new Set(ids.map((id) => id.trim()).filter(Boolean))];
  if (order.length === 0) throw new UserFacingError("Give at least one profile id (or use `order clear`).");
  for (const id of order) {
    const cred = auth.store.profiles[id];
    if (cred && cred.provider !== provider) {
      throw new UserFacingError(
        `Auth profile "${id}" is for provider "${cred.provider}", not "${provider}".`,
      );
    }
    if (!cred) {
      throw new UserFacingError(
        `Unknown auth profile "${id}" for provider "${provider}" in ${auth.storePath}. ` +
          `Known: ${known.length > 0 ? known.join(", ") : "none (add one with `openclaw models auth paste-token` or `add`)"}`,
      );
    }
  }
  await updateAuthProfiles(auth.agent.agentDir, (raw) => {
    raw.order = { ...raw.order, [provider]: order };
  });
  if (opts.json) return printJson({ agentId: auth.agent.id, provider, authStorePath: auth.storePath, order });
  process.stdout.write(`Auth order for ${provider} (agent ${auth.agent.id}): ${order.join(", ")}\n`);
}

async function orderClear(opts: AuthOpts): Promise<void> {
  const ctx = await loadCliContext();
  const provider = requireProvider(opts.provider);
  const auth = await loadAgentAuth(ctx, opts.agent);
  const had = (await readAuthProfiles(auth.agent.agentDir)).order?.[provider] !== undefined;
  if (had) {
    await updateAuthProfiles(auth.agent.agentDir, (raw) => {
      const { [provider]: _removed, ...rest } = raw.order ?? {};
      if (Object.keys(rest).length > 0) raw.order = rest;
      else delete raw.order;
    });
  }
  if (opts.json) {
    return printJson({ agentId: auth.agent.id, provider, authStorePath: auth.storePath, cleared: had });
  }
  process.stdout.write(
    had
      ? `Cleared the auth order override for ${provider} (agent ${auth.agent.id}); rotation falls back to auth.order or the default order.\n`
      : `No auth order override for ${provider} (agent ${auth.agent.id}); nothing to clear.\n`,
  );
}

export function registerModelsAuthCommands(models: Command): void {
  const auth = models.command("auth").description("manage the agent's auth profiles (auth-profiles.json)");
  auth
    .command("paste-token")
    .description("store a token read from stdin (e.g. from `claude setup-token`) as a token profile")
    .requiredOption("--provider <id>", "provider id (e.g. anthropic)")
    .option("--profile-id <id>", "profile id (default <provider>:manual)")
    .option("--expires-in <duration>", "token lifetime, e.g. 30d, 12h")
    .option("--agent <id>", "agent whose store to write (default: the default agent)")
    .option("--json", "print JSON")
    .action(pasteToken);
  auth
    .command("add")
    .description("store an API key profile (non-interactive: --api-key-stdin)")
    .requiredOption("--provider <id>", "provider id (e.g. openai)")
    .option("--api-key-stdin", "read the API key from stdin")
    .option("--profile-id <id>", "profile id (default <provider>:default)")
    .option("--agent <id>", "agent whose store to write (default: the default agent)")
    .option("--json", "print JSON")
    .action(addApiKey);
  auth
    .command("login")
    .description(
      "sign in with a provider's OAuth (openai-codex, google-gemini-cli) and store an oauth profile",
    )
    .requiredOption("--provider <id>", "openai-codex or google-gemini-cli")
    .option("--set-default", "also make the provider's default model agents.defaults.model.primary")
    .option("--no-browser", "only print the sign-in URL (a browser opens only on an interactive terminal)")
    .option("--agent <id>", "agent whose store to write (default: the default agent)")
    .option("--json", "print JSON")
    .addHelpText(
      "after",
      "\nThe browser is sent back to a loopback URL on this machine. If it runs elsewhere, paste the URL it " +
        "ends up on into this terminal.\nEndpoints can be overridden (proxies, tests): " +
        `${endpointOverrideHelp()}.\nGemini CLI's client id comes from GEMINI_CLI_OAUTH_CLIENT_ID (and _SECRET) or the installed gemini CLI.`,
    )
    .action(async (opts: LoginOpts) => (await import("./models-auth-login.ts")).login(opts));
  auth
    .command("setup-token")
    .description(
      "store an Anthropic setup-token (from `claude setup-token`) as anthropic:default; read from stdin",
    )
    .option("--provider <id>", "provider id (only anthropic)", "anthropic")
    .option("--profile-id <id>", "profile id (default anthropic:default)")
    .option("--yes", "do not ask for confirmation")
    .option("--agent <id>", "agent whose store to write (default: the default agent)")
    .option("--json", "print JSON")
    .action(async (opts: SetupTokenOpts) => (await import("./models-auth-login.ts")).setupToken(opts));
  const order = auth.command("order").description("per-agent auth profile order override (AUTH-17)");
  const withCommon = (c: Command): Command =>
    c
      .requiredOption("--provider <id>", "provider id")
      .option("--agent <id>", "agent (default: the default agent)")
      .option("--json", "print JSON");
  withCommon(order.command("get").description("print the order override")).action(orderGet);
  withCommon(order.command("set <ids...>").description("try these profiles, in this order")).action(orderSet);
  withCommon(order.command("clear").description("remove the override")).action(orderClear);
}

import type { Command } from "commander";
import { applyConfigEnvBlock } from "../../config/env-files.ts";
import type { OpenClawConfig } from "../../config/schema.ts";
import { UserFacingError } from "../../infra/errors.ts";
import type { AuthProfileStore } from "../../models/auth-profiles.ts";
import {
  loadBuiltinCatalog,
  type ResolvedModel,
  resolveModel,
  UnknownModelError,
} from "../../models/catalog.ts";
import { MissingCredentialError, resolveCredential } from "../../models/credentials.ts";
import { envKeyFor, PROVIDER_ENV_KEYS } from "../../models/env-keys.ts";
import { normalizeProviderId, parseModelRef } from "../../models/model-ref.ts";
import {
  buildStatusReport,
  type ModelsStatusReport,
  modelChoiceOf,
  type ProviderAuthStatus,
  resolvedRefText,
} from "../../models/status-report.ts";
import { normalizeAgentId } from "../../sessions/session-key.ts";
import { type CliContext, loadCliContext, printJson } from "../context.ts";
import { type AgentAuth, loadAgentAuth, registerModelsAuthCommands, requireConfig } from "./models-auth.ts";
import { registerModelEditCommands } from "./models-edit.ts";

interface ReportOpts {
  json?: boolean;
  plain?: boolean;
  agent?: string;
}

/** The environment a run would see: the process's plus the config's `env` block, as the gateway applies it. */
function runEnv(ctx: CliContext): NodeJS.ProcessEnv {
  const env = { ...ctx.env };
  applyConfigEnvBlock(ctx.snapshot.source["env"], env);
  return env;
}

async function statusReport(ctx: CliContext, auth: AgentAuth): Promise<ModelsStatusReport> {
  const config = requireConfig(ctx);
  const entry = config.agents?.list?.find((a) => normalizeAgentId(a.id) === auth.agent.id);
  const image = modelChoiceOf(entry?.imageModel ?? config.agents?.defaults?.imageModel);
  return buildStatusReport({
    config,
    configPath: ctx.paths.configPath,
    agentId: auth.agent.id,
    agentDir: auth.agent.agentDir,
    authStorePath: auth.storePath,
    model: { primary: auth.agent.modelRef, fallbacks: auth.agent.fallbacks },
    imageModel: image,
    store: auth.store,
    env: runEnv(ctx),
    now: Date.now(),
  });
}

function listText(items: string[], empty = "-"): string {
  return items.length > 0 ? items.join(", ") : empty;
}

function printStatusText(r: ModelsStatusReport): void {
  const line = (label: string, value: string): void => {
    process.stdout.write(`${label.padEnd(22)}: ${value}\n`);
  };
  line("Config", r.configPath);
  line("Agent", `${r.agentId} (${r.agentDir})`);
  line(
    "Default",
    r.defaultModel === r.resolvedDefault
      ? r.resolvedDefault
      : `${r.resolvedDefault} (from ${r.defaultModel})`,
  );
  line(`Fallbacks (${r.fallbacks.length})`, listText(r.fallbacks));
  line("Image model", r.imageModel ?? "-");
  line(`Image fallbacks (${r.imageFallbacks.length})`, listText(r.imageFallbacks));
  const aliases = Object.entries(r.aliases).map(([a, ref]) => `${a} -> ${ref}`);
  line(`Aliases (${aliases.length})`, listText(aliases));
  line(`Configured models (${r.allowed.length})`, listText(r.allowed, "all (no allowlist)"));
  process.stdout.write("\nAuth overview\n");
  line("Auth store", r.auth.storePath);
  // OBS-12: "off" only means the login shell is not imported; env vars and ~/.openclaw/.env still count.
  line(
    "Shell env",
    r.auth.shellEnvFallback.enabled ? "on (login-shell import is not implemented yet)" : "off",
  );
  for (const p of r.auth.providers) {
    const bits = [
      p.effective
        ? `effective=${p.effective.source} ${p.effective.hint}`
        : `effective=none (${p.error ?? "no credential"})`,
      ...(p.effective?.expiresAt ? [`expires=${p.effective.expiresAt}`] : []),
      ...(p.order.length > 0 ? [`order=${p.order.join(",")}`] : []),
      ...p.profiles.map((pr) => `${pr.id}=${pr.state}${pr.expiresAt ? ` (expires ${pr.expiresAt})` : ""}`),
      ...(p.env ? [`env=${p.env.source}`] : []),
      ...(p.config ? ["config apiKey"] : []),
    ];
    process.stdout.write(`- ${p.provider}${p.inUse ? " (in use)" : ""}: ${bits.join(" | ")}\n`);
  }
  if (r.auth.unusableProfiles.length > 0) {
    process.stdout.write("\nUnusable profiles\n");
    for (const u of r.auth.unusableProfiles) {
      process.stdout.write(
        `- ${u.profileId}${u.provider ? ` (${u.provider})` : ""}: ${u.kind} (${u.reason}) until ${u.until}, errors ${u.errorCount}\n`,
      );
    }
  }
  if (r.auth.missingProvidersInUse.length > 0) {
    process.stdout.write("\nMissing auth\n");
    for (const provider of r.auth.missingProvidersInUse) {
      const p = r.auth.providers.find((x) => x.provider === provider);
      process.stdout.write(
        `- ${provider}: ${p?.error ?? "no credential"} Fix: ${missingAuthFix(provider, p)}.\n`,
      );
    }
  }
}

/** What to do about a provider in use without a usable credential, by why it has none. */
function missingAuthFix(provider: string, p: ProviderAuthStatus | undefined): string {
  if (p && p.order.length > 0) {
    return (
      "wait until the cooldown ends (see Unusable profiles) or add another profile, e.g. " +
      `\`openclaw models auth paste-token --provider ${provider} --profile-id ${provider}:backup\``
    );
  }
  if (p?.profiles.some((pr) => pr.state === "expired")) {
    return `store a fresh token with \`openclaw models auth paste-token --provider ${provider}\``;
  }
  const envVars = PROVIDER_ENV_KEYS[provider]?.join(" or ");
  return envVars
    ? `set ${envVars} (environment or ~/.openclaw/.env), or run \`openclaw models auth paste-token --provider ${provider}\``
    : `run \`openclaw models auth add --provider ${provider} --api-key-stdin\` or set models.providers.${provider}.apiKey`;
}

interface ProbeFlags {
  probe?: boolean;
  probeProvider?: string;
  probeProfile?: string;
  probeTimeout: string;
  probeConcurrency: string;
  probeMaxTokens: string;
}

function positiveInt(flag: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new UserFacingError(`${flag} must be a positive whole number (got ${value})`);
  return n;
}

/** `--probe`: one tiny real request per credential in use, so a key that stopped working shows now. */
async function probeCredentials(
  ctx: CliContext,
  auth: AgentAuth,
  report: ModelsStatusReport,
  opts: ProbeFlags,
) {
  const { planProbes, runProbes } = await import("../../models/probe.ts");
  const input = {
    config: requireConfig(ctx),
    store: auth.store,
    storePath: auth.storePath,
    agentDir: auth.agent.agentDir,
    env: runEnv(ctx),
    now: Date.now(),
  };
  const refs = [report.defaultModel, ...report.fallbacks, ...(report.imageModel ? [report.imageModel] : [])];
  const targets = planProbes({
    ...input,
    refs,
    ...(opts.probeProvider ? { provider: normalizeProviderId(opts.probeProvider) } : {}),
    ...(opts.probeProfile ? { profileId: opts.probeProfile } : {}),
  });
  return runProbes(targets, input, {
    timeoutMs: positiveInt("--probe-timeout", opts.probeTimeout),
    concurrency: positiveInt("--probe-concurrency", opts.probeConcurrency),
    maxTokens: positiveInt("--probe-max-tokens", opts.probeMaxTokens),
  });
}

async function runStatus(opts: ReportOpts & ProbeFlags & { check?: boolean }): Promise<void> {
  const ctx = await loadCliContext();
  const auth = await loadAgentAuth(ctx, opts.agent);
  const report = await statusReport(ctx, auth);
  const probes = opts.probe ? await probeCredentials(ctx, auth, report, opts) : undefined;
  if (opts.json) printJson(probes ? { ...report, probes } : report);
  else if (opts.plain) process.stdout.write(`${report.resolvedDefault}\n`);
  else {
    printStatusText(report);
    if (probes) {
      process.stdout.write(`\nProbes (${probes.length})\n`);
      if (probes.length === 0)
        process.stdout.write("- nothing to probe: no credential for the models in use\n");
      for (const p of probes) {
        const outcome = p.ok ? "ok" : `failed: ${p.reason} (${p.error})`;
        process.stdout.write(
          `- ${p.profileId ?? p.source} -> ${p.modelRef}: ${outcome}, ${p.latencyMs} ms\n`,
        );
      }
    }
  }
  // With probes, --check also fails when no credential of the default model's provider answered.
  const defaultProvider = parseModelRef(report.resolvedDefault)?.provider;
  const defaultProbes = probes?.filter((p) => p.provider === defaultProvider) ?? [];
  const probeFailed = defaultProbes.length > 0 && defaultProbes.every((p) => !p.ok);
  if (opts.check && (!report.defaultModelUsable || probeFailed)) process.exitCode = 1;
}

export interface ModelRow {
  ref: string;
  name: string | null;
  provider: string;
  contextWindow: number | null;
  input: string[];
  aliases: string[];
  tags: string[];
  /** The model is in a catalog (built-in or `models.providers`). */
  known: boolean;
  /** The provider has a usable credential now. */
  auth: boolean;
}

/** Providers with a credential from an env var, a stored profile or a config apiKey. */
function credentialedProviders(
  config: OpenClawConfig,
  store: AuthProfileStore,
  env: NodeJS.ProcessEnv,
): string[] {
  const out = new Set<string>();
  for (const p of Object.keys(PROVIDER_ENV_KEYS)) if (envKeyFor(p, env)) out.add(p);
  for (const cred of Object.values(store.profiles)) out.add(cred.provider);
  for (const [p, def] of Object.entries(config.models?.providers ?? {})) if (def.apiKey) out.add(p);
  return [...out].sort();
}

async function listRows(
  ctx: CliContext,
  auth: AgentAuth,
  opts: { all?: boolean; provider?: string },
): Promise<ModelRow[]> {
  const config = requireConfig(ctx);
  const env = runEnv(ctx);
  const tags = new Map<string, Set<string>>();
  const builtin = new Map<string, ResolvedModel>();
  const tag = (text: string | undefined, t?: string): void => {
    if (!text) return;
    const ref = resolvedRefText(text, config);
    if (!tags.has(ref)) tags.set(ref, new Set());
    if (t) tags.get(ref)!.add(t);
  };
  const report = await statusReport(ctx, auth);
  tag(report.defaultModel, "default");
  for (const f of report.fallbacks) tag(f, "fallback");
  tag(report.imageModel ?? undefined, "image");
  for (const f of report.imageFallbacks) tag(f, "image-fallback");
  for (const ref of report.allowed) tag(ref, "configured");
  for (const [p, def] of Object.entries(config.models?.providers ?? {})) {
    for (const m of def.models ?? []) tag(`${p}/${m.id}`, "configured");
  }
  if (opts.all && config.models?.mode !== "replace") {
    for (const p of credentialedProviders(config, auth.store, env)) {
      for (const [id, model] of Object.entries((await loadBuiltinCatalog(p)) ?? {})) {
        tag(`${p}/${id}`);
        builtin.set(`${p}/${id}`, model);
      }
    }
  }
  const byRef = new Map<string, string[]>();
  for (const [alias, ref] of Object.entries(report.aliases)) {
    const key = resolvedRefText(ref, config);
    byRef.set(key, [...(byRef.get(key) ?? []), alias]);
  }
  const authOk = new Map<string, boolean>();
  const hasAuth = (provider: string): boolean => {
    if (!authOk.has(provider)) authOk.set(provider, providerHasCredential(provider, config, auth, env));
    return authOk.get(provider)!;
  };
  const only = opts.provider ? normalizeProviderId(opts.provider) : undefined;
  const rows: ModelRow[] = [];
  for (const [ref, t] of tags) {
    const parsed = parseModelRef(ref);
    if (!parsed || (only && parsed.provider !== only)) continue;
    let model = builtin.get(ref);
    if (!model) {
      try {
        model = await resolveModel(parsed, config);
      } catch (err) {
        if (!(err instanceof UnknownModelError)) throw err;
      }
    }
    rows.push({
      ref,
      name: model?.name ?? null,
      provider: parsed.provider,
      contextWindow: model?.contextWindow ?? null,
      input: model?.input ?? [],
      aliases: byRef.get(ref) ?? [],
      tags: [...t],
      known: model !== undefined,
      auth: hasAuth(parsed.provider),
    });
  }
  return rows;
}

/** Whether a request to this provider would find a credential now (the run's own rule). */
function providerHasCredential(
  provider: string,
  config: OpenClawConfig,
  auth: AgentAuth,
  env: NodeJS.ProcessEnv,
): boolean {
  try {
    resolveCredential({
      provider,
      config,
      store: auth.store,
      storePath: auth.storePath,
      agentDir: auth.agent.agentDir,
      env,
      now: Date.now(),
    });
    return true;
  } catch (err) {
    if (err instanceof MissingCredentialError) return false;
    throw err;
  }
}

function formatContext(tokens: number | null): string {
  if (tokens === null) return "-";
  return tokens >= 1000 ? `${Math.round(tokens / 1000)}k` : String(tokens);
}

async function runList(opts: ReportOpts & { all?: boolean; provider?: string }): Promise<void> {
  const ctx = await loadCliContext();
  const rows = await listRows(ctx, await loadAgentAuth(ctx, opts.agent), opts);
  if (opts.json) return printJson({ count: rows.length, models: rows });
  if (opts.plain) {
    for (const r of rows) process.stdout.write(`${r.ref}\n`);
    return;
  }
  if (rows.length === 0) {
    process.stdout.write(
      opts.all
        ? "No models found. Add a provider key (env var or `openclaw models auth`) or configure models.providers.\n"
        : "No models configured. Run `openclaw models list --all` to see the catalogs of providers you have keys for.\n",
    );
    return;
  }
  const table = rows.map((r) => [
    r.ref,
    r.input.join("+") || "-",
    formatContext(r.contextWindow),
    r.auth ? "yes" : "no",
    [...r.tags, ...r.aliases.map((a) => `alias:${a}`), ...(r.known ? [] : ["unknown"])].join(",") || "-",
  ]);
  const head = ["Model", "Input", "Ctx", "Auth", "Tags"];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((row) => row[i]!.length)));
  for (const row of [head, ...table]) {
    process.stdout.write(
      `${row
        .map((c, i) => c.padEnd(widths[i]!))
        .join("  ")
        .trimEnd()}\n`,
    );
  }
}

/** `openclaw models …` (reference-gateway §6): local reads and edits of the config and auth stores. */
export function registerModelsCommands(program: Command): void {
  const models = program
    .command("models")
    .description("model status, selection, aliases, fallbacks and auth profiles (runs locally)");
  models
    // `models` alone (flags included) is `models status`.
    .command("status", { isDefault: true })
    .description("default model, fallbacks, aliases and which credential each provider would use")
    .option("--json", "print JSON")
    .option("--plain", "print only the resolved default model")
    .option(
      "--check",
      "exit 1 when the default model has no usable credential (or, with --probe, none answered)",
    )
    .option("--agent <id>", "agent (default: the default agent)")
    .option("--probe", "send a tiny real request with each credential of the models in use")
    .option("--probe-provider <id>", "only probe this provider")
    .option("--probe-profile <id>", "only probe this auth profile")
    .option("--probe-timeout <ms>", "how long each probe may take", "8000")
    .option("--probe-concurrency <n>", "probes in flight at once", "2")
    .option("--probe-max-tokens <n>", "max output tokens of a probe", "8")
    .action(runStatus);
  models
    .command("list")
    .description("models you can pick: configured ones; --all adds catalogs of providers with credentials")
    .option("--all", "include the built-in catalogs of providers you have credentials for")
    .option("--provider <id>", "only this provider")
    .option("--json", "print JSON")
    .option("--plain", "print one model ref per line")
    .option("--agent <id>", "agent whose credentials count (default: the default agent)")
    .action(runList);
  registerModelEditCommands(models);
  registerModelsAuthCommands(models);
}

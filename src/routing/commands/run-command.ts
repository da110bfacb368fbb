import { resolveAgent } from "../../agents/agent-config.ts";
import { compactSession } from "../../agents/compact-session.ts";
import { newSessionEntry } from "../../agents/session-entry.ts";
import type { OpenClawConfig } from "../../config/schema.ts";
import { authProfilesPath, mergeAuthStores, readAuthProfiles } from "../../models/auth-profiles.ts";
import { resolveModel } from "../../models/catalog.ts";
import { profileCandidates } from "../../models/credentials.ts";
import { parseModelRef } from "../../models/model-ref.ts";
import { branchMessages } from "../../sessions/history.ts";
import { resetSession } from "../../sessions/reset.ts";
import {
  readSessionStore,
  type SessionEntry,
  sessionStorePath,
  sessionsDir,
  transcriptPath,
  updateSessionStore,
} from "../../sessions/store.ts";
import { readTranscript } from "../../sessions/transcript.ts";
import type { ApprovalBroker } from "../../tools/exec-approvals/approval-broker.ts";
import { approveCommand } from "./approve-command.ts";
import type { CommandSender } from "./authorize.ts";
import { configCommand } from "./config-command.ts";
import { contextCommand } from "./context-command.ts";
import { type DebugOverrides, debugCommand } from "./debug-command.ts";
import { directiveCommand } from "./directive-command.ts";
import { modelChoices, pickModel } from "./model-choices.ts";
import type { ParsedCommand } from "./parse.ts";
import { queueCommand } from "./queue-command.ts";
import { whoamiCommand } from "./whoami-command.ts";

export interface CommandContext {
  config: OpenClawConfig;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  sessionKey: string;
  agentId: string;
  now: () => Date;
  /** Whether a run is active on this session right now. */
  busy: boolean;
  /** Where the command came from (recorded on an entry the command creates). */
  channel: string;
  /** The gateway's pending exec approvals (for `/approve`); absent outside the gateway. */
  execApprovals?: ApprovalBroker;
  /** The chat sender; absent for protocol clients, which are authorised and the owner. */
  sender?: CommandSender;
  /** The config file `/config` edits; absent outside the gateway. */
  configPath?: string;
  /** Restarts the gateway in-process (`/restart`); absent outside the gateway. */
  requestRestart?: (reason: string) => void;
  /** Runtime-only overrides for `/debug`; absent outside the gateway. */
  debugOverrides?: DebugOverrides;
}

/** A command's answer, and optionally text to run as a normal turn afterwards (`/new <text>`). */
export interface CommandOutcome {
  reply: string;
  followUp?: string;
}

const HELP = [
  "Commands:",
  "/new [model|message] (/reset): start a fresh session; a model sets it, other text is sent",
  "/stop: stop the current run",
  "/model [list|status|<n>|<alias>|<provider/model>[@profile]|default]: show or switch this session's model",
  "/status: this session's model, tokens and state",
  "/usage: tokens and estimated cost of this session",
  "/compact [instructions]: summarize older turns to free context",
  "/context [list|detail|json]: what the system prompt holds, with sizes",
  "/queue [steer|followup|collect|steer-backlog|interrupt] [debounce:2s] [cap:25] [drop:old|new|summarize] (/queue reset): how messages sent during a run are handled",
  "/approve <id> allow-once|allow-always|deny: answer a pending exec approval",
  "/think <off|minimal|low|medium|high|xhigh> (/t): thinking level for this session",
  "/verbose <on|full|off> (/v): show tool calls as they start",
  "/reasoning <on|off|stream> (/reason): show the model's reasoning",
  "/elevated <on|off|ask|full> (/elev): run exec on the gateway host (when allowed)",
  "/whoami (/id): your sender id",
  "/restart: restart the gateway",
  "/config show|get|set|unset: edit the config (owner, commands.config)",
  "/debug show|set|unset|reset: runtime-only config overrides (owner, commands.debug)",
  "/help (/commands): this list",
].join("\n");

/**
 * Runs a chat command for one session (reference-agent §3.9), without the model. `/stop` is not
 * here: it must not wait in the session's lane, so the caller handles it. Throws only on I/O errors.
 */
export async function runCommand(cmd: ParsedCommand, ctx: CommandContext): Promise<CommandOutcome> {
  switch (cmd.name) {
    case "help":
    case "commands":
      return { reply: HELP };
    case "status":
      return { reply: await statusCard(ctx) };
    case "usage":
      return { reply: await usageSummary(ctx) };
    case "new":
    case "reset":
      return newSession(cmd.args, ctx);
    case "model":
    case "models":
      return modelCommand(cmd.args, ctx);
    case "stop":
      return { reply: "⚙️ Agent was aborted." };
    case "compact":
      return { reply: await compactNow(cmd.args, ctx) };
    case "approve":
      return approveCommand(cmd.args, ctx);
    case "queue":
      return queueCommand(cmd.args, ctx);
    case "think":
    case "verbose":
    case "reasoning":
    case "elevated":
      return directiveCommand(cmd.directives ?? [{ kind: cmd.name }], ctx);
    case "whoami":
      return whoamiCommand(ctx);
    case "restart":
      return restartCommand(ctx);
    case "config":
      return configCommand(cmd.args, ctx);
    case "debug":
      return debugCommand(cmd.args, ctx);
    case "context":
      return contextCommand(cmd.args, ctx);
  }
}

function restartCommand(ctx: CommandContext): CommandOutcome {
  if (ctx.config.commands?.restart === false)
    return { reply: "⚠️ /restart is disabled (commands.restart: false)." };
  if (!ctx.requestRestart) return { reply: "⚠️ /restart is not available here." };
  ctx.requestRestart("/restart");
  return { reply: "⚙️ Restarting the gateway…" };
}

async function entryOf(ctx: CommandContext): Promise<SessionEntry | undefined> {
  return (await readSessionStore(sessionStorePath(ctx.stateDir, ctx.agentId)))[ctx.sessionKey];
}

function currentModel(
  entry: SessionEntry | undefined,
  agentModel: string,
): { ref: string; override: boolean } {
  if (entry?.providerOverride && entry.modelOverride)
    return { ref: `${entry.providerOverride}/${entry.modelOverride}`, override: true };
  return { ref: agentModel, override: false };
}

async function statusCard(ctx: CommandContext): Promise<string> {
  const agent = resolveAgent(ctx.config, ctx.agentId, ctx.stateDir, ctx.env);
  const entry = await entryOf(ctx);
  const model = currentModel(entry, agent.modelRef);
  const lines = [
    `Agent: ${agent.id} · Session: ${ctx.sessionKey}${entry ? ` (${entry.sessionId})` : " (new)"}`,
    `Model: ${model.ref}${model.override ? " (session override)" : ""}${entry?.authProfileOverride ? ` · auth profile ${entry.authProfileOverride}` : ""}`,
    `Tokens: in ${entry?.inputTokens ?? 0} · out ${entry?.outputTokens ?? 0} · total ${entry?.totalTokens ?? 0}${entry?.contextTokens ? ` · context window ${entry.contextTokens}` : ""}`,
    `Run: ${ctx.busy ? "busy" : "idle"}${entry?.abortedLastRun ? " · last run was aborted" : ""}`,
    // Session overrides only; unset levels follow the defaults (reference-agent §1.6).
    `Levels: think ${entry?.thinkingLevel ?? "default"} · verbose ${entry?.verboseLevel ?? "default"} · reasoning ${entry?.reasoningLevel ?? "off"} · elevated ${entry?.elevatedLevel ?? "default"}`,
  ];
  return lines.join("\n");
}

/**
 * Tokens and estimated cost of the current session (reference-agent §6.8): summed over its
 * transcript's assistant messages, priced by the model definitions (zero for models without a
 * price, and not meaningful for subscription/OAuth auth).
 */
async function usageSummary(ctx: CommandContext): Promise<string> {
  const entry = await entryOf(ctx);
  if (!entry) return "No usage yet in this session.";
  const messages = branchMessages(
    (await readTranscript(transcriptPath(entry, sessionsDir(ctx.stateDir, ctx.agentId)))).entries,
  );
  const sum = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, cost: 0, turns: 0 };
  for (const m of messages) {
    if (m.role !== "assistant") continue;
    sum.turns++;
    sum.input += m.usage.input;
    sum.output += m.usage.output;
    sum.cacheRead += m.usage.cacheRead;
    sum.cacheWrite += m.usage.cacheWrite;
    sum.cost += m.usage.cost.total;
  }
  return [
    `Usage (${sum.turns} model answers): in ${sum.input} · out ${sum.output} · cache read ${sum.cacheRead} · cache write ${sum.cacheWrite} tokens`,
    `Estimated cost: $${sum.cost.toFixed(4)} (from the model's price list; API-key auth only)`,
  ].join("\n");
}

async function compactNow(instructions: string, ctx: CommandContext): Promise<string> {
  const timeoutSeconds = ctx.config.agents?.defaults?.timeoutSeconds ?? 600;
  const out = await compactSession({
    config: ctx.config,
    stateDir: ctx.stateDir,
    env: ctx.env,
    agentId: ctx.agentId,
    sessionKey: ctx.sessionKey,
    ...(instructions ? { instructions } : {}),
    now: ctx.now,
    signal: AbortSignal.timeout(timeoutSeconds * 1000),
  });
  if (!out.ok) return out.message;
  return `🧹 Compacted ${out.summarized} older messages into a summary (~${out.tokensBefore} → ~${out.tokensAfter} tokens).`;
}

async function newSession(args: string, ctx: CommandContext): Promise<CommandOutcome> {
  const agent = resolveAgent(ctx.config, ctx.agentId, ctx.stateDir, ctx.env);
  // `/new <model>` starts the session on that model; any other text is the first message.
  const pick = args
    ? pickModel(args, modelChoices(ctx.config, agent.modelRef, agent.fallbacks), ctx.config)
    : undefined;
  const modelPick = pick?.ok && (await isKnownModel(pick.ref, ctx.config)) ? pick : undefined;
  await resetSession(ctx.stateDir, ctx.agentId, ctx.sessionKey, ctx.now());
  if (modelPick) {
    await setOverride(ctx, modelPick.ref, modelPick.profile);
    return { reply: `✅ New session started on ${modelPick.ref}.` };
  }
  return { reply: "✅ New session started.", ...(args ? { followUp: args } : {}) };
}

async function isKnownModel(ref: string, config: OpenClawConfig): Promise<boolean> {
  const parsed = parseModelRef(ref);
  if (!parsed) return false;
  return resolveModel(parsed, config).then(
    () => true,
    () => false, // unknown to every catalog: the text was a message, not a model
  );
}

async function modelCommand(args: string, ctx: CommandContext): Promise<CommandOutcome> {
  const agent = resolveAgent(ctx.config, ctx.agentId, ctx.stateDir, ctx.env);
  const entry = await entryOf(ctx);
  const current = currentModel(entry, agent.modelRef);
  const choices = modelChoices(ctx.config, agent.modelRef, agent.fallbacks);
  if (args === "" || args === "list") {
    const rows = choices.map(
      (c, i) =>
        `${i + 1}. ${c.ref}${c.alias ? ` (${c.alias})` : ""}${c.ref === current.ref ? "  ← current" : ""}`,
    );
    return {
      reply: [
        `Models (current: ${current.ref}):`,
        ...rows,
        "Switch with /model <number|alias|provider/model>.",
      ].join("\n"),
    };
  }
  if (args === "status") return { reply: await modelStatus(ctx, current.ref, agent.agentDir, entry) };
  if (args === "default") {
    await clearOverride(ctx);
    return { reply: `Model reset to the default, ${agent.modelRef}.` };
  }
  const pick = pickModel(args, choices, ctx.config);
  if (!pick.ok) return { reply: pick.message };
  const parsed = parseModelRef(pick.ref)!;
  try {
    await resolveModel(parsed, ctx.config);
  } catch (err) {
    return { reply: `${(err as Error).message}. Use /model to list available models.` };
  }
  await setOverride(ctx, pick.ref, pick.profile);
  return {
    reply: `Model set to ${pick.ref}${pick.profile ? ` with auth profile ${pick.profile}` : ""} for this session.`,
  };
}

async function modelStatus(
  ctx: CommandContext,
  ref: string,
  agentDir: string,
  entry: SessionEntry | undefined,
): Promise<string> {
  const parsed = parseModelRef(ref);
  const lines = [`Agent: ${ctx.agentId}`, `Model: ${ref}`, `Auth store: ${authProfilesPath(agentDir)}`];
  if (!parsed) return lines.join("\n");
  const store = mergeAuthStores(
    await readAuthProfiles(agentDir),
    ctx.agentId === "main"
      ? { version: 1, profiles: {} }
      : await readAuthProfiles(resolveAgent(ctx.config, "main", ctx.stateDir, ctx.env).agentDir),
  );
  const next =
    entry?.authProfileOverride ??
    profileCandidates({ provider: parsed.provider, config: ctx.config, store, now: ctx.now().getTime() })[0];
  lines.push(`Next auth profile: ${next ?? "none (environment variable or config key)"}`);
  try {
    const model = await resolveModel(parsed, ctx.config);
    lines.push(`Endpoint: ${model.baseUrl || "(provider default)"} · api ${model.api}`);
  } catch (err) {
    lines.push((err as Error).message);
  }
  return lines.join("\n");
}

async function setOverride(ctx: CommandContext, ref: string, profile: string | undefined): Promise<void> {
  const parsed = parseModelRef(ref)!;
  const dir = sessionsDir(ctx.stateDir, ctx.agentId);
  await updateSessionStore(sessionStorePath(ctx.stateDir, ctx.agentId), (store) => {
    // `/model` may be the first thing said in a session: the choice needs an entry to live on.
    store[ctx.sessionKey] ??= newSessionEntry(dir, ctx.sessionKey, ctx.channel, ctx.now().getTime());
    const entry = store[ctx.sessionKey]!;
    entry.providerOverride = parsed.provider;
    entry.modelOverride = parsed.model;
    if (profile) {
      entry.authProfileOverride = profile;
      entry.authProfileOverrideSource = "user";
    } else if (entry.authProfileOverrideSource === "user") {
      delete entry.authProfileOverride;
      delete entry.authProfileOverrideSource; // MOD-11: a plain /model unpins
    }
  });
}

async function clearOverride(ctx: CommandContext): Promise<void> {
  await updateSessionStore(sessionStorePath(ctx.stateDir, ctx.agentId), (store) => {
    const entry = store[ctx.sessionKey];
    if (!entry) return;
    delete entry.providerOverride;
    delete entry.modelOverride;
  });
}

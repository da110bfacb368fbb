import { newSessionEntry } from "../../agents/session-entry.ts";
import type { OpenClawConfig } from "../../config/schema.ts";
import { normalizeAgentId } from "../../sessions/session-key.ts";
import {
  readSessionStore,
  type SessionEntry,
  sessionStorePath,
  sessionsDir,
  updateSessionStore,
} from "../../sessions/store.ts";
import { isSenderAllowed } from "../access/allow-match.ts";
import type { CommandSender } from "./authorize.ts";
import { type Directive, type DirectiveKind, LEVELS } from "./directives.ts";
import type { CommandContext, CommandOutcome } from "./run-command.ts";

/** The sessions.json field each directive persists to (as OpenClaw 2026.2.26 names them). */
const FIELD: Readonly<
  Record<DirectiveKind, "thinkingLevel" | "verboseLevel" | "reasoningLevel" | "elevatedLevel">
> = {
  think: "thinkingLevel",
  verbose: "verboseLevel",
  reasoning: "reasoningLevel",
  elevated: "elevatedLevel",
};

/**
 * A directive-only message (reference-agent §1.6, §2.8): each directive with a valid level is
 * stored on the session entry and acknowledged; a bare directive shows the current level; an
 * invalid level gets a hint and changes nothing. One reply line per directive.
 */
export async function directiveCommand(
  directives: Directive[],
  ctx: CommandContext,
): Promise<CommandOutcome> {
  const storeFile = sessionStorePath(ctx.stateDir, ctx.agentId);
  const entry = (await readSessionStore(storeFile))[ctx.sessionKey];
  const lines: string[] = [];
  const changes: Partial<Record<DirectiveKind, string>> = {};
  for (const d of directives) {
    if (d.arg === undefined) {
      lines.push(currentLevelLine(d.kind, entry, ctx));
      continue;
    }
    if (!d.level) {
      lines.push(invalidLevelLine(d.kind, d.arg));
      continue;
    }
    if (d.kind === "elevated") {
      const refusal = elevatedRefusal(ctx.config, ctx.agentId, ctx.sender);
      if (refusal) {
        lines.push(refusal);
        continue;
      }
    }
    changes[d.kind] = d.level;
    lines.push(ackLine(d.kind, d.level));
  }
  if (Object.keys(changes).length > 0) {
    const dir = sessionsDir(ctx.stateDir, ctx.agentId);
    await updateSessionStore(storeFile, (store) => {
      // A directive may be the first thing said in a session: the setting needs an entry to live on.
      store[ctx.sessionKey] ??= newSessionEntry(dir, ctx.sessionKey, ctx.channel, ctx.now().getTime());
      const target = store[ctx.sessionKey]!;
      // `off` is stored too: on a reasoning model the fallback would otherwise think at `low`.
      for (const [kind, level] of Object.entries(changes) as [DirectiveKind, string][])
        target[FIELD[kind]] = level;
    });
  }
  return { reply: lines.join("\n") };
}

/** The acknowledgement OpenClaw sends for a stored level. */
export function ackLine(kind: DirectiveKind, level: string): string {
  switch (kind) {
    case "think":
      return level === "off" ? "Thinking disabled." : `Thinking level set to ${level}.`;
    case "verbose":
      if (level === "off") return "Verbose logging disabled.";
      return level === "full" ? "Verbose logging set to full." : "Verbose logging enabled.";
    case "reasoning":
      if (level === "off") return "Reasoning visibility disabled.";
      return level === "stream"
        ? "Reasoning stream enabled (Telegram only)."
        : "Reasoning visibility enabled.";
    case "elevated":
      if (level === "off") return "Elevated mode disabled.";
      if (level === "full") return "Elevated mode set to full (auto-approve).";
      return `Elevated mode set to ${level} (approvals still apply).`;
  }
}

const LABEL: Readonly<Record<DirectiveKind, string>> = {
  think: "thinking level",
  verbose: "verbose level",
  reasoning: "reasoning level",
  elevated: "elevated level",
};

export function invalidLevelLine(kind: DirectiveKind, arg: string): string {
  return `Unrecognized ${LABEL[kind]} "${arg}". Valid levels: ${LEVELS[kind].join(", ")}.`;
}

function currentLevelLine(kind: DirectiveKind, entry: SessionEntry | undefined, ctx: CommandContext): string {
  const stored = entry?.[FIELD[kind]];
  const level = stored ?? configuredDefault(kind, ctx.config, ctx.agentId);
  const shown = level ?? (kind === "think" ? "default (low for reasoning models, else off)" : "off");
  const label = LABEL[kind];
  return `Current ${label}: ${shown}. Options: ${LEVELS[kind].join(", ")}.`;
}

function configuredDefault(kind: DirectiveKind, config: OpenClawConfig, agentId: string): string | undefined {
  const id = normalizeAgentId(agentId);
  const agent = config.agents?.list?.find((a) => normalizeAgentId(a.id) === id);
  const defaults = config.agents?.defaults;
  switch (kind) {
    case "think":
      return agent?.thinkingDefault ?? defaults?.thinkingDefault;
    case "verbose":
      return agent?.verboseDefault ?? defaults?.verboseDefault;
    case "elevated":
      return defaults?.elevatedDefault;
    case "reasoning":
      return undefined;
  }
}

/**
 * The elevated gate (reference-agent §2.8): `tools.elevated.enabled` and the sender in
 * `tools.elevated.allowFrom.<channel>`; an agent's own `tools.elevated` can only narrow it.
 * Protocol clients are the operator and pass the allowlist. `undefined` when allowed.
 */
export function elevatedRefusal(
  config: OpenClawConfig,
  agentId: string,
  sender: CommandSender | undefined,
): string | undefined {
  const id = normalizeAgentId(agentId);
  const agent = config.agents?.list?.find((a) => normalizeAgentId(a.id) === id)?.tools?.elevated;
  if (config.tools?.elevated?.enabled !== true || agent?.enabled === false)
    return "Elevated mode is not available: tools.elevated.enabled is off.";
  if (!sender) return undefined;
  const globalList = config.tools?.elevated?.allowFrom?.[sender.channel];
  // Discord falls back to the channel's own allowFrom when `allowFrom.discord` is omitted.
  const channelList =
    globalList ??
    (sender.channel === "discord"
      ? ((config.channels as Record<string, { allowFrom?: (string | number)[] }> | undefined)?.["discord"]
          ?.allowFrom ?? [])
      : []);
  const who = { id: sender.id, ...(sender.username ? { username: sender.username } : {}) };
  const prefixes = [`${sender.channel}:`];
  const agentList = agent?.allowFrom?.[sender.channel];
  if (
    !isSenderAllowed(channelList, who, prefixes) ||
    (agentList && !isSenderAllowed(agentList, who, prefixes))
  )
    return `Elevated mode is not allowed for you (tools.elevated.allowFrom.${sender.channel}).`;
  return undefined;
}

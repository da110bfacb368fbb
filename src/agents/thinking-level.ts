import type { OpenClawConfig } from "../config/schema.ts";
import { normalizeLevel, type ThinkLevel } from "../routing/commands/directives.ts";
import { normalizeAgentId } from "../sessions/session-key.ts";

export interface ThinkingSources {
  /** A `/think` hint on this very message (one-shot). */
  inline?: string | undefined;
  /** The session's `/think` setting (`thinkingLevel` in sessions.json). */
  session?: string | undefined;
  /** `agents.list[].thinkingDefault` of the agent. */
  agent?: string | undefined;
  /** `agents.defaults.thinkingDefault`. */
  defaults?: string | undefined;
  /** The model can think (its definition's `reasoning`). */
  reasoningModel: boolean;
}

/**
 * The thinking level of a turn, first set wins (reference-agent §1.6): inline directive → session
 * → agent default → global default → `low` for reasoning-capable models, else `off` (2.26).
 * Values written by a newer OpenClaw (`adaptive`, `max`, `ultra`) map to the nearest 2.26 level.
 */
export function resolveThinkingLevel(src: ThinkingSources): ThinkLevel {
  for (const raw of [src.inline, src.session, src.agent, src.defaults]) {
    if (raw === undefined) continue;
    const level = toThinkLevel(raw);
    if (level) return level;
  }
  return src.reasoningModel ? "low" : "off";
}

function toThinkLevel(raw: string): ThinkLevel | undefined {
  const w = raw.toLowerCase();
  if (w === "adaptive") return "medium";
  if (w === "max" || w === "ultra") return "xhigh";
  return normalizeLevel("think", w) as ThinkLevel | undefined;
}

/** The configured defaults for an agent (`agents.list[]`, then `agents.defaults`). */
export function thinkingDefaults(
  config: OpenClawConfig,
  agentId: string,
): { agent: string | undefined; defaults: string | undefined } {
  const id = normalizeAgentId(agentId);
  const entry = config.agents?.list?.find((a) => normalizeAgentId(a.id) === id);
  return { agent: entry?.thinkingDefault, defaults: config.agents?.defaults?.thinkingDefault };
}

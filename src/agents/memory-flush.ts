import type { OpenClawConfig } from "../config/schema.ts";
import { type SessionEntry, updateSessionStore } from "../sessions/store.ts";

/** The silent token a flush turn answers with when there is nothing to store (reference-agent §1.5). */
const SILENT_REPLY_TOKEN = "NO_REPLY";

/** A memory flush to run before the turn: the user prompt and the extra system prompt. */
export interface MemoryFlushPlan {
  prompt: string;
  systemPrompt: string;
}

export interface FlushGate {
  /** The size of the last prompt the model saw (provider count); undefined before any answer. */
  promptTokens: number | undefined;
  contextWindow: number;
  entry: Pick<SessionEntry, "compactionCount" | "memoryFlushCompactionCount">;
  now: Date;
  timeZone: string;
}

/**
 * Whether a silent memory-flush turn runs before this turn, and with what (pure; reference-agent
 * §3.4, `agents.defaults.compaction.memoryFlush`). It runs when the last prompt reached
 * `contextWindow − reserveTokensFloor − softThresholdTokens`, once per compaction cycle: the entry
 * records the cycle it ran in (`memoryFlushCompactionCount`), and a compaction starts a new one.
 * A window too small to leave room for the threshold never flushes.
 */
export function planMemoryFlush(config: OpenClawConfig, gate: FlushGate): MemoryFlushPlan | undefined {
  const compaction = config.agents?.defaults?.compaction;
  const flush = compaction?.memoryFlush;
  if (flush?.enabled === false || !gate.promptTokens || gate.promptTokens <= 0) return undefined;
  const reserve = compaction?.reserveTokensFloor ?? 20_000;
  const soft = flush?.softThresholdTokens ?? 4000;
  const threshold = Math.floor(gate.contextWindow) - reserve - soft;
  if (threshold <= 0 || gate.promptTokens < threshold) return undefined;
  const cycle = gate.entry.compactionCount ?? 0;
  if (gate.entry.memoryFlushCompactionCount === cycle) return undefined;
  const prompt =
    flush?.prompt?.trim() ||
    "Write any lasting notes to memory/YYYY-MM-DD.md; reply with NO_REPLY if nothing to store.";
  const systemPrompt =
    flush?.systemPrompt?.trim() || "Session nearing compaction. Store durable memories now.";
  return {
    // The daily file is named for the user's date, which the model cannot know for sure.
    prompt: withSilentHint(prompt.replaceAll("YYYY-MM-DD", localDate(gate.now, gate.timeZone))),
    systemPrompt: withSilentHint(systemPrompt),
  };
}

/** A flush prompt that forgot the silent token still has to let the model stay silent. */
function withSilentHint(text: string): string {
  return text.includes(SILENT_REPLY_TOKEN)
    ? text
    : `${text}\n\nIf no user-visible reply is needed, start with ${SILENT_REPLY_TOKEN}.`;
}

/** `YYYY-MM-DD` in a time zone. */
function localDate(at: Date, timeZone: string): string {
  return new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).format(at);
}

/** Marks the current compaction cycle as flushed on the session entry (`memoryFlushAt`, …). */
export async function recordMemoryFlush(storeFile: string, sessionKey: string, now: Date): Promise<void> {
  await updateSessionStore(storeFile, (store) => {
    const entry = store[sessionKey];
    if (!entry) return;
    entry.memoryFlushAt = now.getTime();
    entry.memoryFlushCompactionCount = entry.compactionCount ?? 0;
  });
}

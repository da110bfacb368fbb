import type { ChatType } from "../channels/adapter.ts";
import type { OpenClawConfig } from "../config/schema.ts";

/** When a run's typing indicator comes on: at the loop's start, at its first visible text, or not at all. */
export type TypingStart = "instant" | "text" | "never";

const SILENT_TOKEN = "NO_REPLY";

/**
 * MED-7 (reference-agent §5.1 "Typing"): `session.typingMode`, else `agents.defaults.typingMode`.
 * Unset: DMs and groups that mentioned the bot see it from the loop's start, other group
 * messages once text streams. `thinking` starts at the model's first output, as the turn
 * reports no reasoning deltas of its own; `message` at the first text that is not the silent
 * token. Pure.
 */
export function typingStartFor(
  config: OpenClawConfig,
  facts: { chatType: ChatType; mentioned: boolean },
): TypingStart {
  const mode = config.session?.typingMode ?? config.agents?.defaults?.typingMode;
  switch (mode) {
    case "never":
      return "never";
    case "instant":
      return "instant";
    case "thinking":
    case "message":
      return "text";
    default:
      return facts.chatType === "direct" || facts.mentioned ? "instant" : "text";
  }
}

/** Streamed text that may still turn out to be `NO_REPLY`, which shows nothing. Pure. */
export function mayBeSilent(text: string): boolean {
  const t = text.trim().toUpperCase();
  return t === "" || SILENT_TOKEN.startsWith(t);
}

/** `typingIntervalSeconds` (session, then agents.defaults), else just under the indicator's lifetime. */
export function typingIntervalMs(config: OpenClawConfig, ttlMs: number): number {
  const seconds = config.session?.typingIntervalSeconds ?? config.agents?.defaults?.typingIntervalSeconds;
  return seconds !== undefined ? seconds * 1000 : Math.max(1000, ttlMs - 1000);
}

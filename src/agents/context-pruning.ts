import type { Message, ToolResultMessage } from "@earendil-works/pi-ai";
import type { OpenClawConfig } from "../config/schema.ts";

/**
 * Context pruning (reference-agent §3.5, `docs/concepts/session-pruning.md`): old tool results are
 * trimmed in the request only. The transcript on disk is never rewritten; user and assistant
 * messages are never touched; results holding images are left whole; results after the last
 * `keepLastAssistants` assistant messages, and anything before the first user message, stay as
 * they are. Sizes are estimated in characters (tokens × 4).
 */
export interface PruningSettings {
  keepLastAssistants: number;
  softTrimRatio: number;
  hardClearRatio: number;
  minPrunableToolChars: number;
  softTrim: { maxChars: number; headChars: number; tailChars: number };
  hardClear: { enabled: boolean; placeholder: string };
  /** Which tools' results may be pruned: `*` wildcards, case-insensitive, deny wins, no allow = all. */
  tools?: { allow?: string[] | undefined; deny?: string[] | undefined } | undefined;
}

const CHARS_PER_TOKEN = 4;
/** What a `ttl` without a unit means: minutes, as OpenClaw reads it. */
const TTL_UNITS_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

function blockChars(content: Message["content"]): number {
  if (typeof content === "string") return content.length;
  let chars = 0;
  for (const b of content) {
    if (b.type === "text") chars += b.text.length;
    else if (b.type === "thinking") chars += b.thinking.length;
    else if (b.type === "toolCall") chars += JSON.stringify(b.arguments ?? {}).length;
    // An image counts like a large result, so image-heavy contexts start trimming text earlier.
    else if (b.type === "image") chars += 8000;
  }
  return chars;
}

function messageChars(m: Message): number {
  return blockChars(m.content);
}

/** The text of a tool result as the model reads it: text blocks joined by newlines. */
function resultText(m: ToolResultMessage): string {
  return m.content.flatMap((b) => (b.type === "text" ? [b.text] : [])).join("\n");
}

const hasImage = (m: ToolResultMessage): boolean => m.content.some((b) => b.type === "image");

function wildcard(pattern: string): RegExp {
  const body = pattern
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`, "i");
}

/** Whether a tool's results may be pruned under `tools.allow`/`tools.deny` (pure). */
export function isToolPrunable(name: string, tools: PruningSettings["tools"]): boolean {
  if (tools?.deny?.some((p) => wildcard(p).test(name))) return false;
  if (!tools?.allow?.length) return true;
  return tools.allow.some((p) => wildcard(p).test(name));
}

/** Head and tail of an oversized result, with a note of what was cut; undefined when it fits. */
function softTrimmed(m: ToolResultMessage, s: PruningSettings["softTrim"]): ToolResultMessage | undefined {
  const text = resultText(m);
  if (text.length <= s.maxChars || s.headChars + s.tailChars >= text.length) return undefined;
  const kept = `${text.slice(0, s.headChars)}\n...\n${s.tailChars > 0 ? text.slice(-s.tailChars) : ""}`;
  const note = `\n\n[Tool result trimmed: kept first ${s.headChars} chars and last ${s.tailChars} chars of ${text.length} chars.]`;
  return { ...m, content: [{ type: "text", text: kept + note }] };
}

/**
 * Prunes the model-bound messages for one request (pure; the input is not modified). Soft trim
 * runs once the estimated context reaches `softTrimRatio` of the window; if it is still at or
 * above `hardClearRatio` afterwards, and the prunable results hold at least `minPrunableToolChars`,
 * the oldest prunable results are replaced by the placeholder until it drops below. Returns the
 * input array itself when nothing changed.
 */
export function pruneContextMessages(
  messages: Message[],
  settings: PruningSettings,
  contextWindowTokens: number,
): Message[] {
  const windowChars = contextWindowTokens * CHARS_PER_TOKEN;
  if (!(windowChars > 0)) return messages;
  const cutoff = protectedTailStart(messages, settings.keepLastAssistants);
  if (cutoff === undefined) return messages;
  const firstUser = messages.findIndex((m) => m.role === "user");
  if (firstUser < 0) return messages;
  let total = messages.reduce((sum, m) => sum + messageChars(m), 0);
  if (total / windowChars < settings.softTrimRatio) return messages;

  const out = [...messages];
  let changed = false;
  const prunable: number[] = [];
  for (let i = firstUser; i < cutoff; i++) {
    const m = out[i]!;
    if (m.role !== "toolResult" || hasImage(m) || !isToolPrunable(m.toolName, settings.tools)) continue;
    prunable.push(i);
    const trimmed = softTrimmed(m, settings.softTrim);
    if (!trimmed) continue;
    total += messageChars(trimmed) - messageChars(m);
    out[i] = trimmed;
    changed = true;
  }
  if (total / windowChars < settings.hardClearRatio || !settings.hardClear.enabled) {
    return changed ? out : messages;
  }
  const prunableChars = prunable.reduce((sum, i) => sum + messageChars(out[i]!), 0);
  if (prunableChars < settings.minPrunableToolChars) return changed ? out : messages;
  for (const i of prunable) {
    if (total / windowChars < settings.hardClearRatio) break;
    const m = out[i] as ToolResultMessage;
    const cleared: ToolResultMessage = {
      ...m,
      content: [{ type: "text", text: settings.hardClear.placeholder }],
    };
    total += messageChars(cleared) - messageChars(m);
    out[i] = cleared;
    changed = true;
  }
  return changed ? out : messages;
}

/**
 * Index of the oldest protected message: the `keep`-th assistant message from the end. With too
 * few assistant messages nothing is pruned (undefined); `keep` 0 protects nothing.
 */
function protectedTailStart(messages: Message[], keep: number): number | undefined {
  if (keep <= 0) return messages.length;
  let left = keep;
  for (let i = messages.length - 1; i >= 0; i--) {
    if (messages[i]!.role === "assistant" && --left === 0) return i;
  }
  return undefined;
}

/** `5m`, `1h`, `300s`, a bare number (minutes) → milliseconds; undefined when unreadable. */
export function parseTtlMs(ttl: string | number | undefined): number | undefined {
  if (ttl === undefined) return undefined;
  if (typeof ttl === "number") return ttl * TTL_UNITS_MS["m"]!;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d|w)?$/i.exec(ttl.trim());
  if (!m) return undefined;
  return Math.round(Number(m[1]) * TTL_UNITS_MS[(m[2] ?? "m").toLowerCase()]!);
}

/** The model a request goes to, as far as pruning cares. */
export interface PruningTarget {
  api: string;
  provider: string;
  id: string;
  contextWindow: number;
}

/**
 * Prompt caching with a TTL is Anthropic's (direct, or Anthropic models through OpenRouter); the
 * `cache-ttl` mode only makes sense there (reference-agent §3.5).
 */
export function isCacheTtlEligible(target: { api: string; provider: string; id: string }): boolean {
  if (target.api === "anthropic-messages") return true;
  return target.provider === "openrouter" && target.id.startsWith("anthropic/");
}

/**
 * The earlier conversation as the next request should carry it (pure). In `cache-ttl` mode, pruning
 * runs only when the session's last call to an eligible provider is older than `ttl`: inside the
 * window the provider's prompt cache still holds the full history, and trimming it would only
 * force a new cache write. The next call restarts the window by itself, since its answer is the
 * new last call.
 */
export function pruneForRequest(
  messages: Message[],
  config: OpenClawConfig,
  target: PruningTarget,
  nowMs: number,
): { messages: Message[]; pruned: boolean } {
  const raw = config.agents?.defaults?.contextPruning;
  if (raw?.mode !== "cache-ttl" || !isCacheTtlEligible(target)) return { messages, pruned: false };
  const ttlMs = parseTtlMs(raw.ttl) ?? 5 * 60_000;
  const lastCall = messages.findLast(
    (m) => m.role === "assistant" && isCacheTtlEligible({ api: m.api, provider: m.provider, id: m.model }),
  );
  if (!lastCall || ttlMs <= 0 || nowMs - lastCall.timestamp < ttlMs) return { messages, pruned: false };
  const window = Math.min(target.contextWindow, config.agents?.defaults?.contextTokens ?? Infinity);
  const out = pruneContextMessages(messages, raw, window);
  return { messages: out, pruned: out !== messages };
}

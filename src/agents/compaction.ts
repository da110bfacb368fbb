import type { AssistantMessage, Message } from "@earendil-works/pi-ai";
import type { OpenClawConfig } from "../config/schema.ts";
import type { Attempt } from "../models/model-selection.ts";
import { streamModel } from "../models/stream.ts";
import { branchContext, modelContextMessages } from "../sessions/history.ts";
import type { TranscriptEntry } from "../sessions/transcript.ts";
import { assistantText } from "./run-loop.ts";

/** Recent context kept verbatim after a compaction (pi-coding-agent's default). */
const DEFAULT_KEEP_RECENT_TOKENS = 20_000;
const CHARS_PER_TOKEN = 4;

const SUMMARY_SYSTEM_PROMPT =
  "You summarize a conversation between a user and their assistant so the assistant can continue it " +
  "without the full history. Keep every fact, decision, name, preference, open task and promise; " +
  "note files created or changed and tool results that still matter. Write plain prose and short " +
  "lists, no preamble.";

export function estimateTokens(messages: Message[]): number {
  return Math.ceil(JSON.stringify(messages).length / CHARS_PER_TOKEN);
}

export interface CompactionPlan {
  /** Messages to summarize (everything before the kept tail, since the last compaction). */
  older: Message[];
  /** The first entry kept verbatim: a user message, so turns stay whole. */
  firstKeptEntryId: string;
  tokensBefore: number;
}

/**
 * Where to cut (pure): keep the most recent whole turns within `keepRecentTokens`, at least the
 * last user turn, and summarize what comes before. `undefined` when there is nothing older.
 */
export function planCompaction(
  entries: TranscriptEntry[],
  keepRecentTokens = DEFAULT_KEEP_RECENT_TOKENS,
): CompactionPlan | undefined {
  // The context as the model sees it (an earlier summary included), so nothing it knows is lost.
  const items = branchContext(entries);
  const userIdx = items.flatMap((m, i) => (m.message.role === "user" && m.entryId ? [i] : []));
  if (userIdx.length < 2) return undefined;
  let cut = userIdx.at(-1)!;
  for (let k = userIdx.length - 2; k >= 1; k--) {
    const candidate = userIdx[k]!;
    if (estimateTokens(items.slice(candidate).map((m) => m.message)) > keepRecentTokens) break;
    cut = candidate;
  }
  if (cut === 0) return undefined;
  return {
    older: items.slice(0, cut).map((m) => m.message),
    firstKeptEntryId: items[cut]!.entryId!,
    tokensBefore: estimateTokens(items.map((m) => m.message)),
  };
}

function contentText(content: string | { type: string; text?: string }[]): string {
  return typeof content === "string"
    ? content
    : content.map((c) => (c.type === "text" ? (c.text ?? "") : "[image]")).join("");
}

/** The conversation as plain text for the summarizer; tool output is cut to what a summary needs. */
function transcriptText(messages: Message[]): string {
  const lines: string[] = [];
  for (const m of modelContextMessages(messages)) {
    if (m.role === "user") lines.push(`User: ${contentText(m.content)}`);
    else if (m.role === "assistant") {
      const calls = m.content.flatMap((c) =>
        c.type === "toolCall" ? [`[called ${c.name} ${JSON.stringify(c.arguments)}]`] : [],
      );
      lines.push(`Assistant: ${[assistantText(m), ...calls].filter(Boolean).join(" ")}`);
    } else if (m.role === "toolResult")
      lines.push(`Tool ${m.toolName}: ${contentText(m.content).slice(0, 2000)}`);
  }
  return lines.join("\n\n");
}

/**
 * Asks the session's model for the summary. Returns the summary text, or throws with the
 * provider's error (a compaction that cannot summarize must not drop history).
 */
export async function summarize(
  attempt: Attempt,
  older: Message[],
  instructions: string | undefined,
  signal: AbortSignal,
): Promise<string> {
  const ask = [
    "Summarize this conversation so far.",
    instructions ? `Focus: ${instructions}` : "",
    "<conversation>",
    transcriptText(older),
    "</conversation>",
  ]
    .filter(Boolean)
    .join("\n\n");
  const stream = await streamModel(
    attempt.model,
    {
      systemPrompt: SUMMARY_SYSTEM_PROMPT,
      messages: [{ role: "user", content: ask, timestamp: Date.now() }],
    },
    {
      apiKey: attempt.credential.apiKey,
      signal,
      ...(attempt.credential.projectId ? { projectId: attempt.credential.projectId } : {}),
    },
  );
  for await (const _ of stream) {
    // the summary is read whole from the result
  }
  const result: AssistantMessage = await stream.result();
  const text = assistantText(result).trim();
  if (result.stopReason === "error" || result.stopReason === "aborted" || !text) {
    throw new Error(`compaction failed: ${result.errorMessage ?? "the model returned no summary"}`);
  }
  return text;
}

/** Whether the next request would crowd the window (reference-agent §3.4: reserve tokens). */
export function needsCompaction(
  lastPromptTokens: number | undefined,
  contextWindow: number,
  config: OpenClawConfig,
): boolean {
  if (lastPromptTokens === undefined || lastPromptTokens <= 0) return false;
  const reserve = config.agents?.defaults?.compaction?.reserveTokensFloor ?? 20_000;
  return lastPromptTokens > contextWindow - Math.min(reserve, Math.floor(contextWindow / 2));
}

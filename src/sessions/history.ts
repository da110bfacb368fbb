import type { Message, ToolResultMessage, UserMessage } from "@earendil-works/pi-ai";
import { currentBranch, type TranscriptEntry } from "./transcript.ts";

/** The text OpenClaw puts in a tool result it had to invent for an unpaired tool call. */
export const SYNTHETIC_TOOL_RESULT_TEXT =
  "[openclaw] missing tool result in session history; inserted synthetic error result for transcript repair.";

// pi-coding-agent's wording for summaries sent as user messages (`core/messages.ts`).
const COMPACTION_SUMMARY_PREFIX =
  "The conversation history before this point was compacted into the following summary:\n\n<summary>\n";
const COMPACTION_SUMMARY_SUFFIX = "\n</summary>";
const BRANCH_SUMMARY_PREFIX =
  "The following is a summary of a branch that this conversation came back from:\n\n<summary>\n";
const BRANCH_SUMMARY_SUFFIX = "</summary>";

/**
 * Transcript messages on the current branch, in order (for `chat.history` and the model context),
 * built as pi-coding-agent's `buildSessionContext` does: with a compaction on the branch, its summary
 * comes first, then the entries from its `firstKeptEntryId` up to it, then everything after it.
 * Only the latest compaction counts; it already summarizes the ones before it.
 */
export function branchMessages(entries: TranscriptEntry[]): Message[] {
  return branchContext(entries).map((c) => c.message);
}

/** A context message and the transcript entry it came from (none for a compaction summary). */
export interface ContextItem {
  entryId: string | undefined;
  message: Message;
}

/** `branchMessages` with each message's entry id, for compaction to cut at an entry. */
export function branchContext(entries: TranscriptEntry[]): ContextItem[] {
  const branch = currentBranch(entries);
  const items = (from: TranscriptEntry[]): ContextItem[] =>
    from.flatMap((e) => messagesOf(e).map((message) => ({ entryId: e.id, message })));
  const cut = branch.findLastIndex((e) => e.type === "compaction");
  if (cut < 0) return items(branch);
  const compaction = branch[cut]!;
  const firstKept = branch.findIndex((e, i) => i < cut && e.id === compaction["firstKeptEntryId"]);
  return [
    {
      entryId: undefined,
      message: summaryMessage(compaction, COMPACTION_SUMMARY_PREFIX, COMPACTION_SUMMARY_SUFFIX),
    },
    ...(firstKept < 0 ? [] : items(branch.slice(firstKept, cut))),
    ...items(branch.slice(cut + 1)),
  ];
}

/** The messages an entry contributes to the context: none for bookkeeping entries. */
function messagesOf(entry: TranscriptEntry): Message[] {
  switch (entry.type) {
    case "message":
      return isMessage(entry["message"]) ? [entry["message"]] : [];
    case "custom_message": {
      const content = entry["content"];
      if (typeof content !== "string" && !Array.isArray(content)) return [];
      return [{ role: "user", content: content as UserMessage["content"], timestamp: timestampOf(entry) }];
    }
    case "branch_summary":
      return typeof entry["summary"] === "string" && entry["summary"]
        ? [summaryMessage(entry, BRANCH_SUMMARY_PREFIX, BRANCH_SUMMARY_SUFFIX)]
        : [];
    default:
      return [];
  }
}

/**
 * A message the context can carry. A line that parses but lost its shape (hand-edited, or written
 * by a buggy tool) is left out rather than crashing every later turn of the session.
 */
function isMessage(v: unknown): v is Message {
  if (!v || typeof v !== "object") return false;
  const m = v as { role?: unknown; content?: unknown; toolCallId?: unknown };
  if (m.role === "user") return typeof m.content === "string" || Array.isArray(m.content);
  if (m.role === "assistant") return Array.isArray(m.content);
  if (m.role === "toolResult") return Array.isArray(m.content) && typeof m.toolCallId === "string";
  return false;
}

function summaryMessage(entry: TranscriptEntry, prefix: string, suffix: string): Message {
  const summary = typeof entry["summary"] === "string" ? entry["summary"] : "";
  return {
    role: "user",
    content: [{ type: "text", text: `${prefix}${summary}${suffix}` }],
    timestamp: timestampOf(entry),
  };
}

function timestampOf(entry: TranscriptEntry): number {
  return Date.parse(entry.timestamp) || 0;
}

/**
 * What the model is sent as earlier conversation: failed or aborted attempts that produced nothing
 * are dropped (providers reject empty assistant turns), and every tool call gets a result, a
 * synthetic error where the transcript lacks one (a crash between call and result).
 */
export function modelContextMessages(messages: Message[]): Message[] {
  const out: Message[] = [];
  const answered = new Set(
    messages.filter((m): m is ToolResultMessage => m.role === "toolResult").map((m) => m.toolCallId),
  );
  for (const m of messages) {
    if (
      m.role === "assistant" &&
      (m.stopReason === "error" || m.stopReason === "aborted") &&
      m.content.length === 0
    ) {
      continue;
    }
    out.push(m);
    if (m.role !== "assistant") continue;
    for (const block of m.content) {
      if (block.type !== "toolCall" || answered.has(block.id)) continue;
      out.push({
        role: "toolResult",
        toolCallId: block.id,
        toolName: block.name,
        content: [{ type: "text", text: SYNTHETIC_TOOL_RESULT_TEXT }],
        isError: true,
        timestamp: m.timestamp,
      });
    }
  }
  return out;
}

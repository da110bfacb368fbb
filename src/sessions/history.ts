import type { Message, ToolResultMessage } from "@earendil-works/pi-ai";
import { currentBranch, type TranscriptEntry } from "./transcript.ts";

/** The text OpenClaw puts in a tool result it had to invent for an unpaired tool call. */
export const SYNTHETIC_TOOL_RESULT_TEXT =
  "[openclaw] missing tool result in session history; inserted synthetic error result for transcript repair.";

/** Transcript messages on the current branch, in order, as stored (for `chat.history`). */
export function branchMessages(entries: TranscriptEntry[]): Message[] {
  const out: Message[] = [];
  for (const entry of currentBranch(entries)) {
    if (entry.type === "compaction") {
      out.length = 0;
      out.push(compactionSummaryMessage(entry));
    } else if (entry.type === "message" && entry["message"] && typeof entry["message"] === "object") {
      out.push(entry["message"] as Message);
    }
  }
  return out;
}

function compactionSummaryMessage(entry: TranscriptEntry): Message {
  const summary = typeof entry["summary"] === "string" ? entry["summary"] : "";
  return {
    role: "user",
    content: [{ type: "text", text: `The conversation so far was summarized:\n\n${summary}` }],
    timestamp: Date.parse(entry.timestamp) || 0,
  };
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

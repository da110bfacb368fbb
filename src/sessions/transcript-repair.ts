import type { AssistantMessage, ToolResultMessage } from "@earendil-works/pi-ai";
import { SYNTHETIC_TOOL_RESULT_TEXT } from "./history.ts";
import { currentBranch, readTranscript, type TranscriptEntry, type TranscriptRead } from "./transcript.ts";
import { TranscriptWriter } from "./transcript-writer.ts";

function messageOf(entry: TranscriptEntry): { role?: unknown } | undefined {
  const m = entry.type === "message" ? entry["message"] : undefined;
  return m && typeof m === "object" ? (m as { role?: unknown }) : undefined;
}

/**
 * The results a crash left missing (pure): the tool calls of the branch's last assistant message
 * that no tool result follows, when nothing but tool results came after it. That is the one shape
 * a `kill -9` between a call and its result leaves; an unpaired call earlier in the history is
 * paired where the context is built (`modelContextMessages`), since appending its result at the
 * end would put it out of place.
 */
export function missingToolResults(entries: TranscriptEntry[], at: number): ToolResultMessage[] {
  const branch = currentBranch(entries);
  const idx = branch.findLastIndex((e) => messageOf(e)?.role === "assistant");
  if (idx < 0) return [];
  const answered = new Set<string>();
  for (const e of branch.slice(idx + 1)) {
    const m = messageOf(e);
    if (!m) continue;
    if (m.role !== "toolResult") return []; // the conversation moved on; history.ts pairs it in place
    answered.add((m as ToolResultMessage).toolCallId);
  }
  const assistant = messageOf(branch[idx]!) as AssistantMessage;
  if (!Array.isArray(assistant.content)) return [];
  return assistant.content.flatMap((block) =>
    block.type === "toolCall" && !answered.has(block.id)
      ? [
          {
            role: "toolResult" as const,
            toolCallId: block.id,
            toolName: block.name,
            content: [{ type: "text" as const, text: SYNTHETIC_TOOL_RESULT_TEXT }],
            isError: true,
            timestamp: at,
          },
        ]
      : [],
  );
}

/**
 * Records a synthetic error result for each tool call a crash left unanswered (reference-agent
 * §3.2 "Repair"), so the repaired history is on disk and every later read sees the same thing.
 * Returns the transcript as read after the repair (the input when nothing was missing). Callers
 * hold the session's lane.
 */
export async function repairUnansweredToolCalls(
  file: string,
  read: TranscriptRead,
  now: Date,
): Promise<{ read: TranscriptRead; repaired: ToolResultMessage[] }> {
  const repaired = missingToolResults(read.entries, now.getTime());
  if (repaired.length === 0) return { read, repaired };
  await new TranscriptWriter(file, read.entries).append(
    now,
    ...repaired.map((message) => ({ type: "message", message })),
  );
  return { read: await readTranscript(file), repaired };
}

/**
 * The texts a followup turn is built from (reference-agent §3.7): the collect prompt that merges
 * queued messages, and the overflow summary of messages dropped at the cap. Pure.
 */

export const COLLECT_TITLE = "[Queued messages while agent was busy]";

/** Longest line a dropped message leaves in the overflow summary. */
const SUMMARY_LINE_CHARS = 160;

/** One dropped message as a summary bullet: whitespace collapsed, long text cut with `…`. */
export function summaryLine(text: string): string {
  const cleaned = text.replace(/\s+/g, " ").trim();
  if (cleaned.length <= SUMMARY_LINE_CHARS) return cleaned;
  return `${cleaned.slice(0, SUMMARY_LINE_CHARS - 1).trimEnd()}…`;
}

/**
 * `[Queue overflow] Dropped <n> message(s) due to cap.`, then `Summary:` and one `- <line>` per
 * remembered message; `undefined` when nothing was dropped.
 */
export function overflowSummary(droppedCount: number, lines: readonly string[]): string | undefined {
  if (droppedCount <= 0) return undefined;
  const out = [
    `[Queue overflow] Dropped ${droppedCount} message${droppedCount === 1 ? "" : "s"} due to cap.`,
  ];
  if (lines.length > 0) out.push("Summary:", ...lines.map((l) => `- ${l}`));
  return out.join("\n");
}

/**
 * Blocks joined by blank lines: the title, the overflow summary if any, then
 * `---\nQueued #<n>\n<text>` per message in arrival order.
 */
export function collectPrompt(texts: readonly string[], summary: string | undefined): string {
  const blocks = [COLLECT_TITLE];
  if (summary) blocks.push(summary);
  texts.forEach((text, i) => {
    blocks.push(`---\nQueued #${i + 1}\n${text}`.trim());
  });
  return blocks.join("\n\n");
}

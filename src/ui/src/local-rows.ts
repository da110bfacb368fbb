import type { ChatItem } from "./chat-items.ts";

// A local row stands for a transcript row written up to this long before it:
// a final reply is stamped when the run ends, its transcript entry when it began.
const MATCH_WINDOW_MS = 60 * 60_000;

function sameRow(a: ChatItem, b: ChatItem): boolean {
  if (a.kind === "tool" || b.kind === "tool") return false;
  return a.kind === b.kind && a.text === b.text;
}

/**
 * The local rows (sent messages, final replies, run errors) that the transcript
 * does not show yet. Each transcript row confirms at most one local row.
 */
export function unconfirmedRows(history: ChatItem[], local: ChatItem[]): ChatItem[] {
  const used = new Set<number>();
  return local.filter((row) => {
    const at = history.findLastIndex(
      (h, i) => !used.has(i) && h.timestamp >= row.timestamp - MATCH_WINDOW_MS && sameRow(h, row),
    );
    if (at === -1) return true;
    used.add(at);
    return false;
  });
}

/** History with each local row placed after the last transcript row not newer than it. */
export function mergeRows(history: ChatItem[], local: ChatItem[]): ChatItem[] {
  const rows = [...history];
  for (const row of local) {
    let at = rows.length;
    while (at > 0 && (rows[at - 1]?.timestamp ?? 0) > row.timestamp) at--;
    rows.splice(at, 0, row);
  }
  return rows;
}

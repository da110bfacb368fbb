/**
 * Reply tags and hidden reasoning in a model's answer (reference-agent §1.5). Pure.
 */

export type ReplyTarget = { type: "current" } | { type: "message"; id: string };

export interface TaggedReply {
  /** The text to deliver, without the tag and without `<think>` blocks. */
  text: string;
  /** Quote-reply this message; honoured even when the channel's `replyToMode` is `off`. */
  replyTo?: ReplyTarget;
}

// Only as the very first token; whitespace inside the brackets is allowed (`[[ reply_to: 123 ]]`).
const REPLY_TAG_RE = /^\s*\[\[\s*reply_to(?:_current|\s*:\s*([^\]\s]+))\s*\]\]/;

/** Reads a leading `[[reply_to_current]]` / `[[reply_to:<id>]]` and hides `<think>` blocks. */
export function parseReplyTags(text: string): TaggedReply {
  const visible = stripThinking(text);
  const m = REPLY_TAG_RE.exec(visible);
  if (!m) return { text: visible };
  const rest = visible.slice(m[0].length).trim();
  const id = m[1];
  return { text: rest, replyTo: id === undefined ? { type: "current" } : { type: "message", id } };
}

// `<think>`, `<thinking>`, `<thought>` and `<antthinking>` blocks, as models emit them inline.
const THINK_BLOCK_RE = /<\s*(think|thinking|thought|antthinking)\b[^>]*>[\s\S]*?<\s*\/\s*\1\s*>/gi;
// An opening tag never closed (the answer was cut off): everything after it is reasoning too.
const OPEN_THINK_RE = /<\s*(think|thinking|thought|antthinking)\b[^>]*>[\s\S]*$/i;

/** Removes reasoning blocks: they never reach the chat. Text without them is returned as it is. */
export function stripThinking(text: string): string {
  if (!/<\s*(think|thinking|thought|antthinking)\b/i.test(text)) return text;
  return text.replace(THINK_BLOCK_RE, "").replace(OPEN_THINK_RE, "").trim();
}

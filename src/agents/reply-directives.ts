/** The silent token: a reply that is exactly this is not delivered (reference-agent §1.5). */
export const SILENT_REPLY_TOKEN = "NO_REPLY";
export const HEARTBEAT_TOKEN = "HEARTBEAT_OK";

export interface ShapedReply {
  text: string;
  /** Nothing to deliver (NO_REPLY, or only a heartbeat acknowledgement). */
  silent: boolean;
}

/**
 * What of a final answer reaches the user, outside heartbeat runs: `NO_REPLY` alone (any case) is
 * silence; a leading or trailing `HEARTBEAT_OK` is stripped and a reply that was only that is
 * dropped; in the middle of a text neither token is special. Pure.
 */
export function shapeReply(text: string): ShapedReply {
  const trimmed = text.trim();
  if (trimmed.toUpperCase() === SILENT_REPLY_TOKEN) return { text: "", silent: true };
  let out = trimmed;
  if (out.startsWith(HEARTBEAT_TOKEN)) out = out.slice(HEARTBEAT_TOKEN.length).trimStart();
  if (out.endsWith(HEARTBEAT_TOKEN)) out = out.slice(0, -HEARTBEAT_TOKEN.length).trimEnd();
  return { text: out === trimmed ? text : out, silent: out === "" };
}

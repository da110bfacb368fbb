import type { AssistantMessage, Message, UserMessage } from "@earendil-works/pi-ai";
import { currentBranch, type TranscriptEntry } from "./transcript.ts";
import type { EntryBody } from "./transcript-writer.ts";

// A channel message is recorded in its account's inbox before it is answered and handled again
// after a crash. So that the second attempt neither writes the user's message into the
// transcript twice nor asks the model again for an answer it already gave, the turn writes a
// `custom` entry naming the message (its idempotency key) right before the user message.
// `custom` entries never reach the model (pi's session format); readers that do not know this
// type skip it.

const CUSTOM_TYPE = "openclaw.inbound";

/** The entry that names the channel message a turn answers. */
export function inboundMarker(key: string): EntryBody {
  return { type: "custom", customType: CUSTOM_TYPE, data: { key } };
}

/**
 * What an earlier attempt at a channel message left on the current branch:
 * - `answered`: its turn ended with this answer (the crash came before delivery finished);
 * - `pending`: its message (and maybe some tool steps) is there, the final answer is not.
 */
export type InboundTurn =
  | { state: "answered"; answer: AssistantMessage }
  | { state: "pending"; message: UserMessage };

function markerKey(e: TranscriptEntry): string | undefined {
  if (e.type !== "custom" || e["customType"] !== CUSTOM_TYPE) return undefined;
  const key = (e["data"] as { key?: unknown } | undefined)?.key;
  return typeof key === "string" ? key : undefined;
}

/**
 * The earlier attempt at `key` on the current branch, or `undefined` when there is none, or when
 * another channel message's turn followed it (then it cannot be resumed; a new turn is run). Pure.
 */
export function findInboundTurn(entries: TranscriptEntry[], key: string): InboundTurn | undefined {
  const branch = currentBranch(entries);
  const at = branch.findLastIndex((e) => markerKey(e) === key);
  if (at < 0) return undefined;
  const rest = branch.slice(at + 1);
  const messages = rest.filter((e) => e.type === "message").map((e) => e["message"] as Message);
  const first = messages[0];
  if (first?.role !== "user") return undefined;
  const last = messages.at(-1)!;
  if (last.role === "assistant" && (last.stopReason === "stop" || last.stopReason === "length"))
    return { state: "answered", answer: last };
  if (rest.some((e) => markerKey(e) !== undefined)) return undefined;
  return { state: "pending", message: first };
}

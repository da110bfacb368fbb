import { isRecord, ProtocolError } from "./protocol.ts";

/** What the chat methods need from a gateway connection. */
export interface GatewayRequester {
  request(method: string, params: unknown): Promise<unknown>;
}

export const HISTORY_LIMIT = 200;

export interface ChatHistory {
  sessionKey: string;
  messages: unknown[];
}

export type ChatEvent = {
  runId: string;
  sessionKey: string;
  state: "delta" | "final" | "aborted" | "error";
  message: unknown;
  errorMessage: string | undefined;
};

const CHAT_STATES = new Set<string>(["delta", "final", "aborted", "error"]);

function isChatState(value: unknown): value is ChatEvent["state"] {
  return typeof value === "string" && CHAT_STATES.has(value);
}

/** Parses a `chat` event payload; throws `ProtocolError` if it is not one. */
export function parseChatEvent(payload: unknown): ChatEvent {
  if (!isRecord(payload)) throw new ProtocolError("chat event without payload");
  const { runId, sessionKey, state } = payload;
  if (typeof runId !== "string" || typeof sessionKey !== "string" || !isChatState(state)) {
    throw new ProtocolError("chat event without runId, sessionKey or state");
  }
  const errorMessage = typeof payload["errorMessage"] === "string" ? payload["errorMessage"] : undefined;
  return { runId, sessionKey, state, message: payload["message"], errorMessage };
}

export async function fetchChatHistory(gw: GatewayRequester, sessionKey: string): Promise<ChatHistory> {
  const payload = await gw.request("chat.history", { sessionKey, limit: HISTORY_LIMIT });
  if (!isRecord(payload) || !Array.isArray(payload["messages"])) {
    throw new ProtocolError("chat.history answered without messages");
  }
  return { sessionKey, messages: payload["messages"] };
}

/** Starts a run; resolves with its id once the gateway acknowledged it. */
export async function sendChatMessage(
  gw: GatewayRequester,
  params: { sessionKey: string; message: string; idempotencyKey: string },
): Promise<{ runId: string }> {
  const payload = await gw.request("chat.send", params);
  if (!isRecord(payload) || typeof payload["runId"] !== "string") {
    throw new ProtocolError("chat.send answered without a runId");
  }
  return { runId: payload["runId"] };
}

export async function abortChatRun(
  gw: GatewayRequester,
  params: { sessionKey: string; runId: string },
): Promise<void> {
  await gw.request("chat.abort", params);
}

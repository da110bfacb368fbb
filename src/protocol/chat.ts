/** Wire shapes of the `chat` and `agent` event families (reference-gateway §2, "Chat"). */
export type ChatState = "delta" | "final" | "aborted" | "error";

export interface ChatEventPayload {
  runId: string;
  sessionKey: string;
  seq: number;
  state: ChatState;
  message?: unknown;
  errorMessage?: string;
  usage?: unknown;
  stopReason?: string;
}

export type AgentStream = "lifecycle" | "assistant" | "tool" | "thinking" | "compaction" | "error";

export interface AgentEventPayload {
  runId: string;
  seq: number;
  stream: AgentStream;
  ts: number;
  data: Record<string, unknown>;
  sessionKey?: string;
}

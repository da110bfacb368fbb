import { isRecord } from "./protocol.ts";

/** One row of the message list. `kind` is also the row's `data-role`. */
export type ChatItem =
  | { kind: "user"; text: string; images: number; timestamp: number }
  | { kind: "assistant"; text: string; streaming: boolean; timestamp: number }
  | { kind: "error"; text: string; timestamp: number }
  | {
      kind: "tool";
      callId: string;
      name: string;
      args: string;
      result: ToolResult | undefined;
      timestamp: number;
    };

export interface ToolResult {
  text: string;
  isError: boolean;
}

// The gateway prefixes inbound user text with an envelope such as
// "[Wed 2026-11-25 09:11 UTC] ". Only a bracket holding a clock time is taken as
// one, so a message that merely starts with "[x]" keeps its text.
const ENVELOPE = /^\[[^\]\n]{0,80}\b\d{1,2}:\d{2}\b[^\]\n]{0,80}\]\s/;

export function stripEnvelope(text: string): string {
  return text.replace(ENVELOPE, "");
}

/** A transcript message's content: a string in older transcripts, else an array of parts. */
function contentParts(message: Record<string, unknown>): Record<string, unknown>[] {
  const content = message["content"];
  if (typeof content === "string") return [{ type: "text", text: content }];
  return Array.isArray(content) ? content.filter(isRecord) : [];
}

function textOfParts(parts: Record<string, unknown>[]): string {
  return parts
    .filter((p) => p["type"] === "text" && typeof p["text"] === "string")
    .map((p) => p["text"] as string)
    .join("\n");
}

/** The text of an assistant message as `chat` events carry it. */
export function messageText(message: unknown): string {
  return isRecord(message) ? textOfParts(contentParts(message)) : "";
}

function stringify(value: unknown): string {
  if (typeof value === "string") return value;
  return JSON.stringify(value, null, 2) ?? "";
}

function assistantItems(message: Record<string, unknown>, timestamp: number): ChatItem[] {
  const items: ChatItem[] = [];
  let text = "";
  const flushText = () => {
    if (text.trim()) items.push({ kind: "assistant", text: text.trim(), streaming: false, timestamp });
    text = "";
  };
  for (const part of contentParts(message)) {
    if (part["type"] === "text" && typeof part["text"] === "string") {
      text += text ? `\n${part["text"]}` : part["text"];
    } else if (part["type"] === "toolCall") {
      flushText();
      const name = typeof part["name"] === "string" ? part["name"] : "tool";
      const callId = typeof part["id"] === "string" ? part["id"] : "";
      items.push({
        kind: "tool",
        callId,
        name,
        args: stringify(part["arguments"] ?? {}),
        result: undefined,
        timestamp,
      });
    }
  }
  flushText();
  if (message["stopReason"] === "error") {
    const error =
      typeof message["errorMessage"] === "string" ? message["errorMessage"] : "The model run failed.";
    items.push({ kind: "error", text: error, timestamp });
  }
  return items;
}

function attachToolResult(items: ChatItem[], message: Record<string, unknown>, timestamp: number): void {
  const result: ToolResult = {
    text: textOfParts(contentParts(message)),
    isError: message["isError"] === true,
  };
  const callId = typeof message["toolCallId"] === "string" ? message["toolCallId"] : undefined;
  const call = callId
    ? items.findLast((i) => i.kind === "tool" && i.callId === callId && !i.result)
    : undefined;
  if (call?.kind === "tool") {
    call.result = result;
    return;
  }
  const name = typeof message["toolName"] === "string" ? message["toolName"] : "tool";
  items.push({ kind: "tool", callId: callId ?? "", name, args: "", result, timestamp });
}

/**
 * Turns `chat.history` messages into rows: user and assistant text, tool calls
 * paired with their results, failed runs as error rows. Thinking and unknown
 * parts are left out; malformed entries are skipped rather than failing the list.
 */
export function historyToItems(messages: unknown[]): ChatItem[] {
  const items: ChatItem[] = [];
  for (const message of messages) {
    if (!isRecord(message)) continue;
    const timestamp = typeof message["timestamp"] === "number" ? message["timestamp"] : 0;
    switch (message["role"]) {
      case "user": {
        const parts = contentParts(message);
        const text = stripEnvelope(textOfParts(parts)).trim();
        const images = parts.filter((p) => p["type"] === "image").length;
        if (text || images) items.push({ kind: "user", text, images, timestamp });
        break;
      }
      case "assistant":
        items.push(...assistantItems(message, timestamp));
        break;
      case "toolResult":
        attachToolResult(items, message, timestamp);
        break;
    }
  }
  return items;
}

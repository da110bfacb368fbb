import type { AssistantMessage } from "@earendil-works/pi-ai";

/**
 * What `/verbose` and `/reasoning` show in a chat besides the answer (reference-agent §1.6,
 * AGT-9): one message per tool call as it starts, and the model's reasoning. Pure.
 */

const TOOL_EMOJI: Readonly<Record<string, string>> = {
  exec: "🛠️",
  bash: "🛠️",
  process: "🧰",
  read: "📖",
  write: "✍️",
  edit: "📝",
  apply_patch: "🩹",
  web_search: "🔎",
  web_fetch: "🌐",
  browser: "🌐",
  message: "✉️",
  cron: "⏰",
  memory_search: "🧠",
  memory_get: "🧠",
  image: "🖼️",
};

/** The argument that says what a call does, per tool; else the first short string argument. */
const MAIN_ARG = ["command", "path", "file_path", "query", "url", "action", "task", "sessionKey"];

const MAX_ARG_CHARS = 120;

/** `<emoji> <tool>: <arg>` for a tool call that starts. */
export function toolBubble(name: string, args: Record<string, unknown> | undefined): string {
  const emoji = TOOL_EMOJI[name.toLowerCase()] ?? "🔧";
  const key = MAIN_ARG.find((k) => typeof args?.[k] === "string");
  const value = key
    ? (args?.[key] as string)
    : Object.values(args ?? {}).find((v): v is string => typeof v === "string");
  if (value === undefined) return `${emoji} ${name}`;
  const oneLine = value.replace(/\s+/g, " ").trim();
  const short = oneLine.length > MAX_ARG_CHARS ? `${oneLine.slice(0, MAX_ARG_CHARS - 1)}…` : oneLine;
  return `${emoji} ${name}: ${short}`;
}

/** The model's reasoning in an answer, as one message (`Reasoning:` first), or `undefined`. */
export function reasoningMessage(message: AssistantMessage | undefined): string | undefined {
  if (!message) return undefined;
  const parts = message.content
    .flatMap((c) => (c.type === "thinking" && !c.redacted ? [c.thinking.trim()] : []))
    .filter((t) => t !== "");
  return parts.length > 0 ? `Reasoning:\n${parts.join("\n\n")}` : undefined;
}

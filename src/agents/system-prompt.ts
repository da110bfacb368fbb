import type { InjectedFile } from "./workspace.ts";

export interface PromptInput {
  agentId: string;
  workspaceDir: string;
  files: InjectedFile[];
  toolLines: string[];
  runtime: RuntimeInfo;
}

export interface RuntimeInfo {
  agentId: string;
  host: string;
  /** The repo root (`agents.defaults.repoRoot`), when known. */
  repo?: string;
  os: string;
  arch: string;
  node: string;
  model: string;
  defaultModel: string;
  shell?: string;
  channel?: string;
  capabilities?: string[];
  thinking: string;
  timeZone: string;
}

/** The one-line runtime summary, in OpenClaw's exact field format (reference-agent §1.4). */
export function runtimeLine(r: RuntimeInfo): string {
  const parts = [
    `agent=${r.agentId}`,
    `host=${r.host}`,
    ...(r.repo ? [`repo=${r.repo}`] : []),
    `os=${r.os} (${r.arch})`,
    `node=${r.node}`,
    `model=${r.model}`,
    `default_model=${r.defaultModel}`,
  ];
  if (r.shell) parts.push(`shell=${r.shell}`);
  if (r.channel) {
    parts.push(`channel=${r.channel}`);
    parts.push(`capabilities=${r.capabilities?.length ? r.capabilities.join(",") : "none"}`);
  }
  parts.push(`thinking=${r.thinking}`);
  return `Runtime: ${parts.join(" | ")}`;
}

/** OpenClaw 2.26's wording, added right under the Project Context intro when SOUL.md is injected. */
const SOUL_LINE =
  "If SOUL.md is present, embody its persona and tone. Avoid stiff, generic replies; follow its guidance unless higher-priority instructions override it.";

/**
 * Builds the system prompt in the section order of reference-agent §1.4 (full mode). Sections
 * whose feature is absent (skills, memory tools, sandbox…) are left out rather than stubbed.
 */
export function buildSystemPrompt(input: PromptInput): string {
  return composeSystemPrompt(input).text;
}

/** The prompt and the size of its Project Context part, for the session's systemPromptReport. */
export function composeSystemPrompt(input: PromptInput): { text: string; projectContextChars: number } {
  const s: string[] = ["You are a personal assistant running inside OpenClaw."];
  s.push(
    "## Tooling",
    input.toolLines.length > 0
      ? `Tools available to you:\n${input.toolLines.map((l) => `- ${l}`).join("\n")}`
      : "No tools are available in this session; answer from the conversation and the project context.",
  );
  s.push(
    "## Safety",
    "Act within what your user asked. Do not seek access, resources or influence beyond the task, and never try to get around oversight, approvals or limits. Ask before destructive or irreversible actions.",
  );
  s.push("## Workspace", `Your working directory is ${input.workspaceDir}.`);
  s.push(
    "## Current Date & Time",
    `Time zone: ${input.runtime.timeZone}. Message envelopes carry the time each message was sent.`,
  );
  s.push(
    "## Workspace Files (injected)",
    "The workspace files below are loaded on every turn; edit them to change what you know.",
  );
  s.push(
    "## Reply Tags",
    "To quote-reply the message you are answering, start your reply with [[reply_to_current]]. Use [[reply_to:<id>]] only with an id you were given.",
  );
  const project: string[] = [];
  if (input.files.length > 0) {
    const hasSoul = input.files.some((f) => f.name === "SOUL.md" && !f.missing);
    project.push(
      ["# Project Context", "", "The following project context files have been loaded:"]
        .concat(hasSoul ? [SOUL_LINE] : [])
        .join("\n"),
    );
    for (const f of input.files) project.push(`## ${f.path}`, f.content);
  }
  s.push(...project);
  s.push(
    "## Silent Replies",
    "When there is nothing useful to say, reply with exactly NO_REPLY and nothing else: not appended to other text, not in markdown.",
  );
  s.push(
    "## Heartbeats",
    "A heartbeat asks you to read HEARTBEAT.md and check on things. If nothing needs attention, reply exactly HEARTBEAT_OK. An alert must not contain HEARTBEAT_OK.",
  );
  s.push(
    "## Runtime",
    runtimeLine(input.runtime),
    `Reasoning: ${input.runtime.thinking === "off" ? "off" : input.runtime.thinking} (hidden unless on/stream). Toggle /reasoning; /status shows Reasoning when enabled.`,
  );
  return { text: s.join("\n\n"), projectContextChars: project.join("\n\n").length };
}

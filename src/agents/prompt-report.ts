import type { Tool } from "@earendil-works/pi-ai";
import type { InjectedFile } from "./workspace.ts";

/**
 * The `systemPromptReport` OpenClaw keeps on a session entry (what went into the prompt and how big
 * each part was; `/context` reads it). Field names and shape as in a 2026.2.26 sessions.json.
 */
export interface SystemPromptReport {
  source: "run";
  generatedAt: number;
  sessionId: string;
  sessionKey: string;
  provider: string;
  model: string;
  workspaceDir: string;
  bootstrapMaxChars: number;
  bootstrapTotalMaxChars: number;
  sandbox: { mode: string; sandboxed: boolean };
  systemPrompt: { chars: number; projectContextChars: number; nonProjectContextChars: number };
  injectedWorkspaceFiles: Omit<InjectedFile, "content">[];
  skills: { promptChars: number; entries: { name: string; blockChars: number }[] };
  tools: {
    listChars: number;
    schemaChars: number;
    entries: { name: string; summaryChars: number; schemaChars: number; propertiesCount: number }[];
  };
}

export interface ReportInput {
  at: number;
  sessionId: string;
  sessionKey: string;
  provider: string;
  model: string;
  workspaceDir: string;
  caps: { maxChars: number; totalMaxChars: number };
  promptChars: number;
  projectContextChars: number;
  files: InjectedFile[];
  /** The `## Tooling` lines of the prompt (`name: summary`), in the order sent. */
  toolLines?: string[];
  /** The tool definitions sent with the request (their JSON schemas count toward the context). */
  tools?: Tool[];
}

/** Sizes of the tool list text and of each tool's schema, as `/context` shows them. */
function toolSizes(lines: string[], tools: Tool[]): SystemPromptReport["tools"] {
  const entries = tools.map((t) => {
    const line = lines.find((l) => l === t.name || l.startsWith(`${t.name}: `)) ?? t.name;
    const properties = (t.parameters as { properties?: Record<string, unknown> }).properties;
    return {
      name: t.name,
      summaryChars: Math.max(0, line.length - t.name.length - 2),
      schemaChars: JSON.stringify(t.parameters).length,
      propertiesCount: properties ? Object.keys(properties).length : 0,
    };
  });
  return {
    listChars: lines.map((l) => `- ${l}`).join("\n").length,
    schemaChars: entries.reduce((sum, e) => sum + e.schemaChars, 0),
    entries,
  };
}

export function systemPromptReport(r: ReportInput): SystemPromptReport {
  return {
    source: "run",
    generatedAt: r.at,
    sessionId: r.sessionId,
    sessionKey: r.sessionKey,
    provider: r.provider,
    model: r.model,
    workspaceDir: r.workspaceDir,
    bootstrapMaxChars: r.caps.maxChars,
    bootstrapTotalMaxChars: r.caps.totalMaxChars,
    sandbox: { mode: "off", sandboxed: false },
    systemPrompt: {
      chars: r.promptChars,
      projectContextChars: r.projectContextChars,
      nonProjectContextChars: r.promptChars - r.projectContextChars,
    },
    injectedWorkspaceFiles: r.files.map(({ content: _content, ...sizes }) => sizes),
    skills: { promptChars: 0, entries: [] },
    tools: toolSizes(r.toolLines ?? [], r.tools ?? []),
  };
}

import type { SystemPromptReport } from "../../agents/prompt-report.ts";
import { readSessionStore, type SessionEntry, sessionStorePath } from "../../sessions/store.ts";
import type { CommandContext, CommandOutcome } from "./run-command.ts";

const HELP = [
  "🧠 /context",
  "",
  "What the model is sent besides the conversation: the system prompt, with the workspace files injected into it, the tool list and the tool schemas.",
  "",
  "Try:",
  "- /context list   (short breakdown)",
  "- /context detail (per-file, per-tool and per-skill sizes)",
  "- /context json   (the same, machine-readable)",
].join("\n");

const int = new Intl.NumberFormat("en-US");

/** `12,345 chars (~3,087 tok)`: tokens estimated as chars / 4, as everywhere in the gateway. */
function size(chars: number): string {
  return `${int.format(chars)} chars (~${int.format(Math.ceil(Math.max(0, chars) / 4))} tok)`;
}

function names(list: string[], cap: number): string {
  if (list.length === 0) return "(none)";
  return list.length <= cap
    ? list.join(", ")
    : `${list.slice(0, cap).join(", ")}, … (+${list.length - cap} more)`;
}

/** The largest entries first, `- name: size` each, at most `cap` of them. */
function top(entries: { name: string; value: number }[], cap: number, unit = size): string[] {
  const sorted = [...entries].sort((a, b) => b.value - a.value);
  const lines = sorted.slice(0, cap).map((e) => `- ${e.name}: ${unit(e.value)}`);
  if (sorted.length > cap) lines.push(`… (+${sorted.length - cap} more)`);
  return lines;
}

function fileLine(f: SystemPromptReport["injectedWorkspaceFiles"][number]): string {
  if (f.missing) return `- ${f.name}: MISSING | raw 0 | injected 0`;
  return `- ${f.name}: ${f.truncated ? "TRUNCATED" : "OK"} | raw ${size(f.rawChars)} | injected ${size(f.injectedChars)}`;
}

/**
 * The context breakdown (pure), from the `systemPromptReport` the last run left on the session
 * entry (reference-agent §1.3). `detail` adds per-tool schema and summary sizes and per-skill sizes.
 */
export function formatContextReport(
  report: SystemPromptReport,
  entry: Pick<SessionEntry, "totalTokens" | "contextTokens">,
  detail: boolean,
): string {
  // Reports written by other OpenClaw versions may lack parts; they show as empty, not as a crash.
  const tools = report.tools ?? { listChars: 0, schemaChars: 0, entries: [] };
  const skills = report.skills ?? { promptChars: 0, entries: [] };
  const sandbox = report.sandbox ?? { mode: "unknown", sandboxed: false };
  const lines = [
    detail ? "🧠 Context breakdown (detailed)" : "🧠 Context breakdown",
    `Workspace: ${report.workspaceDir}`,
    `Bootstrap max/file: ${int.format(report.bootstrapMaxChars)} chars · total: ${int.format(report.bootstrapTotalMaxChars)} chars`,
    `Sandbox: mode=${sandbox.mode} sandboxed=${sandbox.sandboxed}`,
    `System prompt (${report.source}): ${size(report.systemPrompt.chars)} (Project Context ${size(report.systemPrompt.projectContextChars)})`,
    "",
    "Injected workspace files:",
    ...(report.injectedWorkspaceFiles ?? []).map(fileLine),
    "",
    `Skills list (system prompt text): ${size(skills.promptChars)} (${skills.entries.length} skills)`,
    `Skills: ${names(
      skills.entries.map((s) => s.name),
      20,
    )}`,
  ];
  if (detail && skills.entries.length > 0) {
    lines.push(
      "Top skills (prompt entry size):",
      ...top(
        skills.entries.map((s) => ({ name: s.name, value: s.blockChars })),
        30,
      ),
    );
  }
  lines.push(
    ...(detail ? [""] : []),
    `Tool list (system prompt text): ${size(tools.listChars)}`,
    `Tool schemas (JSON): ${size(tools.schemaChars)} (counts toward context; not shown as text)`,
    `Tools: ${names(
      tools.entries.map((t) => t.name),
      30,
    )}`,
  );
  if (detail && tools.entries.length > 0) {
    const schemas = tools.entries.map((t) => ({ name: t.name, value: t.schemaChars }));
    const summaries = tools.entries.map((t) => ({ name: t.name, value: t.summaryChars }));
    const params = tools.entries.map((t) => ({ name: t.name, value: t.propertiesCount }));
    lines.push(
      "Top tools (schema size):",
      ...top(schemas, 30),
      "",
      "Top tools (summary text size):",
      ...top(summaries, 30),
      "",
      "Tools (param count):",
      ...top(params, 30, (n) => `${n} params`),
    );
  }
  const total = entry.totalTokens;
  lines.push(
    "",
    `Session tokens (cached): ${total === undefined ? "unknown" : `${int.format(total)} total`} / ctx=${entry.contextTokens ?? "?"}`,
  );
  return lines.join("\n");
}

/**
 * `/context [list|detail|json]` (reference-agent §3.9): what went into the system prompt of this
 * session's last run, with sizes. Bare `/context` explains the modes.
 */
export async function contextCommand(args: string, ctx: CommandContext): Promise<CommandOutcome> {
  const mode = args.split(/\s+/)[0]?.toLowerCase() ?? "";
  if (mode === "" || mode === "help") return { reply: HELP };
  if (!["list", "show", "detail", "deep", "json"].includes(mode)) {
    return {
      reply: "Unknown /context mode.\nUse: /context, /context list, /context detail, or /context json",
    };
  }
  const entry = (await readSessionStore(sessionStorePath(ctx.stateDir, ctx.agentId)))[ctx.sessionKey];
  const report = entry?.["systemPromptReport"] as SystemPromptReport | undefined;
  if (!entry || !report || typeof report !== "object" || !report.systemPrompt) {
    return {
      reply:
        "No context report yet: it is recorded with each run. Send a message, then try /context list again.",
    };
  }
  if (mode === "json") {
    const session = {
      totalTokens: entry.totalTokens ?? null,
      inputTokens: entry.inputTokens ?? null,
      outputTokens: entry.outputTokens ?? null,
      contextTokens: entry.contextTokens ?? null,
    };
    return { reply: JSON.stringify({ report, session }, null, 2) };
  }
  return { reply: formatContextReport(report, entry, mode === "detail" || mode === "deep") };
}

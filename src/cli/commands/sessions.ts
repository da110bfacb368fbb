import path from "node:path";
import type { Command } from "commander";
import { defaultAgentId, listAgentIds, resolveAgent } from "../../agents/agent-config.ts";
import { expandHome } from "../../config/paths.ts";
import { UserFacingError } from "../../infra/errors.ts";
import { normalizeAgentId, parseAgentSessionKey } from "../../sessions/session-key.ts";
import { readSessionStore, type SessionEntry, sessionStorePath } from "../../sessions/store.ts";
import { loadCliContext, printJson } from "../context.ts";
import { requireConfig } from "./models-auth.ts";

// `openclaw sessions` (reference-gateway §6, SES-14). Like OpenClaw it reads the session stores
// straight from disk, so it works whether or not the gateway runs.

interface SessionsOptions {
  agent?: string;
  allAgents?: boolean;
  store?: string;
  active?: string;
  json?: boolean;
  verbose?: boolean;
}

type Kind = "direct" | "group" | "global" | "unknown";

interface Row {
  agentId: string;
  key: string;
  kind: Kind;
  sessionId: string;
  updatedAt: number;
  ageMs: number;
  label?: string;
  chatType?: string;
  modelProvider?: string;
  model: string;
  inputTokens?: number;
  outputTokens?: number;
  totalTokens?: number;
  contextTokens?: number;
  abortedLastRun?: boolean;
  systemSent?: boolean;
  thinkingLevel?: string;
  verboseLevel?: string;
  compactionCount?: number;
}

/** Direct chats, groups/channels and the special keys (2.26 `classifyKey`). */
function kindOf(key: string, entry: SessionEntry): Kind {
  if (key === "global") return "global";
  if (key === "unknown") return "unknown";
  if (entry.chatType === "group" || entry.chatType === "channel") return "group";
  if (key.includes(":group:") || key.includes(":channel:")) return "group";
  return "direct";
}

function ageText(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return "just now";
  if (minutes < 60) return `${minutes}m ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours}h ago`;
  return `${Math.floor(hours / 24)}d ago`;
}

function compact(n: number): string {
  if (n >= 1_000_000) return `${(n / 1_000_000).toFixed(1).replace(/\.0$/, "")}m`;
  if (n >= 1000) return `${(n / 1000).toFixed(1).replace(/\.0$/, "")}k`;
  return String(n);
}

function tokensText(r: Row): string {
  const total = r.totalTokens ?? (r.inputTokens ?? 0) + (r.outputTokens ?? 0);
  const ctx = r.contextTokens;
  const pct = ctx ? `${Math.min(999, Math.round((total / ctx) * 100))}%` : "?%";
  return `${compact(total)}/${ctx ? compact(ctx) : "?"} (${pct})`;
}

function flagsText(r: Row): string {
  const flags = [
    ...(r.label ? [`label:${r.label}`] : []),
    ...(r.thinkingLevel ? [`think:${r.thinkingLevel}`] : []),
    ...(r.verboseLevel ? [`verbose:${r.verboseLevel}`] : []),
    ...(r.systemSent ? ["system"] : []),
    ...(r.abortedLastRun ? ["aborted"] : []),
    ...(r.compactionCount ? [`compactions:${r.compactionCount}`] : []),
    `id:${r.sessionId}`,
  ];
  return flags.join(" ");
}

function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]): string =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), ...rows.map(line)].join("\n");
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v ? v : undefined;
}

function num(v: unknown): number | undefined {
  return typeof v === "number" && Number.isFinite(v) ? v : undefined;
}

async function sessionsCommand(opts: SessionsOptions): Promise<void> {
  if (opts.agent !== undefined && opts.allAgents)
    throw new UserFacingError("Use either --agent <id> or --all-agents, not both.");
  let activeMinutes: number | undefined;
  if (opts.active !== undefined) {
    activeMinutes = Number(opts.active);
    if (!/^\d+$/.test(opts.active.trim()) || activeMinutes <= 0)
      throw new UserFacingError("--active must be a positive number of minutes, for example --active 30.");
  }
  const ctx = await loadCliContext();
  const config = requireConfig(ctx);
  const { stateDir } = ctx.paths;
  const known = listAgentIds(config);
  let targets: { agentId: string; path: string }[];
  if (opts.store) {
    const file = path.resolve(expandHome(opts.store, ctx.env));
    // A store under agents/<id>/sessions/ belongs to that agent; any other file to the default one.
    const owner = /[\\/]agents[\\/]([^\\/]+)[\\/]sessions[\\/][^\\/]+$/.exec(file)?.[1];
    targets = [{ agentId: normalizeAgentId(owner ?? defaultAgentId(config)), path: file }];
  } else if (opts.allAgents) {
    targets = known.map((agentId) => ({ agentId, path: sessionStorePath(stateDir, agentId) }));
  } else {
    const agentId = opts.agent === undefined ? defaultAgentId(config) : normalizeAgentId(opts.agent);
    if (opts.agent !== undefined && !known.includes(agentId))
      throw new UserFacingError(`Unknown agent "${opts.agent}". Agents: ${known.join(", ")}`);
    targets = [{ agentId, path: sessionStorePath(stateDir, agentId) }];
  }

  const now = Date.now();
  const rows: Row[] = [];
  for (const target of targets) {
    const store = await readSessionStore(target.path);
    for (const [key, e] of Object.entries(store)) {
      if (activeMinutes !== undefined && now - e.updatedAt > activeMinutes * 60_000) continue;
      const agentId = parseAgentSessionKey(key)?.agentId ?? target.agentId;
      const defaultModel = resolveAgent(config, agentId, stateDir, ctx.env).modelRef;
      const provider = e.providerOverride ?? e.modelProvider;
      const model = e.modelOverride ?? e.model;
      rows.push({
        agentId,
        key,
        kind: kindOf(key, e),
        sessionId: e.sessionId,
        updatedAt: e.updatedAt,
        ageMs: Math.max(0, now - e.updatedAt),
        ...(e.label ? { label: e.label } : {}),
        ...(e.chatType ? { chatType: e.chatType } : {}),
        ...(provider ? { modelProvider: provider } : {}),
        model: model ? (provider && !model.includes("/") ? `${provider}/${model}` : model) : defaultModel,
        ...(e.inputTokens !== undefined ? { inputTokens: e.inputTokens } : {}),
        ...(e.outputTokens !== undefined ? { outputTokens: e.outputTokens } : {}),
        ...(e.totalTokens !== undefined ? { totalTokens: e.totalTokens } : {}),
        ...(e.contextTokens !== undefined ? { contextTokens: e.contextTokens } : {}),
        ...(e.abortedLastRun ? { abortedLastRun: true } : {}),
        ...(e.systemSent ? { systemSent: true } : {}),
        ...(str(e["thinkingLevel"]) ? { thinkingLevel: str(e["thinkingLevel"]) } : {}),
        ...(str(e["verboseLevel"]) ? { verboseLevel: str(e["verboseLevel"]) } : {}),
        ...(num(e["compactionCount"]) ? { compactionCount: num(e["compactionCount"]) } : {}),
      });
    }
  }
  rows.sort((a, b) => b.updatedAt - a.updatedAt);
  const aggregate = opts.allAgents === true || targets.length > 1;

  if (opts.json) {
    printJson({
      path: aggregate ? null : (targets[0]?.path ?? null),
      ...(aggregate ? { stores: targets, allAgents: true } : {}),
      count: rows.length,
      activeMinutes: activeMinutes ?? null,
      sessions: rows,
    });
    return;
  }
  const out: string[] = [
    aggregate
      ? `Session stores: ${targets.length} (${targets.map((t) => t.agentId).join(", ")})`
      : `Session store: ${targets[0]?.path ?? ""}`,
    `Sessions listed: ${rows.length}`,
  ];
  if (activeMinutes !== undefined) out.push(`Filtered to last ${activeMinutes} minute(s)`);
  if (rows.length === 0) {
    out.push("No sessions found.");
  } else {
    const headers = [
      ...(aggregate ? ["Agent"] : []),
      "Kind",
      "Key",
      "Age",
      "Model",
      "Tokens (ctx %)",
      "Flags",
    ];
    out.push(
      table(
        headers,
        rows.map((r) => [
          ...(aggregate ? [r.agentId] : []),
          r.kind,
          r.key,
          ageText(r.ageMs),
          r.model,
          tokensText(r),
          opts.verbose ? flagsText(r) : flagsText(r).replace(/ ?id:\S+$/, ""),
        ]),
      ),
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);
}

export function registerSessionsCommands(program: Command): void {
  program
    .command("sessions")
    .description("list the stored conversation sessions")
    .option("--agent <id>", "the agent whose sessions to list (default: the default agent)")
    .option("--all-agents", "list the sessions of every configured agent")
    .option("--store <path>", "read this sessions.json instead")
    .option("--active <minutes>", "only sessions updated within the last N minutes")
    .option("--json", "machine-readable output")
    .option("--verbose", "show session ids too")
    .action((opts: SessionsOptions) => sessionsCommand(opts));
}

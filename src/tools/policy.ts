import type { OpenClawConfig } from "../config/schema.ts";

// Tool policy (reference-agent §2.2–§2.4): which tools a run may offer the model. Pure: config in,
// allowed names out. Tools not allowed are never sent to the provider.

/** Every built-in tool name (reference-agent §2.1): `group:openclaw`. */
export const BUILTIN_TOOL_NAMES: readonly string[] = [
  "read",
  "write",
  "edit",
  "apply_patch",
  "exec",
  "bash",
  "process",
  "web_search",
  "web_fetch",
  "browser",
  "canvas",
  "nodes",
  "image",
  "message",
  "cron",
  "gateway",
  "sessions_list",
  "sessions_history",
  "sessions_send",
  "sessions_spawn",
  "session_status",
  "subagents",
  "agents_list",
  "memory_search",
  "memory_get",
];

/** Reference-agent §2.3. */
export const TOOL_GROUPS: Readonly<Record<string, readonly string[]>> = {
  "group:fs": ["read", "write", "edit", "apply_patch"],
  "group:runtime": ["exec", "bash", "process"],
  "group:sessions": [
    "sessions_list",
    "sessions_history",
    "sessions_send",
    "sessions_spawn",
    "session_status",
  ],
  "group:memory": ["memory_search", "memory_get"],
  "group:web": ["web_search", "web_fetch"],
  "group:ui": ["browser", "canvas"],
  "group:automation": ["cron", "gateway"],
  "group:messaging": ["message"],
  "group:nodes": ["nodes"],
  "group:openclaw": BUILTIN_TOOL_NAMES,
};

export type ToolProfileId = "minimal" | "coding" | "messaging" | "full";

/** Reference-agent §2.2; `full` restricts nothing (same as unset). */
const PROFILE_ALLOW: Readonly<Record<ToolProfileId, readonly string[] | undefined>> = {
  minimal: ["session_status"],
  coding: ["group:fs", "group:runtime", "group:sessions", "group:memory", "image"],
  messaging: ["group:messaging", "sessions_list", "sessions_history", "sessions_send", "session_status"],
  full: undefined,
};

/** Other spellings OpenClaw accepts for a tool in policies and calls. */
const NAME_ALIASES: Readonly<Record<string, string>> = { bash: "exec", "apply-patch": "apply_patch" };

export interface ToolPolicyInput {
  /** The parsed config (`tools.*`, `agents.defaults.tools`, `agents.list[].tools`). */
  config: OpenClawConfig;
  /** The agent whose `agents.list[].tools` (over `agents.defaults.tools`) narrows the global policy. */
  agentId?: string;
  /** Provider id of the run's model, for `tools.byProvider["<provider>"]`. */
  provider?: string;
  /** Model id, for `tools.byProvider["<provider>/<model>"]` (preferred over the bare provider key). */
  modelId?: string;
}

export interface ToolPolicyResult {
  /** The names from the input that may be offered, in input order and spelling. */
  allowed: string[];
  /** Config problems worth a log line (an allowlist naming only unknown tools, ignored). */
  warnings: string[];
}

interface PolicyStep {
  label: string;
  allow?: readonly string[] | undefined;
  deny?: readonly string[] | undefined;
}

type ToolsConfig = OpenClawConfig["tools"];
type AgentToolsConfig = NonNullable<OpenClawConfig["agents"]["defaults"]["tools"]>;
type ByProvider = ToolsConfig["byProvider"];

/**
 * Filters `names` (the tools this run could offer) through the policy chain of reference-agent §2.4:
 * profile → provider profile → global allow/deny → provider allow/deny → agent allow/deny → agent
 * provider allow/deny. Each step can only narrow; within a step deny wins; an empty or absent allow
 * means everything. Entries match case-insensitively, accept `group:*` names and `*` wildcards.
 * Never throws.
 */
export function resolveAllowedTools(names: readonly string[], input: ToolPolicyInput): ToolPolicyResult {
  const warnings: string[] = [];
  const known = new Set([...BUILTIN_TOOL_NAMES, ...names].map(normalizeToolName));
  const steps = policySteps(input).map((step) => dropUnknownAllow(step, known, warnings));
  const matchers = steps.map((s) => ({
    allow: s.allow?.length ? compile(s.allow) : undefined,
    deny: compile(s.deny ?? []),
  }));
  const allowed = names.filter((name) => {
    const n = normalizeToolName(name);
    return matchers.every((m) => !m.deny(n) && (m.allow === undefined || m.allow(n)));
  });
  return { allowed, warnings };
}

function policySteps(ctx: ToolPolicyInput): PolicyStep[] {
  const { config } = ctx;
  const global = config.tools;
  const agent = agentTools(config, ctx.agentId);
  const globalByProvider = lookupByProvider(global.byProvider, ctx);
  const agentByProvider = lookupByProvider(agent?.byProvider, ctx);
  const alsoAllow = [...(global.alsoAllow ?? []), ...(agent?.alsoAllow ?? [])];
  return [
    profileStep("profile", agent?.profile ?? global.profile, alsoAllow),
    profileStep("provider profile", agentByProvider?.profile ?? globalByProvider?.profile, alsoAllow),
    scopeStep("tools", global),
    scopeStep(`tools.byProvider`, globalByProvider),
    scopeStep(`agents.list[${ctx.agentId ?? ""}].tools`, agent),
    scopeStep(`agents.list[${ctx.agentId ?? ""}].tools.byProvider`, agentByProvider),
  ];
}

/** `agents.defaults.tools` overlaid key by key with the agent's own `tools`. */
function agentTools(config: OpenClawConfig, agentId: string | undefined): AgentToolsConfig | undefined {
  const defaults = config.agents.defaults.tools;
  const id = agentId?.trim().toLowerCase();
  const entry =
    id === undefined ? undefined : config.agents.list?.find((a) => a.id.trim().toLowerCase() === id);
  if (!defaults && !entry?.tools) return undefined;
  return { ...defaults, ...entry?.tools };
}

/** `byProvider["provider/model"]`, else `byProvider["provider"]`; keys compare case-insensitively. */
function lookupByProvider(
  byProvider: ByProvider,
  ctx: ToolPolicyInput,
): NonNullable<ByProvider>[string] | undefined {
  if (!byProvider || !ctx.provider) return undefined;
  const keys = new Map(Object.entries(byProvider).map(([k, v]) => [k.trim().toLowerCase(), v]));
  const provider = ctx.provider.trim().toLowerCase();
  const model = ctx.modelId?.trim().toLowerCase();
  return (model ? keys.get(`${provider}/${model}`) : undefined) ?? keys.get(provider);
}

function profileStep(label: string, profile: ToolProfileId | undefined, alsoAllow: string[]): PolicyStep {
  const allow = profile ? PROFILE_ALLOW[profile] : undefined;
  return { label, allow: allow ? [...allow, ...alsoAllow] : undefined };
}

function scopeStep(
  label: string,
  scope:
    | { allow?: string[] | undefined; alsoAllow?: string[] | undefined; deny?: string[] | undefined }
    | undefined,
): PolicyStep {
  if (!scope) return { label };
  const allow = scope.allow?.length ? [...scope.allow, ...(scope.alsoAllow ?? [])] : undefined;
  return { label, allow, deny: scope.deny };
}

/**
 * An allowlist that names only unknown tools (say, a plugin that is not loaded) is ignored with a
 * warning rather than disabling every tool (reference-agent §2.4).
 */
function dropUnknownAllow(step: PolicyStep, known: ReadonlySet<string>, warnings: string[]): PolicyStep {
  if (!step.allow?.length) return step;
  const isKnown = (entry: string) => {
    const n = normalizeToolName(entry);
    return n.includes("*") || Object.hasOwn(TOOL_GROUPS, n) || known.has(n);
  };
  if (step.allow.some(isKnown)) return step;
  warnings.push(
    `${step.label}.allow names only unknown tools (${step.allow.join(", ")}); ignoring that allowlist`,
  );
  return { ...step, allow: undefined };
}

/** Lower-cased, trimmed, aliases folded (`bash` → `exec`). */
export function normalizeToolName(name: string): string {
  const n = name.trim().toLowerCase();
  return Object.hasOwn(NAME_ALIASES, n) ? NAME_ALIASES[n]! : n;
}

/** A predicate over normalized names for a list of names, groups and `*` patterns. */
function compile(entries: readonly string[]): (name: string) => boolean {
  const exact = new Set<string>();
  const patterns: RegExp[] = [];
  for (const entry of entries) {
    const n = normalizeToolName(entry);
    const group = Object.hasOwn(TOOL_GROUPS, n) ? TOOL_GROUPS[n] : undefined;
    if (group) for (const g of group) exact.add(normalizeToolName(g));
    else if (n.includes("*")) patterns.push(globToRegExp(n));
    else exact.add(n);
  }
  return (name) => exact.has(name) || patterns.some((p) => p.test(name));
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${body}$`);
}

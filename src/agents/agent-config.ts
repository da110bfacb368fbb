import path from "node:path";
import { defaultWorkspaceDir, expandHome } from "../config/paths.ts";
import type { OpenClawConfig } from "../config/schema.ts";
import { DEFAULT_MODEL_REF } from "../models/model-ref.ts";
import { DEFAULT_AGENT_ID, normalizeAgentId } from "../sessions/session-key.ts";

export interface ResolvedAgent {
  id: string;
  name: string | undefined;
  isDefault: boolean;
  workspaceDir: string;
  agentDir: string;
  modelRef: string;
  fallbacks: string[];
}

type AgentEntry = NonNullable<NonNullable<OpenClawConfig["agents"]>["list"]>[number];

function agentList(config: OpenClawConfig): AgentEntry[] {
  return config.agents?.list ?? [];
}

/** The default agent: the entry marked `default`, else the first, else `main`. */
export function defaultAgentId(config: OpenClawConfig): string {
  const list = agentList(config);
  const chosen = list.find((a) => a.default) ?? list[0];
  return normalizeAgentId(chosen?.id ?? DEFAULT_AGENT_ID);
}

export function listAgentIds(config: OpenClawConfig): string[] {
  const ids = agentList(config).map((a) => normalizeAgentId(a.id));
  return ids.length > 0 ? [...new Set(ids)] : [DEFAULT_AGENT_ID];
}

function primaryOf(model: unknown): { primary?: string; fallbacks?: string[] } {
  if (typeof model === "string") return { primary: model };
  if (model && typeof model === "object") return model as { primary?: string; fallbacks?: string[] };
  return {};
}

/** Everything about one agent the runtime needs, with OpenClaw's defaults (reference-gateway §3). */
export function resolveAgent(
  config: OpenClawConfig,
  agentId: string,
  stateDir: string,
  env: NodeJS.ProcessEnv,
): ResolvedAgent {
  const id = normalizeAgentId(agentId);
  const entry = agentList(config).find((a) => normalizeAgentId(a.id) === id);
  const isDefault = id === defaultAgentId(config);
  const defaults = config.agents?.defaults;
  const configuredWorkspace = entry?.workspace ?? (isDefault ? defaults?.workspace : undefined);
  const workspaceDir = configuredWorkspace
    ? expandHome(configuredWorkspace, env)
    : isDefault
      ? defaultWorkspaceDir(env)
      : path.join(stateDir, `workspace-${id}`);
  const agentDir = entry?.agentDir
    ? expandHome(entry.agentDir, env)
    : path.join(stateDir, "agents", id, "agent");
  const own = primaryOf(entry?.model);
  const base = primaryOf(defaults?.model);
  return {
    id,
    name: entry?.name,
    isDefault,
    workspaceDir,
    agentDir,
    modelRef: own.primary ?? base.primary ?? DEFAULT_MODEL_REF,
    fallbacks: own.fallbacks ?? base.fallbacks ?? [],
  };
}

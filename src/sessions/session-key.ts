/** Session keys (reference-gateway §5): lowercase, `agent:<agentId>:<rest>`. */
export const DEFAULT_AGENT_ID = "main";
export const MAIN_KEY = "main";

/** Agent ids are normalized to `[a-z0-9_-]`, at most 64 characters, `main` as the fallback. */
export function normalizeAgentId(id: string | undefined): string {
  const cleaned = (id ?? "")
    .trim()
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 64);
  return cleaned || DEFAULT_AGENT_ID;
}

export function mainSessionKey(agentId: string): string {
  return `agent:${normalizeAgentId(agentId)}:${MAIN_KEY}`;
}

export interface ParsedSessionKey {
  agentId: string;
  rest: string;
}

/** `agent:<id>:<rest>` → parts; `undefined` for keys of another shape (`global`, `hook:…`, legacy). */
export function parseAgentSessionKey(key: string): ParsedSessionKey | undefined {
  const m = /^agent:([^:]+):(.+)$/.exec(key.trim().toLowerCase());
  if (!m) return undefined;
  return { agentId: m[1]!, rest: m[2]! };
}

/**
 * Canonical form of a key a client sent: lowercase; `main` alone means the default agent's main
 * session; a bare key without the `agent:` prefix belongs to the default agent.
 */
export function canonicalSessionKey(key: string, defaultAgentId: string): string {
  const k = key.trim().toLowerCase();
  if (k === MAIN_KEY) return mainSessionKey(defaultAgentId);
  if (k === "global" || k.startsWith("agent:") || k.startsWith("hook:") || k.startsWith("acp:")) return k;
  return `agent:${normalizeAgentId(defaultAgentId)}:${k}`;
}

export function agentIdOfSessionKey(key: string, defaultAgentId: string): string {
  return parseAgentSessionKey(key)?.agentId ?? normalizeAgentId(defaultAgentId);
}

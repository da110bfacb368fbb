import { isPlainObject } from "../../config/includes.ts";
import { normalizeAccountId } from "../../routing/agent-route.ts";
import { normalizeAgentId } from "../../sessions/session-key.ts";

// Pure edits of the config's source tree for `openclaw agents add|delete` (2.26
// `applyAgentConfig`, `pruneAgentConfig`, `applyAgentBindings`). They work on the tree as written,
// never on the defaulted config, so writeConfig keeps every key they do not touch.

type Tree = Record<string, unknown>;
type Entry = Record<string, unknown> & { id?: unknown };

export interface BindingMatch {
  channel: string;
  accountId?: string;
}

export interface NewBinding {
  agentId: string;
  match: BindingMatch;
}

function agentsOf(tree: Tree): Tree {
  return isPlainObject(tree["agents"]) ? (tree["agents"] as Tree) : {};
}

export function agentEntries(tree: Tree): Entry[] {
  const list = agentsOf(tree)["list"];
  return Array.isArray(list) ? list.filter((e): e is Entry => isPlainObject(e)) : [];
}

function entryId(e: Entry): string {
  return normalizeAgentId(typeof e.id === "string" ? e.id : undefined);
}

export function hasAgent(tree: Tree, agentId: string): boolean {
  return agentEntries(tree).some((e) => entryId(e) === agentId);
}

/**
 * Adds an agent entry. An empty list first gets an entry for the current default agent, so that
 * adding a second agent does not silently make it the default (the first entry is the default
 * when none is marked, reference-gateway §3).
 */
export function withAgent(
  tree: Tree,
  defaultId: string,
  entry: { id: string; name?: string; workspace: string; agentDir: string; model?: string },
): Tree {
  const list = agentEntries(tree);
  const next: Entry[] = [...list];
  if (next.length === 0 && entry.id !== defaultId) next.push({ id: defaultId });
  next.push({
    id: entry.id,
    ...(entry.name ? { name: entry.name } : {}),
    workspace: entry.workspace,
    agentDir: entry.agentDir,
    ...(entry.model ? { model: entry.model } : {}),
  });
  return { ...tree, agents: { ...agentsOf(tree), list: next } };
}

/**
 * Removes the agent's entry, its bindings and its name in `tools.agentToAgent.allow`; empty
 * containers are dropped rather than left as `[]`.
 */
export function withoutAgent(
  tree: Tree,
  agentId: string,
): { tree: Tree; removedBindings: number; removedAllow: number } {
  const next: Tree = { ...tree };
  const list = agentEntries(tree).filter((e) => entryId(e) !== agentId);
  const agents = { ...agentsOf(tree) };
  if (list.length > 0) agents["list"] = list;
  else delete agents["list"];
  if (isPlainObject(tree["agents"]) || list.length > 0) next["agents"] = agents;

  const bindings = Array.isArray(tree["bindings"]) ? (tree["bindings"] as unknown[]) : [];
  const kept = bindings.filter(
    (b) => !(isPlainObject(b) && normalizeAgentId(String(b["agentId"])) === agentId),
  );
  if (kept.length > 0) next["bindings"] = kept;
  else delete next["bindings"];

  let removedAllow = 0;
  const tools = isPlainObject(tree["tools"]) ? (tree["tools"] as Tree) : undefined;
  const a2a = tools && isPlainObject(tools["agentToAgent"]) ? (tools["agentToAgent"] as Tree) : undefined;
  if (tools && a2a && Array.isArray(a2a["allow"])) {
    const allow = (a2a["allow"] as unknown[]).filter((x) => x !== agentId);
    removedAllow = (a2a["allow"] as unknown[]).length - allow.length;
    const nextA2a: Tree = { ...a2a };
    if (allow.length > 0) nextA2a["allow"] = allow;
    else delete nextA2a["allow"];
    next["tools"] = { ...tools, agentToAgent: nextA2a };
  }
  return { tree: next, removedBindings: bindings.length - kept.length, removedAllow };
}

/**
 * Parses `--bind <channel[:accountId]>` values. Unknown channels and an empty account after the
 * colon are errors; without an account the binding covers the channel's default account.
 */
export function parseBindSpecs(
  agentId: string,
  specs: string[],
  channels: readonly string[],
): { bindings: NewBinding[]; errors: string[] } {
  const bindings: NewBinding[] = [];
  const errors: string[] = [];
  for (const raw of specs) {
    const spec = raw.trim();
    if (!spec) continue;
    const colon = spec.indexOf(":");
    const channelRaw = colon < 0 ? spec : spec.slice(0, colon);
    const accountRaw = colon < 0 ? undefined : spec.slice(colon + 1).trim();
    const channel = channelRaw.trim().toLowerCase();
    if (!channels.includes(channel)) {
      errors.push(`Unknown channel "${channelRaw}".`);
      continue;
    }
    if (accountRaw === "") {
      errors.push(`Invalid binding "${spec}" (empty account id).`);
      continue;
    }
    bindings.push({ agentId, match: { channel, ...(accountRaw ? { accountId: accountRaw } : {}) } });
  }
  return { bindings, errors };
}

/** `telegram accountId=ops peer=direct:42`: one binding on one line (2.26 `describeBinding`). */
export function describeBinding(b: { match: object }): string {
  const m = b.match as Record<string, unknown>;
  const parts = [String(m["channel"])];
  if (m["accountId"]) parts.push(`accountId=${String(m["accountId"])}`);
  const peer = isPlainObject(m["peer"]) ? m["peer"] : undefined;
  if (peer) parts.push(`peer=${String(peer["kind"])}:${String(peer["id"])}`);
  if (m["guildId"]) parts.push(`guild=${String(m["guildId"])}`);
  if (m["teamId"]) parts.push(`team=${String(m["teamId"])}`);
  return parts.join(" ");
}

/** Channel, account, peer, guild and team: two bindings with the same key route the same messages. */
function matchKey(m: Record<string, unknown>): string {
  const peer = isPlainObject(m["peer"]) ? m["peer"] : {};
  const account = typeof m["accountId"] === "string" && m["accountId"].trim() === "*" ? "*" : undefined;
  return [
    String(m["channel"]).toLowerCase(),
    account ?? normalizeAccountId(typeof m["accountId"] === "string" ? m["accountId"] : undefined),
    String(peer["kind"] ?? ""),
    String(peer["id"] ?? ""),
    String(m["guildId"] ?? ""),
    String(m["teamId"] ?? ""),
  ].join("|");
}

/**
 * Appends bindings, skipping those that repeat one of this agent's and refusing (as a conflict)
 * those another agent already holds: the first binding in a tier wins, so a duplicate for another
 * agent would never route anything.
 */
export function withBindings(
  tree: Tree,
  wanted: NewBinding[],
): {
  tree: Tree;
  added: NewBinding[];
  skipped: NewBinding[];
  conflicts: { binding: NewBinding; existingAgentId: string }[];
} {
  const existing = Array.isArray(tree["bindings"]) ? (tree["bindings"] as unknown[]) : [];
  const owners = new Map<string, string>();
  for (const b of existing) {
    if (!isPlainObject(b) || !isPlainObject(b["match"])) continue;
    const key = matchKey(b["match"] as Record<string, unknown>);
    if (!owners.has(key)) owners.set(key, normalizeAgentId(String(b["agentId"])));
  }
  const added: NewBinding[] = [];
  const skipped: NewBinding[] = [];
  const conflicts: { binding: NewBinding; existingAgentId: string }[] = [];
  for (const b of wanted) {
    const key = matchKey(b.match as unknown as Record<string, unknown>);
    const owner = owners.get(key);
    if (owner === b.agentId) skipped.push(b);
    else if (owner) conflicts.push({ binding: b, existingAgentId: owner });
    else {
      owners.set(key, b.agentId);
      added.push(b);
    }
  }
  if (added.length === 0) return { tree, added, skipped, conflicts };
  return { tree: { ...tree, bindings: [...existing, ...added] }, added, skipped, conflicts };
}

function bindingsOf(tree: Tree): unknown[] {
  return Array.isArray(tree["bindings"]) ? (tree["bindings"] as unknown[]) : [];
}

function isChannelOnly(m: Record<string, unknown>): boolean {
  return !m["accountId"] && !m["peer"] && !m["guildId"] && !m["teamId"];
}

/**
 * `agents bind` with an account: a channel-only binding this agent already has is narrowed to
 * that account in place rather than duplicated (the docs' "upgrade" of `--bind telegram` to
 * `--bind telegram:ops`). Returns the bindings still to add.
 */
export function withUpgradedBindings(
  tree: Tree,
  wanted: NewBinding[],
): { tree: Tree; updated: NewBinding[]; rest: NewBinding[] } {
  const next = bindingsOf(tree).map((b) => (isPlainObject(b) ? { ...b } : b));
  const updated: NewBinding[] = [];
  const rest: NewBinding[] = [];
  for (const w of wanted) {
    const i = w.match.accountId
      ? next.findIndex(
          (b) =>
            isPlainObject(b) &&
            normalizeAgentId(String(b["agentId"])) === w.agentId &&
            isPlainObject(b["match"]) &&
            String((b["match"] as Tree)["channel"]).toLowerCase() === w.match.channel &&
            isChannelOnly(b["match"] as Tree),
        )
      : -1;
    if (i < 0) {
      rest.push(w);
      continue;
    }
    const b = next[i] as Tree;
    b["match"] = { ...(b["match"] as Tree), accountId: w.match.accountId };
    updated.push(w);
  }
  return { tree: updated.length > 0 ? { ...tree, bindings: next } : tree, updated, rest };
}

/**
 * Removes this agent's bindings that route the same messages as `specs` (all of them with
 * `all`). A spec held by another agent is a conflict and stays; one nobody holds is missing.
 */
export function withoutBindings(
  tree: Tree,
  agentId: string,
  specs: NewBinding[] | "all",
): {
  tree: Tree;
  removed: Tree[];
  missing: NewBinding[];
  conflicts: { binding: NewBinding; existingAgentId: string }[];
} {
  const all = bindingsOf(tree);
  const ownerOf = (b: unknown): string | undefined =>
    isPlainObject(b) ? normalizeAgentId(String(b["agentId"])) : undefined;
  const keyOf = (b: unknown): string | undefined =>
    isPlainObject(b) && isPlainObject(b["match"]) ? matchKey(b["match"] as Tree) : undefined;
  const wantedKeys =
    specs === "all" ? undefined : new Set(specs.map((s) => matchKey(s.match as unknown as Tree)));
  const removed: Tree[] = [];
  const kept = all.filter((b) => {
    const hit = ownerOf(b) === agentId && (wantedKeys === undefined || wantedKeys.has(keyOf(b) ?? ""));
    if (hit) removed.push(b as Tree);
    return !hit;
  });
  const missing: NewBinding[] = [];
  const conflicts: { binding: NewBinding; existingAgentId: string }[] = [];
  for (const s of specs === "all" ? [] : specs) {
    const key = matchKey(s.match as unknown as Tree);
    if (removed.some((b) => keyOf(b) === key)) continue;
    const other = all.find((b) => keyOf(b) === key);
    if (other) conflicts.push({ binding: s, existingAgentId: ownerOf(other) ?? "" });
    else missing.push(s);
  }
  const next: Tree = { ...tree };
  if (kept.length > 0) next["bindings"] = kept;
  else delete next["bindings"];
  return { tree: removed.length > 0 ? next : tree, removed, missing, conflicts };
}

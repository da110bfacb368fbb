import { randomUUID } from "node:crypto";
import { rename } from "node:fs/promises";
import path from "node:path";
import type { Message } from "@earendil-works/pi-ai";
import { z } from "zod";
import { listAgentIds, resolveAgent } from "../../agents/agent-config.ts";
import { compactSession } from "../../agents/compact-session.ts";
import { ElevatedLevel, ThinkingLevel, VerboseLevel } from "../../config/schema/common.ts";
import { GatewayError, isErrno } from "../../infra/errors.ts";
import { resolveModel, UnknownModelError } from "../../models/catalog.ts";
import { formatModelRef, parseModelRef } from "../../models/model-ref.ts";
import { modelChoices, pickModel } from "../../routing/commands/model-choices.ts";
import { branchMessages } from "../../sessions/history.ts";
import { archiveSuffix, resetSession } from "../../sessions/reset.ts";
import { normalizeAgentId } from "../../sessions/session-key.ts";
import {
  readSessionStore,
  type SessionEntry,
  type SessionMap,
  sessionStorePath,
  sessionsDir,
  transcriptFileName,
  transcriptPath,
  updateSessionStore,
} from "../../sessions/store.ts";
import { readTranscript } from "../../sessions/transcript.ts";
import { defineMethod, type MethodContext } from "../method-registry.ts";
import { resolveKey } from "./chat.ts";

export const sessionsList = defineMethod({
  name: "sessions.list",
  scope: "operator.read",
  params: z.object({
    limit: z.number().int().positive().optional(),
    activeMinutes: z.number().positive().optional(),
    agentId: z.string().optional(),
    search: z.string().optional(),
    label: z.string().optional(),
    includeGlobal: z.boolean().optional(),
    includeUnknown: z.boolean().optional(),
    includeDerivedTitles: z.boolean().optional(),
    includeLastMessage: z.boolean().optional(),
    spawnedBy: z.string().optional(),
  }),
  async handle(p, ctx) {
    const config = ctx.services.config.current.config;
    const agentIds = p.agentId ? [normalizeAgentId(p.agentId)] : listAgentIds(config);
    const now = Date.now();
    const rows = [];
    for (const agentId of agentIds) {
      const store = await readSessionStore(sessionStorePath(ctx.services.paths.stateDir, agentId));
      for (const [key, e] of Object.entries(store)) {
        if (p.activeMinutes && now - e.updatedAt > p.activeMinutes * 60_000) continue;
        if (
          p.search &&
          !key.includes(p.search.toLowerCase()) &&
          !(e.label ?? "").toLowerCase().includes(p.search.toLowerCase())
        )
          continue;
        if (p.label && e.label !== p.label) continue;
        rows.push({
          key,
          agentId,
          sessionId: e.sessionId,
          updatedAt: e.updatedAt,
          chatType: e.chatType,
          label: e.label,
          modelProvider: e.modelProvider,
          model: e.model,
          inputTokens: e.inputTokens,
          outputTokens: e.outputTokens,
          totalTokens: e.totalTokens,
          contextTokens: e.contextTokens,
          abortedLastRun: e.abortedLastRun,
        });
      }
    }
    rows.sort((a, b) => b.updatedAt - a.updatedAt);
    const sessions = rows.slice(0, p.limit ?? rows.length);
    return { ts: now, count: sessions.length, sessions };
  },
});

/**
 * Starts a new session id for the key; the old transcript is kept, renamed `*.reset.<ts>` as
 * OpenClaw archives it (reference-gateway §4).
 */
export const sessionsReset = defineMethod({
  name: "sessions.reset",
  scope: "operator.admin",
  params: z.object({ key: z.string().min(1), reason: z.enum(["new", "reset"]).optional() }),
  async handle(p, ctx) {
    const { sessionKey, agentId } = resolveKey(ctx, p.key);
    ctx.services.runs.abort(sessionKey);
    const { previous, next } = await resetSession(
      ctx.services.paths.stateDir,
      agentId,
      sessionKey,
      new Date(),
    );
    return {
      ok: true,
      key: sessionKey,
      sessionId: next.sessionId,
      ...(previous ? { previousSessionId: previous.sessionId } : {}),
    };
  },
});

export const sessionsDelete = defineMethod({
  name: "sessions.delete",
  scope: "operator.admin",
  params: z.object({ key: z.string().min(1), deleteTranscript: z.boolean().optional() }),
  async handle(p, ctx) {
    const { sessionKey, agentId } = resolveKey(ctx, p.key);
    const dir = sessionsDir(ctx.services.paths.stateDir, agentId);
    ctx.services.runs.abort(sessionKey);
    const old = await updateSessionStore(sessionStorePath(ctx.services.paths.stateDir, agentId), (store) => {
      const e = store[sessionKey];
      delete store[sessionKey];
      return e;
    });
    if (!old) throw new GatewayError("INVALID_REQUEST", `unknown session: ${sessionKey}`);
    const file = transcriptPath(old, dir);
    await rename(file, `${file}${archiveSuffix("deleted", new Date())}`).catch((err: unknown) => {
      if (!isErrno(err, "ENOENT")) throw err;
    });
    return { ok: true, key: sessionKey, deleted: true };
  },
});

/** One line of a preview: who spoke and what, cut to `maxChars`. */
interface PreviewItem {
  role: "user" | "assistant" | "tool" | "system" | "other";
  text: string;
}

function previewItem(m: Message, maxChars: number): PreviewItem | undefined {
  const blocks = typeof m.content === "string" ? [{ type: "text" as const, text: m.content }] : m.content;
  let text = blocks
    .flatMap((b) => (b.type === "text" ? [b.text] : []))
    .join("\n")
    .trim();
  if (!text && m.role === "assistant") {
    const calls = m.content.flatMap((b) => (b.type === "toolCall" ? [b.name] : []));
    if (calls.length > 0) text = `[tool call: ${calls.join(", ")}]`;
  }
  if (!text) return undefined;
  const role =
    m.role === "toolResult" ? "tool" : m.role === "user" || m.role === "assistant" ? m.role : "other";
  return { role, text: text.length > maxChars ? `${text.slice(0, maxChars - 1)}…` : text };
}

/**
 * The last messages of several sessions at once, for session pickers (reference-gateway §2
 * `sessions.preview`): per key `ok`, `empty` (no messages yet), `missing` (no such session) or
 * `error` (its files could not be read); at most 64 keys, 12 items and 240 chars each by default.
 */
export const sessionsPreview = defineMethod({
  name: "sessions.preview",
  scope: "operator.read",
  params: z.object({
    keys: z.array(z.string()).min(1),
    limit: z.number().int().min(1).optional(),
    maxChars: z.number().int().min(20).optional(),
  }),
  async handle(p, ctx) {
    const keys = p.keys
      .map((k) => k.trim())
      .filter(Boolean)
      .slice(0, 64);
    const limit = p.limit ?? 12;
    const maxChars = p.maxChars ?? 240;
    const stateDir = ctx.services.paths.stateDir;
    const previews = [];
    for (const key of keys) {
      const { sessionKey, agentId } = resolveKey(ctx, key);
      try {
        const entry = (await readSessionStore(sessionStorePath(stateDir, agentId)))[sessionKey];
        if (!entry) {
          previews.push({ key, status: "missing", items: [] });
          continue;
        }
        const file = transcriptPath(entry, sessionsDir(stateDir, agentId));
        const items = branchMessages((await readTranscript(file)).entries)
          .flatMap((m) => previewItem(m, maxChars) ?? [])
          .slice(-limit);
        previews.push({ key, status: items.length > 0 ? "ok" : "empty", items });
      } catch (err) {
        ctx.log.warn("session preview failed", { sessionKey, err });
        previews.push({ key, status: "error", items: [] });
      }
    }
    return { ts: Date.now(), previews };
  },
});

/** A settable field, or `null` to clear it (reference-gateway §2 `sessions.patch`). */
const clearable = <T extends z.ZodType>(t: T) => t.nullable().optional();

const PatchSchema = z.strictObject({
  key: z.string().min(1),
  label: clearable(z.string().trim().min(1).max(64)),
  model: clearable(z.string().trim().min(1)),
  spawnedBy: clearable(z.string().trim().min(1)),
  spawnDepth: clearable(z.number().int().nonnegative()),
  thinkingLevel: clearable(ThinkingLevel),
  verboseLevel: clearable(VerboseLevel),
  reasoningLevel: clearable(z.enum(["off", "on", "stream"])),
  elevatedLevel: clearable(ElevatedLevel),
  responseUsage: clearable(z.enum(["off", "tokens", "full", "on"])),
  execHost: clearable(z.enum(["sandbox", "gateway", "node"])),
  execSecurity: clearable(z.enum(["deny", "allowlist", "full"])),
  execAsk: clearable(z.enum(["off", "on-miss", "always"])),
  execNode: clearable(z.string().trim().min(1)),
  sendPolicy: clearable(z.enum(["allow", "deny"])),
  groupActivation: clearable(z.enum(["mention", "always"])),
});
type Patch = z.output<typeof PatchSchema>;

/** Fields stored on the entry as given (SES-11: they survive restarts with the store). */
const PLAIN_FIELDS = [
  "label",
  "spawnDepth",
  "thinkingLevel",
  "verboseLevel",
  "reasoningLevel",
  "elevatedLevel",
  "responseUsage",
  "execHost",
  "execSecurity",
  "execAsk",
  "execNode",
  "sendPolicy",
  "groupActivation",
] as const;

/**
 * Applies a patch to one entry (mutating it), or says why not. `model` goes through the same
 * choice rules as `/model` (alias, allowlist) and is stored as the provider/model override; the
 * agent's own default clears the override instead. A label must be unique in the store.
 */
function applyPatch(
  store: SessionMap,
  sessionKey: string,
  entry: SessionEntry,
  p: Patch,
  model: { provider: string; model: string } | null | undefined,
  isDefaultModel: boolean,
): string | undefined {
  if (p.label) {
    const holder = Object.entries(store).find(([k, e]) => k !== sessionKey && e.label === p.label);
    if (holder) return `label already in use: ${p.label}`;
  }
  if (p.spawnedBy !== undefined || p.spawnDepth !== undefined) {
    if (!sessionKey.includes(":subagent:"))
      return "spawnedBy/spawnDepth are only supported for subagent:* sessions";
    if (p.spawnedBy !== undefined && entry["spawnedBy"] !== undefined && entry["spawnedBy"] !== p.spawnedBy)
      return "spawnedBy cannot be changed once set";
    if (p.spawnedBy) entry["spawnedBy"] = p.spawnedBy;
  }
  const fields = entry as Record<string, unknown>;
  for (const field of PLAIN_FIELDS) {
    const value = p[field];
    if (value === null) delete fields[field];
    else if (value !== undefined) fields[field] = value;
  }
  if (model === null || (model && isDefaultModel)) {
    delete entry.providerOverride;
    delete entry.modelOverride;
  } else if (model) {
    entry.providerOverride = model.provider;
    entry.modelOverride = model.model;
  }
  if (model !== undefined && entry.authProfileOverrideSource === "user") {
    delete entry.authProfileOverride;
    delete entry.authProfileOverrideSource;
  }
  return undefined;
}

/** Resolves `model` like `/model` does: a number, alias or provider/model, within the allowlist. */
async function patchModel(
  ctx: MethodContext,
  agentId: string,
  text: string,
): Promise<{ provider: string; model: string; isDefault: boolean }> {
  const config = ctx.services.config.current.config;
  const agent = resolveAgent(config, agentId, ctx.services.paths.stateDir, ctx.services.env);
  const pick = pickModel(text, modelChoices(config, agent.modelRef, agent.fallbacks), config);
  if (!pick.ok) throw new GatewayError("INVALID_REQUEST", pick.message);
  const ref = parseModelRef(pick.ref);
  if (!ref) throw new GatewayError("INVALID_REQUEST", `invalid model: ${text}`);
  try {
    await resolveModel(ref, config);
  } catch (err) {
    if (err instanceof UnknownModelError) throw new GatewayError("INVALID_REQUEST", err.message);
    throw err;
  }
  const base = parseModelRef(agent.modelRef);
  const isDefault = base !== undefined && formatModelRef(base) === formatModelRef(ref);
  return { provider: ref.provider, model: ref.model, isDefault };
}

/** Per-session overrides (reference-gateway §2 `sessions.patch`); creates the entry if needed. */
export const sessionsPatch = defineMethod({
  name: "sessions.patch",
  scope: "operator.admin",
  params: PatchSchema,
  async handle(p, ctx) {
    const { sessionKey, agentId } = resolveKey(ctx, p.key);
    const stateDir = ctx.services.paths.stateDir;
    const file = sessionStorePath(stateDir, agentId);
    const dir = sessionsDir(stateDir, agentId);
    const model = typeof p.model === "string" ? await patchModel(ctx, agentId, p.model) : p.model;
    const outcome = await updateSessionStore(file, (store) => {
      const now = Date.now();
      const entry: SessionEntry = structuredClone(store[sessionKey]) ?? {
        sessionId: randomUUID(),
        updatedAt: now,
      };
      entry.sessionFile ??= path.join(dir, transcriptFileName(entry.sessionId, sessionKey));
      const error = applyPatch(store, sessionKey, entry, p, model, model?.isDefault === true);
      if (error) return { ok: false as const, error };
      store[sessionKey] = entry;
      return { ok: true as const, entry };
    });
    if (!outcome.ok) throw new GatewayError("INVALID_REQUEST", outcome.error);
    const entry = outcome.entry;
    const config = ctx.services.config.current.config;
    const fallback = parseModelRef(resolveAgent(config, agentId, stateDir, ctx.services.env).modelRef);
    return {
      ok: true,
      path: file,
      key: sessionKey,
      entry,
      resolved: {
        modelProvider: entry.providerOverride ?? fallback?.provider,
        model: entry.modelOverride ?? fallback?.model,
      },
    };
  },
});

/**
 * Compacts a session now, like `/compact` (reference-agent §3.4): older turns become a summary
 * entry written by the session's model; the transcript keeps every line. `maxLines` is accepted
 * for OpenClaw clients, whose 2.26 gateway trimmed the file to its last lines instead; a summary
 * keeps the transcript a valid tree, which trimming (dropping the header) does not.
 */
export const sessionsCompact = defineMethod({
  name: "sessions.compact",
  scope: "operator.admin",
  params: z.object({ key: z.string().min(1), maxLines: z.number().int().min(1).optional() }),
  async handle(p, ctx) {
    const { sessionKey, agentId } = resolveKey(ctx, p.key);
    const stateDir = ctx.services.paths.stateDir;
    const config = ctx.services.config.current.config;
    const entry = (await readSessionStore(sessionStorePath(stateDir, agentId)))[sessionKey];
    if (!entry) return { ok: true, key: sessionKey, compacted: false, reason: "no sessionId" };
    const timeoutMs = (config.agents?.defaults?.timeoutSeconds ?? 600) * 1000;
    const out = await compactSession({
      config,
      stateDir,
      env: ctx.services.env,
      agentId,
      sessionKey,
      now: () => new Date(),
      signal: AbortSignal.any([ctx.signal, AbortSignal.timeout(timeoutMs)]),
    });
    if (!out.ok) return { ok: true, key: sessionKey, compacted: false, reason: out.message };
    return {
      ok: true,
      key: sessionKey,
      compacted: true,
      summarized: out.summarized,
      tokensBefore: out.tokensBefore,
      tokensAfter: out.tokensAfter,
    };
  },
});

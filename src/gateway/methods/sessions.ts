import { rename } from "node:fs/promises";
import { z } from "zod";
import { listAgentIds } from "../../agents/agent-config.ts";
import { GatewayError, isErrno } from "../../infra/errors.ts";
import { archiveSuffix, resetSession } from "../../sessions/reset.ts";
import { normalizeAgentId } from "../../sessions/session-key.ts";
import {
  readSessionStore,
  sessionStorePath,
  sessionsDir,
  transcriptPath,
  updateSessionStore,
} from "../../sessions/store.ts";
import { defineMethod } from "../method-registry.ts";
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

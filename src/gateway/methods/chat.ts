import type { Message } from "@earendil-works/pi-ai";
import { z } from "zod";
import { defaultAgentId } from "../../agents/agent-config.ts";
import { shapeReply } from "../../agents/reply-directives.ts";
import { assistantText } from "../../agents/run-loop.ts";
import { GatewayError } from "../../infra/errors.ts";
import { branchMessages } from "../../sessions/history.ts";
import { agentIdOfSessionKey, canonicalSessionKey } from "../../sessions/session-key.ts";
import { readSessionStore, sessionStorePath, sessionsDir, transcriptPath } from "../../sessions/store.ts";
import { readTranscript } from "../../sessions/transcript.ts";
import { defineMethod, type MethodContext } from "../method-registry.ts";

/** Output cap of `chat.history` (DEFAULT_MAX_CHAT_HISTORY_MESSAGES_BYTES). */
const MAX_HISTORY_BYTES = 6 * 1024 * 1024;

export function resolveKey(ctx: MethodContext, key: string): { sessionKey: string; agentId: string } {
  const def = defaultAgentId(ctx.services.config.current.config);
  const sessionKey = canonicalSessionKey(key, def);
  return { sessionKey, agentId: agentIdOfSessionKey(sessionKey, def) };
}

export const chatSend = defineMethod({
  name: "chat.send",
  scope: "operator.write",
  params: z.object({
    sessionKey: z.string().min(1),
    message: z.string(),
    thinking: z.string().optional(),
    deliver: z.boolean().optional(),
    attachments: z.array(z.unknown()).optional(),
    timeoutMs: z.number().int().positive().optional(),
    idempotencyKey: z.string().min(1),
  }),
  async handle(p, ctx) {
    if (p.message.trim() === "") throw new GatewayError("INVALID_REQUEST", "message is empty");
    const { sessionKey, agentId } = resolveKey(ctx, p.sessionKey);
    const started = ctx.services.runs.start({
      sessionKey,
      agentId,
      text: p.message,
      channel: "webchat",
      idempotencyKey: p.idempotencyKey,
    });
    return { runId: started.runId, status: started.duplicate ? "in_flight" : "started" };
  },
});

export const chatAbort = defineMethod({
  name: "chat.abort",
  scope: "operator.write",
  params: z.object({ sessionKey: z.string().min(1), runId: z.string().optional() }),
  async handle(p, ctx) {
    const { sessionKey } = resolveKey(ctx, p.sessionKey);
    const aborted = ctx.services.runs.abort(sessionKey, p.runId);
    return { ok: true, aborted: aborted.length > 0, runIds: aborted };
  },
});

export const chatHistory = defineMethod({
  name: "chat.history",
  scope: "operator.read",
  params: z.object({ sessionKey: z.string().min(1), limit: z.number().int().min(1).max(1000).optional() }),
  async handle(p, ctx) {
    const { sessionKey, agentId } = resolveKey(ctx, p.sessionKey);
    const stateDir = ctx.services.paths.stateDir;
    const store = await readSessionStore(sessionStorePath(stateDir, agentId));
    const entry = store[sessionKey];
    if (!entry) return { sessionKey, sessionId: null, messages: [] };
    const file = transcriptPath(entry, sessionsDir(stateDir, agentId));
    // Silent answers (NO_REPLY) were never shown to the user; history does not show them either.
    const all = branchMessages((await readTranscript(file)).entries).filter((m) => !isSilentAnswer(m));
    const limited = all.slice(-(p.limit ?? 200));
    // Newest messages win when the cap bites: drop from the front.
    let bytes = 0;
    const out = [];
    for (let i = limited.length - 1; i >= 0; i--) {
      bytes += JSON.stringify(limited[i]).length;
      if (bytes > MAX_HISTORY_BYTES) break;
      out.unshift(limited[i]);
    }
    return {
      sessionKey,
      sessionId: entry.sessionId,
      messages: out,
      ...(out.length < limited.length ? { truncated: true } : {}),
    };
  },
});

function isSilentAnswer(m: Message): boolean {
  return (
    m.role === "assistant" &&
    m.content.every((c) => c.type === "text") &&
    m.content.length > 0 &&
    shapeReply(assistantText(m)).silent
  );
}

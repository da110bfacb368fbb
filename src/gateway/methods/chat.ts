import type { Message } from "@earendil-works/pi-ai";
import { z } from "zod";
import { defaultAgentId } from "../../agents/agent-config.ts";
import { shapeReply } from "../../agents/reply-directives.ts";
import { assistantText } from "../../agents/run-loop.ts";
import {
  AttachmentError,
  type ChatAttachment,
  ChatAttachmentSchema,
  prepareChatAttachments,
} from "../../channels/media/chat-attachments.ts";
import type { InboundMedia } from "../../channels/media/inbound-media.ts";
import { BYTES_PER_MB, DEFAULT_MEDIA_MAX_MB } from "../../channels/media/limits.ts";
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

/**
 * `chat.send` acks with a `runId` at once; the run's `chat` events follow. WebChat is a channel
 * like any other here: a message for a busy session follows the session's queue mode (reference-
 * agent §3.7), and one another run answers (merged into a collect turn, steered into the active
 * run) or the queue drops ends with a terminal `chat` event of its own that has nothing to show.
 */
export const chatSend = defineMethod({
  name: "chat.send",
  scope: "operator.write",
  params: z.object({
    sessionKey: z.string().min(1),
    message: z.string(),
    thinking: z.string().optional(),
    deliver: z.boolean().optional(),
    attachments: z.array(ChatAttachmentSchema).max(16).optional(),
    timeoutMs: z.number().int().positive().optional(),
    idempotencyKey: z.string().min(1),
  }),
  async handle(p, ctx) {
    const attachments = p.attachments ?? [];
    if (p.message.trim() === "" && attachments.length === 0)
      throw new GatewayError("INVALID_REQUEST", "message is empty");
    const { sessionKey, agentId } = resolveKey(ctx, p.sessionKey);
    const media = attachments.length > 0 ? await chatMedia(ctx, attachments) : undefined;
    const started = ctx.services.runs.start({
      sessionKey,
      agentId,
      text: media ? [p.message, ...media.notes].filter((t) => t.trim() !== "").join("\n") : p.message,
      ...(media?.images.length ? { images: media.images } : {}),
      channel: "webchat",
      idempotencyKey: p.idempotencyKey,
      queueModes: true,
      ...(p.thinking ? { thinking: p.thinking } : {}),
    });
    return { runId: started.runId, status: started.duplicate ? "in_flight" : "started" };
  },
});

/** Attachments saved and decoded like channel media; a bad one fails the request (MED-5). */
async function chatMedia(ctx: MethodContext, attachments: ChatAttachment[]): Promise<InboundMedia> {
  const defaults = ctx.services.config.current.config.agents?.defaults;
  const maxMb = defaults?.mediaMaxMb ?? DEFAULT_MEDIA_MAX_MB;
  try {
    return await prepareChatAttachments(attachments, {
      stateDir: ctx.services.paths.stateDir,
      limit: { maxBytes: Math.floor(maxMb * BYTES_PER_MB), source: "agents.defaults.mediaMaxMb" },
      maxEdgePx: defaults?.imageMaxDimensionPx ?? 1200,
    });
  } catch (err) {
    if (err instanceof AttachmentError) throw new GatewayError("INVALID_REQUEST", err.message);
    throw err;
  }
}

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

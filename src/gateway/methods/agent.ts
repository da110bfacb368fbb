import { z } from "zod";
import { defaultAgentId, listAgentIds } from "../../agents/agent-config.ts";
import { GatewayError } from "../../infra/errors.ts";
import { mainSessionKey, normalizeAgentId } from "../../sessions/session-key.ts";
import { readSessionStore, sessionStorePath } from "../../sessions/store.ts";
import { defineMethod } from "../method-registry.ts";
import { resolveKey } from "./chat.ts";

/**
 * `agent` answers twice with the same id (PROTO-11): "accepted" at once through `ack`, then the
 * final result when the run ends. Streaming goes out as `agent` events meanwhile.
 */
export const agent = defineMethod({
  name: "agent",
  scope: "operator.write",
  params: z
    .object({
      message: z.string(),
      idempotencyKey: z.string().min(1),
      agentId: z.string().optional(),
      sessionKey: z.string().optional(),
      sessionId: z.string().optional(),
      to: z.string().optional(),
      replyTo: z.string().optional(),
      thinking: z.string().optional(),
      deliver: z.boolean().optional(),
      channel: z.string().optional(),
      timeout: z.number().optional(),
      /** Global lane after the session's: `main` by default, `subagent`, `cron`, or a lane of its own. */
      lane: z.string().optional(),
      label: z.string().optional(),
      extraSystemPrompt: z.string().optional(),
    })
    .passthrough(),
  async handle(p, ctx) {
    if (p.message.trim() === "") throw new GatewayError("INVALID_REQUEST", "message is empty");
    const config = ctx.services.config.current.config;
    let target: { sessionKey: string; agentId: string };
    if (p.sessionKey) {
      target = resolveKey(ctx, p.sessionKey);
    } else {
      const agentId = normalizeAgentId(p.agentId ?? defaultAgentId(config));
      // An unknown id would silently create that agent's sessions and workspace.
      if (p.agentId !== undefined && !listAgentIds(config).includes(agentId))
        throw new GatewayError(
          "INVALID_REQUEST",
          `Unknown agent "${p.agentId}". Agents: ${listAgentIds(config).join(", ")}`,
        );
      target = { agentId, sessionKey: mainSessionKey(agentId) };
      if (p.sessionId) {
        const store = await readSessionStore(sessionStorePath(ctx.services.paths.stateDir, agentId));
        const found = Object.entries(store).find(([, e]) => e.sessionId === p.sessionId);
        target.sessionKey = found?.[0] ?? `agent:${agentId}:explicit:${p.sessionId.toLowerCase()}`;
      }
    }
    const started = ctx.services.runs.start({
      ...target,
      text: p.message,
      channel: p.channel ?? "cli",
      idempotencyKey: p.idempotencyKey,
      ...(p.thinking ? { thinking: p.thinking } : {}),
      ...(p.lane !== undefined ? { lane: p.lane } : {}),
    });
    ctx.ack({ runId: started.runId, status: "accepted", acceptedAt: Date.now() });
    const result = await started.done;
    if (result.status === "ok") {
      return {
        runId: result.runId,
        status: "ok",
        summary: "completed",
        result: {
          payloads: result.reply ? [{ text: result.reply }] : [],
          meta: { sessionKey: result.sessionKey, durationMs: result.endedAt - result.startedAt },
        },
      };
    }
    return {
      runId: result.runId,
      status: "error",
      summary: result.status === "aborted" ? "aborted" : (result.error ?? "failed"),
    };
  },
});

export const agentWait = defineMethod({
  name: "agent.wait",
  scope: "operator.write",
  params: z.object({ runId: z.string().min(1), timeoutMs: z.number().int().nonnegative().optional() }),
  async handle(p, ctx) {
    const r = await ctx.services.runs.wait(p.runId, p.timeoutMs ?? 30_000);
    if (r === "unknown") throw new GatewayError("INVALID_REQUEST", `unknown runId: ${p.runId}`);
    if (!r) return { runId: p.runId, status: "timeout" };
    return {
      runId: r.runId,
      status: r.status === "ok" ? "ok" : "error",
      startedAt: r.startedAt,
      endedAt: r.endedAt,
      ...(r.error ? { error: r.error } : r.status === "aborted" ? { error: "aborted" } : {}),
    };
  },
});

import { z } from "zod";
import { defaultAgentId, listAgentIds, resolveAgent } from "../../agents/agent-config.ts";
import { mainSessionKey } from "../../sessions/session-key.ts";
import { readSessionStore, sessionStorePath } from "../../sessions/store.ts";
import { defineMethod } from "../method-registry.ts";
import type { GatewayServices } from "../services.ts";

async function agentSummaries(
  s: GatewayServices,
): Promise<{ id: string; workspace: string; model: string; sessions: number }[]> {
  const config = s.config.current.config;
  return Promise.all(
    listAgentIds(config).map(async (id) => {
      const agent = resolveAgent(config, id, s.paths.stateDir, s.env);
      const store = await readSessionStore(sessionStorePath(s.paths.stateDir, id)).catch(() => ({}));
      return {
        id,
        workspace: agent.workspaceDir,
        model: agent.modelRef,
        sessions: Object.keys(store).length,
      };
    }),
  );
}

/** The snapshot `health` returns and hello-ok embeds (PROTO-9). */
export async function healthSnapshot(s: GatewayServices): Promise<Record<string, unknown>> {
  const config = s.config.current.config;
  return {
    ok: true,
    ts: Date.now(),
    version: s.version,
    uptimeMs: Date.now() - s.startedAt,
    pid: process.pid,
    defaultAgentId: defaultAgentId(config),
    agents: await agentSummaries(s),
    runs: { active: s.runs.activeCount },
    connections: s.events.size,
    memory: { rssBytes: process.memoryUsage().rss },
  };
}

export const health = defineMethod({
  name: "health",
  scope: "open",
  params: z.object({ probe: z.boolean().optional() }),
  handle: (_params, ctx) => healthSnapshot(ctx.services),
});

/** What `openclaw status` shows (PROTO-10): the gateway's side of the summary. */
export const status = defineMethod({
  name: "status",
  scope: "operator.read",
  params: z.object({}).passthrough(),
  async handle(_params, { services: s }) {
    const snap = s.config.current;
    const config = snap.config;
    const runtime = s.runtime();
    const agentId = defaultAgentId(config);
    return {
      version: s.version,
      pid: process.pid,
      uptimeMs: Date.now() - s.startedAt,
      configPath: snap.path,
      configExists: snap.exists,
      stateDir: s.paths.stateDir,
      gateway: {
        bind: runtime.bind,
        host: runtime.host,
        port: runtime.port,
        authMode: runtime.auth.mode,
        authSource: runtime.auth.source,
      },
      logFile: s.logSink.currentFile(),
      defaultAgentId: agentId,
      mainSessionKey: mainSessionKey(agentId),
      agents: await agentSummaries(s),
      providers: Object.keys(config.models?.providers ?? {}),
      runs: { active: s.runs.activeCount },
      connections: s.events.size,
      configWarnings: snap.warnings,
      inactiveFeatures: s.inactiveFeatures(),
    };
  },
});

import { z } from "zod";
import { listAgentIds, resolveAgent } from "../../agents/agent-config.ts";
import { parseModelRef } from "../../models/model-ref.ts";
import { defineMethod } from "../method-registry.ts";

/** Models the user can pick: configured providers' models, the allowlist, and every agent's model. */
export const modelsList = defineMethod({
  name: "models.list",
  scope: "operator.read",
  params: z.object({}).passthrough(),
  async handle(_p, ctx) {
    const config = ctx.services.config.current.config;
    const out = new Map<
      string,
      { id: string; name: string; provider: string; contextWindow?: number; reasoning?: boolean }
    >();
    for (const [provider, p] of Object.entries(config.models?.providers ?? {})) {
      for (const m of p.models ?? []) {
        out.set(`${provider}/${m.id}`, {
          id: m.id,
          name: m.name ?? m.id,
          provider,
          ...(m.contextWindow ? { contextWindow: m.contextWindow } : {}),
          ...(m.reasoning !== undefined ? { reasoning: m.reasoning } : {}),
        });
      }
    }
    const refs = [
      ...Object.keys(config.agents?.defaults?.models ?? {}),
      ...listAgentIds(config).map(
        (id) => resolveAgent(config, id, ctx.services.paths.stateDir, ctx.services.env).modelRef,
      ),
    ];
    for (const text of refs) {
      const ref = parseModelRef(text);
      if (ref && !out.has(`${ref.provider}/${ref.model}`))
        out.set(`${ref.provider}/${ref.model}`, { id: ref.model, name: ref.model, provider: ref.provider });
    }
    return { models: [...out.values()] };
  },
});

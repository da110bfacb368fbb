import type { OpenClawConfig } from "../../config/schema.ts";
import { formatModelRef, parseModelRef, resolveModelRef } from "../../models/model-ref.ts";

export interface ModelChoice {
  ref: string;
  alias?: string;
}

/**
 * The models `/model` offers, numbered from 1: the allowlist (`agents.defaults.models`) when set,
 * else the agent's model and fallbacks plus every configured provider model.
 */
export function modelChoices(config: OpenClawConfig, agentModel: string, fallbacks: string[]): ModelChoice[] {
  const catalog = config.agents?.defaults?.models;
  const aliasOf = (ref: string): string | undefined => catalog?.[ref]?.alias;
  const refs = catalog
    ? Object.keys(catalog)
    : [
        agentModel,
        ...fallbacks,
        ...Object.entries(config.models?.providers ?? {}).flatMap(([p, def]) =>
          (def.models ?? []).map((m) => `${p}/${m.id}`),
        ),
      ];
  const seen = new Set<string>();
  const out: ModelChoice[] = [];
  for (const text of refs) {
    const ref = parseModelRef(text);
    const key = ref ? formatModelRef(ref) : text;
    if (seen.has(key)) continue;
    seen.add(key);
    const alias = aliasOf(text);
    out.push({ ref: key, ...(alias ? { alias } : {}) });
  }
  return out;
}

export type ModelPick = { ok: true; ref: string; profile?: string } | { ok: false; message: string };

/**
 * Resolves `/model <n|alias|provider/model>[@profile]` against the choices (MOD-5, MOD-6, MOD-9,
 * MOD-11). With an allowlist, anything outside it gets the FAQ's exact refusal.
 */
export function pickModel(arg: string, choices: ModelChoice[], config: OpenClawConfig): ModelPick {
  const [what = "", profile] = arg.split("@", 2);
  const n = /^\d+$/.test(what) ? Number(what) : undefined;
  if (n !== undefined) {
    const choice = choices[n - 1];
    if (!choice) return { ok: false, message: `No model #${n}. Use /model to list available models.` };
    return { ok: true, ref: choice.ref, ...(profile ? { profile } : {}) };
  }
  const userAliases = Object.fromEntries(choices.flatMap((c) => (c.alias ? [[c.alias, c.ref]] : [])));
  const parsed = resolveModelRef(what, userAliases);
  if (!parsed) {
    return { ok: false, message: `Unknown model: ${what}. Use /model to list available models.` };
  }
  const ref = formatModelRef(parsed);
  if (config.agents?.defaults?.models && !choices.some((c) => c.ref === ref)) {
    return { ok: false, message: `Model "${ref}" is not allowed. Use /model to list available models.` };
  }
  return { ok: true, ref, ...(profile ? { profile } : {}) };
}

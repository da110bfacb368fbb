import type { Api, Model } from "@earendil-works/pi-ai";
import type { OpenClawConfig } from "../config/schema.ts";
import { EXTRA_BUILTIN_MODELS } from "./builtin-extra-models.ts";
import { formatModelRef, type ModelRef } from "./model-ref.ts";

export type ResolvedModel = Model<Api>;

/** The model is not in any catalog (reference-agent §6.1 wording). */
export class UnknownModelError extends Error {
  override name = "UnknownModelError";
}

/** OpenClaw provider ids whose built-in catalog lives under another name in pi-ai. */
const CATALOG_NAMES: Readonly<Record<string, string>> = { moonshot: "moonshotai" };
const SAFE_PROVIDER = /^[a-z0-9-]+$/;

/**
 * Loads one provider's built-in catalog on demand (only that provider's JSON; the full catalog
 * costs ~100 ms to import). `undefined` when pi-ai has no such provider.
 */
export async function loadBuiltinCatalog(
  provider: string,
): Promise<Record<string, ResolvedModel> | undefined> {
  const name = CATALOG_NAMES[provider] ?? provider;
  if (!SAFE_PROVIDER.test(name)) return undefined;
  // Catalogs are immutable package data; remembering misses spares a failing import per turn
  // for every custom provider.
  if (!catalogs.has(name))
    catalogs.set(
      name,
      importCatalog(name).then((found) => withExtras(provider, found)),
    );
  return catalogs.get(name);
}

/** pi-ai's entries win; the supplement only adds ids pi-ai lacks (builtin-extra-models.ts). */
function withExtras(
  provider: string,
  found: Record<string, ResolvedModel> | undefined,
): Record<string, ResolvedModel> | undefined {
  const extra = EXTRA_BUILTIN_MODELS[provider];
  return extra ? { ...extra, ...found } : found;
}

const catalogs = new Map<string, Promise<Record<string, ResolvedModel> | undefined>>();

async function importCatalog(name: string): Promise<Record<string, ResolvedModel> | undefined> {
  try {
    const mod = (await import(`@earendil-works/pi-ai/providers/${name}.models`)) as Record<string, unknown>;
    const catalog = Object.values(mod)[0];
    return catalog && typeof catalog === "object" ? (catalog as Record<string, ResolvedModel>) : undefined;
  } catch (err) {
    if (
      (err as NodeJS.ErrnoException).code === "ERR_PACKAGE_PATH_NOT_EXPORTED" ||
      (err as NodeJS.ErrnoException).code === "ERR_MODULE_NOT_FOUND"
    ) {
      return undefined;
    }
    throw err;
  }
}

type ProviderConfig = NonNullable<NonNullable<OpenClawConfig["models"]>["providers"]>[string];
type ModelDefinition = NonNullable<ProviderConfig["models"]>[number];

/**
 * A configured model definition with OpenClaw's documented defaults (reference-agent §6.3). The
 * default output cap never exceeds the context window (2.26 `applyModelDefaults`).
 */
export function modelFromDefinition(
  provider: string,
  p: ProviderConfig,
  def: Partial<ModelDefinition> & { id: string },
  base?: ResolvedModel,
): ResolvedModel {
  const contextWindow = def.contextWindow ?? base?.contextWindow ?? 200_000;
  return {
    ...base,
    id: def.id,
    name: def.name ?? base?.name ?? def.id,
    api: (def as { api?: string }).api ?? p.api ?? base?.api ?? "openai-completions",
    provider,
    baseUrl: p.baseUrl ?? base?.baseUrl ?? "",
    reasoning: def.reasoning ?? base?.reasoning ?? false,
    input: (def.input as ("text" | "image")[] | undefined) ?? base?.input ?? ["text"],
    cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, ...base?.cost, ...def.cost },
    contextWindow,
    maxTokens: def.maxTokens ?? base?.maxTokens ?? Math.min(8192, contextWindow),
    headers: { ...base?.headers, ...p.headers, ...(def as { headers?: Record<string, string> }).headers },
    ...((def as { compat?: unknown }).compat ? { compat: (def as { compat?: unknown }).compat } : {}),
  } as ResolvedModel;
}

/**
 * Finds the model for a ref: a configured provider (`models.providers.<id>`) first, merged over
 * the built-in catalog unless `models.mode` is `replace` (CFG-20). A configured provider's
 * `baseUrl` also redirects its built-in models (proxies, self-hosted endpoints, test fakes).
 */
export async function resolveModel(ref: ModelRef, config: OpenClawConfig): Promise<ResolvedModel> {
  const provider = config.models?.providers?.[ref.provider];
  const replace = config.models?.mode === "replace";
  const builtin = replace ? undefined : (await loadBuiltinCatalog(ref.provider))?.[ref.model];
  if (provider) {
    const def = provider.models?.find((m) => m.id === ref.model);
    if (def || builtin || provider.baseUrl)
      return modelFromDefinition(ref.provider, provider, def ?? { id: ref.model }, builtin);
  }
  if (builtin) return builtin;
  throw new UnknownModelError(`Unknown model: ${formatModelRef(ref)}`);
}

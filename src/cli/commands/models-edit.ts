import type { Command } from "commander";
import { isPlainObject } from "../../config/includes.ts";
import { getAtPath, setAtPath } from "../../config/path-expr.ts";
import type { OpenClawConfig } from "../../config/schema.ts";
import { writeConfig } from "../../config/write.ts";
import { UserFacingError } from "../../infra/errors.ts";
import { resolveModel, UnknownModelError } from "../../models/catalog.ts";
import { BUILTIN_ALIASES, formatModelRef, type ModelRef } from "../../models/model-ref.ts";
import { modelChoiceOf, resolvedRefText, userAliases } from "../../models/status-report.ts";
import { type CliContext, loadCliContext, printJson } from "../context.ts";
import { requireConfig } from "./models-auth.ts";

// `models set|set-image|aliases|fallbacks`: edits of `agents.defaults` through writeConfig, which
// validates the result, keeps backups and every key it does not touch.

type JsonOpt = { json?: boolean };
const MODELS_PATH = ["agents", "defaults", "models"];

/** A ref or alias typed by the user, as `provider/model` (MOD-2: a bare model is Anthropic's). */
function resolveInput(text: string, config: OpenClawConfig): ModelRef {
  const [provider, ...rest] = resolvedRefText(text, config).split("/");
  const model = rest.join("/");
  if (!provider || !model) {
    throw new UserFacingError(`Invalid model reference "${text}": expected provider/model or an alias.`);
  }
  return { provider, model };
}

/** MOD-13/MOD-14: a model must be in a catalog, unless its provider is configured (custom ids pass). */
async function checkKnown(ref: ModelRef, config: OpenClawConfig): Promise<void> {
  if (config.models?.providers?.[ref.provider]) return;
  try {
    await resolveModel(ref, config);
  } catch (err) {
    if (!(err instanceof UnknownModelError)) throw err;
    throw new UserFacingError(
      `${err.message}\nModel ids are case-sensitive: pick one from \`openclaw models list --all\`, ` +
        `or configure the provider under models.providers.${ref.provider}.`,
    );
  }
}

/** MOD-5: a non-empty `agents.defaults.models` is the allowlist, with the FAQ's exact refusal. */
function checkAllowed(key: string, config: OpenClawConfig): void {
  const allowed = Object.keys(config.agents?.defaults?.models ?? {});
  if (allowed.length === 0 || allowed.some((k) => resolvedRefText(k, config) === key)) return;
  throw new UserFacingError(
    `Model "${key}" is not allowed. Use /model to list available models.\n` +
      `agents.defaults.models is an allowlist; to allow it: openclaw config set 'agents.defaults.models["${key}"]' '{}'`,
  );
}

function modelObject(value: unknown): Record<string, unknown> {
  if (typeof value === "string") return { primary: value };
  return isPlainObject(value) ? { ...value } : {};
}

async function edit(ctx: CliContext, update: (cur: Record<string, unknown>) => Record<string, unknown>) {
  await writeConfig({ path: ctx.paths.configPath, env: ctx.env, update });
}

async function setModel(field: "model" | "imageModel", text: string, opts: JsonOpt): Promise<void> {
  const ctx = await loadCliContext();
  const config = requireConfig(ctx);
  const ref = resolveInput(text, config);
  const key = formatModelRef(ref);
  await checkKnown(ref, config);
  checkAllowed(key, config);
  const parts = ["agents", "defaults", field];
  await edit(ctx, (cur) => setAtPath(cur, parts, { ...modelObject(getAtPath(cur, parts)), primary: key }));
  const path = `agents.defaults.${field}.primary`;
  // An agent's own setting wins over the default, so say which agents this does not reach.
  const overriding = (config.agents?.list ?? []).filter((a) => a[field] !== undefined).map((a) => a.id);
  if (opts.json)
    return printJson({
      [field === "model" ? "primary" : "imageModel"]: key,
      path,
      configPath: ctx.paths.configPath,
      overriddenBy: overriding,
    });
  process.stdout.write(`Set ${path} to ${key} in ${ctx.paths.configPath}\n`);
  if (overriding.length > 0) {
    process.stdout.write(
      `Note: agent(s) ${overriding.join(", ")} set their own ${field} (agents.list[].${field}), which overrides this default.\n`,
    );
  }
}

function aliasesList(opts: JsonOpt, config: OpenClawConfig): void {
  const aliases = userAliases(config);
  if (opts.json) {
    printJson({ aliases });
    return;
  }
  const entries = Object.entries(aliases);
  if (entries.length === 0)
    process.stdout.write("No aliases configured (agents.defaults.models[<ref>].alias).\n");
  for (const [alias, ref] of entries) process.stdout.write(`${alias} -> ${ref}\n`);
  process.stdout.write(
    `Built-in: ${Object.keys(BUILTIN_ALIASES).join(", ")} (a user alias with the same name wins)\n`,
  );
}

async function aliasesAdd(alias: string, text: string, opts: JsonOpt): Promise<void> {
  const ctx = await loadCliContext();
  const config = requireConfig(ctx);
  const name = alias.trim();
  if (!name || /[\s/]/.test(name)) {
    throw new UserFacingError(`Invalid alias "${alias}": an alias is one word without spaces or "/".`);
  }
  const key = formatModelRef(resolveInput(text, config));
  const wasAllowlist = Object.keys(config.agents?.defaults?.models ?? {}).length > 0;
  await edit(ctx, (cur) => {
    const models = modelObject(getAtPath(cur, MODELS_PATH));
    let target = key;
    for (const [k, v] of Object.entries(models)) {
      if (resolvedRefText(k, config) === key) target = k;
      else if (
        isPlainObject(v) &&
        typeof v["alias"] === "string" &&
        v["alias"].toLowerCase() === name.toLowerCase()
      ) {
        const { alias: _moved, ...rest } = v;
        models[k] = rest;
      }
    }
    models[target] = { ...modelObject(models[target]), alias: name };
    return setAtPath(cur, MODELS_PATH, models);
  });
  if (opts.json) return printJson({ alias: name, ref: key, configPath: ctx.paths.configPath });
  process.stdout.write(`Alias ${name} -> ${key} (agents.defaults.models["${key}"].alias)\n`);
  if (!wasAllowlist) {
    process.stdout.write(
      `Note: agents.defaults.models was empty and is now the /model allowlist: only ${key} can be picked ` +
        "with /model until you add the others (e.g. `openclaw models aliases add <alias> <ref>`).\n",
    );
  }
}

async function aliasesRemove(alias: string, opts: JsonOpt): Promise<void> {
  const ctx = await loadCliContext();
  const config = requireConfig(ctx);
  const name = alias.trim().toLowerCase();
  const owners = Object.entries(config.agents?.defaults?.models ?? {})
    .filter(([, v]) => v?.alias?.trim().toLowerCase() === name)
    .map(([k]) => k);
  if (owners.length === 0) {
    throw new UserFacingError(
      BUILTIN_ALIASES[name]
        ? `"${alias}" is a built-in alias (-> ${BUILTIN_ALIASES[name]}); it cannot be removed, only overridden with \`models aliases add ${name} <ref>\`.`
        : `Alias "${alias}" not found. Aliases: ${listOr(Object.keys(userAliases(config)), "none")}`,
    );
  }
  await edit(ctx, (cur) => {
    const models = modelObject(getAtPath(cur, MODELS_PATH));
    for (const [k, v] of Object.entries(models)) {
      if (isPlainObject(v) && typeof v["alias"] === "string" && v["alias"].trim().toLowerCase() === name) {
        const { alias: _removed, ...rest } = v;
        models[k] = rest; // the entry stays: it may still be allowlisted or carry params
      }
    }
    return setAtPath(cur, MODELS_PATH, models);
  });
  if (opts.json)
    return printJson({ alias: alias.trim(), removedFrom: owners, configPath: ctx.paths.configPath });
  process.stdout.write(`Removed alias ${alias.trim()} (from ${owners.join(", ")})\n`);
}

function listOr(items: string[], empty: string): string {
  return items.length > 0 ? items.join(", ") : empty;
}

const MODEL_PATH = ["agents", "defaults", "model"];

/** Rewrites `agents.defaults.model.fallbacks`; a string `model` becomes `{primary, fallbacks}`. */
async function writeFallbacks(ctx: CliContext, next: (current: string[]) => string[]): Promise<string[]> {
  let result: string[] = [];
  await edit(ctx, (cur) => {
    const model = modelObject(getAtPath(cur, MODEL_PATH));
    result = next(modelChoiceOf(model).fallbacks);
    return setAtPath(cur, MODEL_PATH, { ...model, fallbacks: result });
  });
  return result;
}

function printFallbacks(fallbacks: string[], opts: JsonOpt, message?: string): void {
  if (opts.json) {
    printJson({ fallbacks });
    return;
  }
  if (message) process.stdout.write(`${message}\n`);
  if (fallbacks.length === 0) {
    process.stdout.write("No fallbacks configured (agents.defaults.model.fallbacks).\n");
  }
  for (const [i, f] of fallbacks.entries()) process.stdout.write(`${i + 1}. ${f}\n`);
}

async function fallbacksAdd(text: string, opts: JsonOpt): Promise<void> {
  const ctx = await loadCliContext();
  const config = requireConfig(ctx);
  const ref = resolveInput(text, config);
  const key = formatModelRef(ref);
  await checkKnown(ref, config);
  const current = modelChoiceOf(config.agents?.defaults?.model);
  if (current.primary && resolvedRefText(current.primary, config) === key) {
    throw new UserFacingError(`${key} is the primary model; a fallback must be another model.`);
  }
  if (current.fallbacks.some((f) => resolvedRefText(f, config) === key)) {
    return printFallbacks(current.fallbacks, opts, `${key} is already a fallback.`);
  }
  const fallbacks = await writeFallbacks(ctx, (fb) => [...fb, key]);
  printFallbacks(fallbacks, opts, `Added fallback ${key}`);
}

async function fallbacksRemove(text: string, opts: JsonOpt): Promise<void> {
  const ctx = await loadCliContext();
  const config = requireConfig(ctx);
  const key = formatModelRef(resolveInput(text, config));
  const matches = (f: string): boolean => f === text.trim() || resolvedRefText(f, config) === key;
  const current = modelChoiceOf(config.agents?.defaults?.model).fallbacks;
  if (!current.some(matches)) {
    throw new UserFacingError(`${key} is not a fallback. Fallbacks: ${listOr(current, "none")}`);
  }
  const fallbacks = await writeFallbacks(ctx, (fb) => fb.filter((f) => !matches(f)));
  printFallbacks(fallbacks, opts, `Removed fallback ${key}`);
}

async function fallbacksClear(opts: JsonOpt): Promise<void> {
  const ctx = await loadCliContext();
  const current = modelChoiceOf(requireConfig(ctx).agents?.defaults?.model).fallbacks;
  if (current.length > 0) await writeFallbacks(ctx, () => []);
  printFallbacks([], opts, current.length > 0 ? "Cleared fallbacks" : undefined);
}

export function registerModelEditCommands(models: Command): void {
  const json = (c: Command): Command => c.option("--json", "print JSON");
  json(models.command("set <model>").description("set agents.defaults.model.primary (ref or alias)")).action(
    (text: string, opts: JsonOpt) => setModel("model", text, opts),
  );
  json(
    models.command("set-image <model>").description("set agents.defaults.imageModel.primary (ref or alias)"),
  ).action((text: string, opts: JsonOpt) => setModel("imageModel", text, opts));

  const aliases = models
    .command("aliases")
    .description("model aliases (agents.defaults.models[<ref>].alias)");
  json(aliases.command("list").description("list aliases")).action(async (opts: JsonOpt) =>
    aliasesList(opts, requireConfig(await loadCliContext())),
  );
  json(aliases.command("add <alias> <model>").description("point an alias at a model")).action(aliasesAdd);
  json(aliases.command("remove <alias>").description("remove an alias (the model entry stays)")).action(
    aliasesRemove,
  );

  const fallbacks = models
    .command("fallbacks")
    .description("ordered fallback models (agents.defaults.model.fallbacks)");
  json(fallbacks.command("list").description("list fallbacks")).action(async (opts: JsonOpt) =>
    printFallbacks(
      modelChoiceOf(requireConfig(await loadCliContext()).agents?.defaults?.model).fallbacks,
      opts,
    ),
  );
  json(fallbacks.command("add <model>").description("append a fallback")).action(fallbacksAdd);
  json(fallbacks.command("remove <model>").description("remove a fallback")).action(fallbacksRemove);
  json(fallbacks.command("clear").description("remove all fallbacks")).action(fallbacksClear);
}

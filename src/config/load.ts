import { createHash } from "node:crypto";
import { readTextIfExists } from "../infra/json-file.ts";
import { applyConfigEnvBlock } from "./env-files.ts";
import { isPlainObject, parseJson5, resolveIncludes } from "./includes.ts";
import { ConfigError, type ConfigIssue } from "./issues.ts";
import type { OpenClawConfig } from "./schema.ts";
import { substituteEnvVars } from "./substitute.ts";
import { validateConfig } from "./validate.ts";

/** Everything known about the config file at one moment; what `config.get` returns and writes start from. */
export interface ConfigSnapshot {
  path: string;
  exists: boolean;
  /** The file's text, byte for byte. */
  raw: string;
  /** sha256 of `raw`: the `baseHash` editors send back so two of them cannot overwrite each other. */
  hash: string;
  /** The file's own tree, before `$include` and `${VAR}`: what writes edit, so refs survive. */
  source: Record<string, unknown>;
  /** The typed config with defaults; only meaningful when `valid`. */
  config: OpenClawConfig;
  valid: boolean;
  errors: ConfigIssue[];
  warnings: ConfigIssue[];
}

export function hashText(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}

/**
 * Reads and validates the config. Never throws for a problem in the config itself: those land in
 * `errors` (the caller decides: the gateway refuses to start, `config.get` reports them).
 */
export async function readConfigSnapshot(path: string, env: NodeJS.ProcessEnv): Promise<ConfigSnapshot> {
  const raw = await readTextIfExists(path);
  const exists = raw !== undefined;
  const text = raw ?? "";
  const base = { path, exists, raw: text, hash: hashText(text) };
  let source: Record<string, unknown>;
  try {
    source = parseSourceTree(text, path);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    return invalidSnapshot(base, {}, err);
  }
  try {
    return { ...base, source, ...(await evaluateConfigTree(source, path, env)) };
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    // The file itself parsed (only an include or a `${VAR}` failed): keep its tree, so
    // `config get/set/unset` can still read and repair it.
    return invalidSnapshot(base, source, err);
  }
}

/** The file's own tree; an empty or blank file is an empty config. Throws ConfigError. */
export function parseSourceTree(text: string, path: string): Record<string, unknown> {
  if (text.trim() === "") return {};
  const source = parseJson5(text, path);
  if (!isPlainObject(source)) {
    throw new ConfigError(`${path}: the config must be an object`, [
      { path, message: "the config must be an object" },
    ]);
  }
  return source;
}

function invalidSnapshot(
  base: Pick<ConfigSnapshot, "path" | "exists" | "raw" | "hash">,
  source: Record<string, unknown>,
  err: ConfigError,
): ConfigSnapshot {
  return { ...base, source, config: {} as OpenClawConfig, valid: false, errors: err.issues, warnings: [] };
}

/** The pipeline shared by reads and writes: includes → `${VAR}` → validation (CFG-5, CFG-6, CFG-4). */
export async function evaluateConfigTree(
  source: Record<string, unknown>,
  path: string,
  env: NodeJS.ProcessEnv,
): Promise<Pick<ConfigSnapshot, "config" | "valid" | "errors" | "warnings">> {
  const included = await resolveIncludes(source, path);
  // Variables from the config's own `env` block count for substitution, under the real environment.
  const blockEnv: NodeJS.ProcessEnv = {};
  if (isPlainObject(included)) applyConfigEnvBlock(included["env"], blockEnv);
  const resolved = substituteEnvVars(included, { ...blockEnv, ...env });
  const { config, errors, warnings } = validateConfig(resolved);
  return { config: config ?? ({} as OpenClawConfig), valid: errors.length === 0, errors, warnings };
}

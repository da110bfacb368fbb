import path from "node:path";
import JSON5 from "json5";
import { isErrno } from "../infra/errors.ts";
import { readTextIfExists } from "../infra/json-file.ts";
import { ConfigError } from "./issues.ts";

const MAX_INCLUDE_DEPTH = 10;

/** Parses JSON5 text; a syntax error names the file, line and column. */
export function parseJson5(text: string, file: string): unknown {
  try {
    return JSON5.parse(text);
  } catch (err) {
    const e = err as SyntaxError & { lineNumber?: number; columnNumber?: number };
    const where = e.lineNumber ? `:${e.lineNumber}:${e.columnNumber ?? 0}` : "";
    const reason = e.message.replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "");
    throw new ConfigError(`${file}${where}: JSON5 syntax error: ${reason}`, [
      {
        path: "",
        message: `syntax error at line ${e.lineNumber ?? "?"}, column ${e.columnNumber ?? "?"}: ${reason}`,
      },
    ]);
  }
}

/**
 * Resolves `$include` (a path or array of paths, relative to the including file) recursively:
 * included objects are deep-merged in order, then the keys beside `$include` override them (CFG-5).
 */
export async function resolveIncludes(
  value: unknown,
  file: string,
  chain: string[] = [file],
): Promise<unknown> {
  if (Array.isArray(value)) return Promise.all(value.map((v) => resolveIncludes(v, file, chain)));
  if (!isPlainObject(value)) return value;
  const { $include, ...rest } = value;
  const resolvedRest: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rest)) resolvedRest[k] = await resolveIncludes(v, file, chain);
  if ($include === undefined) return resolvedRest;
  const targets = Array.isArray($include) ? $include : [$include];
  let merged: Record<string, unknown> = {};
  for (const target of targets) {
    if (typeof target !== "string")
      throw new ConfigError(`${file}: $include must be a path or an array of paths`);
    const included = await loadIncluded(path.resolve(path.dirname(file), target), chain);
    if (!isPlainObject(included)) throw new ConfigError(`${target}: an included file must contain an object`);
    merged = deepMerge(merged, included);
  }
  return deepMerge(merged, resolvedRest);
}

async function loadIncluded(target: string, chain: string[]): Promise<unknown> {
  if (chain.includes(target)) {
    throw new ConfigError(`$include cycle: ${[...chain, target].join(" -> ")}`);
  }
  if (chain.length > MAX_INCLUDE_DEPTH) {
    throw new ConfigError(`$include nested deeper than ${MAX_INCLUDE_DEPTH} levels at ${target}`);
  }
  let text: string | undefined;
  try {
    text = await readTextIfExists(target);
  } catch (err) {
    if (isErrno(err, "EISDIR")) throw new ConfigError(`$include ${target} is a directory`);
    throw err;
  }
  if (text === undefined) throw new ConfigError(`$include ${target} not found`);
  return resolveIncludes(parseJson5(text, target), target, [...chain, target]);
}

export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Objects merge key by key; anything else (arrays included) is replaced by the later value. */
export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const prev = out[k];
    out[k] = isPlainObject(prev) && isPlainObject(v) ? deepMerge(prev, v) : v;
  }
  return out;
}

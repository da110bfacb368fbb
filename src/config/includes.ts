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
    if (!(err instanceof SyntaxError)) throw err;
    const e = err as SyntaxError & { lineNumber?: number; columnNumber?: number };
    const where = `${file}${e.lineNumber ? `:${e.lineNumber}:${e.columnNumber ?? 0}` : ""}`;
    const reason = e.message.replace(/^JSON5: /, "").replace(/ at \d+:\d+$/, "");
    // The issue is located by file:line:col, since there is no key path yet: every place that shows
    // issues prints `path: message`, so the user sees exactly where to look.
    throw fileError(where, `JSON5 syntax error: ${reason}`);
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
    if (typeof target !== "string") throw fileError(file, "$include must be a path or an array of paths");
    const absolute = path.resolve(path.dirname(file), target);
    const included = await loadIncluded(absolute, file, chain);
    if (!isPlainObject(included)) throw fileError(absolute, "an included file must contain an object");
    merged = deepMerge(merged, included);
  }
  return deepMerge(merged, resolvedRest);
}

async function loadIncluded(target: string, from: string, chain: string[]): Promise<unknown> {
  if (chain.includes(target)) throw fileError(from, `$include cycle: ${[...chain, target].join(" -> ")}`);
  if (chain.length > MAX_INCLUDE_DEPTH) {
    throw fileError(from, `$include nested deeper than ${MAX_INCLUDE_DEPTH} levels at ${target}`);
  }
  let text: string | undefined;
  try {
    text = await readTextIfExists(target);
  } catch (err) {
    if (isErrno(err, "EISDIR")) throw fileError(from, `$include ${target} is a directory`);
    throw err;
  }
  if (text === undefined) throw fileError(from, `$include ${target} not found`);
  return resolveIncludes(parseJson5(text, target), target, [...chain, target]);
}

/** A problem with a file as a whole (syntax, includes): the issue is located by the file, not a key. */
function fileError(where: string, message: string): ConfigError {
  return new ConfigError(`${where}: ${message}`, [{ path: where, message }]);
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

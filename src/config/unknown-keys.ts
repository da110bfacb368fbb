import type { z } from "zod";
import { isPlainObject } from "./includes.ts";
import { type ConfigIssue, formatPath } from "./issues.ts";

type AnySchema = z.core.$ZodType;
interface Def {
  type: string;
  shape?: Record<string, AnySchema>;
  innerType?: AnySchema;
  valueType?: AnySchema;
  element?: AnySchema;
  options?: AnySchema[];
  left?: AnySchema;
  right?: AnySchema;
  in?: AnySchema;
  getter?: () => AnySchema;
  catchall?: AnySchema;
}

function defOf(schema: AnySchema): Def {
  return (schema as unknown as { _zod: { def: Def } })._zod.def;
}

const WRAPPERS = new Set(["optional", "nullable", "default", "prefault", "readonly", "catch", "nonoptional"]);

/** Peels wrappers (optional, default, lazy, pipe input…) down to the schema that shapes the value. */
function unwrap(schema: AnySchema): AnySchema {
  let s = schema;
  for (let i = 0; i < 20; i++) {
    const def = defOf(s);
    if (WRAPPERS.has(def.type) && def.innerType) s = def.innerType;
    else if (def.type === "lazy" && def.getter) s = def.getter();
    else if (def.type === "pipe" && def.in) s = def.in;
    else break;
  }
  return s;
}

/** Object schemas reachable at this point (one, or several for a union of objects). */
function objectShapes(schema: AnySchema): Record<string, AnySchema>[] {
  const def = defOf(unwrap(schema));
  if (def.type === "object" && def.shape) return [def.shape];
  if (def.type === "union" && def.options) return def.options.flatMap(objectShapes);
  if (def.type === "intersection" && def.left && def.right) {
    return [Object.assign({}, ...objectShapes(def.left), ...objectShapes(def.right))];
  }
  return [];
}

/** The schema for extra keys of an object that accepts any key (`.catchall(x)`), if it does. */
function catchallOf(schema: AnySchema): AnySchema | undefined {
  const def = defOf(unwrap(schema));
  if (def.type !== "object" || !def.catchall) return undefined;
  return defOf(def.catchall).type === "never" ? undefined : def.catchall;
}

function childSchemas(schema: AnySchema): { record?: AnySchema; array?: AnySchema } {
  const def = defOf(unwrap(schema));
  if (def.type === "record") return { record: def.valueType };
  if (def.type === "array") return { array: def.element };
  if (def.type === "union" && def.options) {
    for (const o of def.options) {
      const c = childSchemas(o);
      if (c.record || c.array) return c;
    }
  }
  return {};
}

/**
 * Lists keys of `value` that the schema does not know, each with the closest known key (CFG-4).
 * Unknown keys are warnings: the gateway still starts and the file keeps them.
 */
export function findUnknownKeys(
  schema: AnySchema,
  value: unknown,
  at: (string | number)[] = [],
): ConfigIssue[] {
  const issues: ConfigIssue[] = [];
  if (Array.isArray(value)) {
    const { array } = childSchemas(schema);
    if (array) for (const [i, v] of value.entries()) issues.push(...findUnknownKeys(array, v, [...at, i]));
    return issues;
  }
  if (!isPlainObject(value)) return issues;
  const shapes = objectShapes(schema);
  if (shapes.length === 0) {
    const { record } = childSchemas(schema);
    if (record)
      for (const [k, v] of Object.entries(value)) issues.push(...findUnknownKeys(record, v, [...at, k]));
    return issues;
  }
  const known = [...new Set(shapes.flatMap((s) => Object.keys(s)))];
  const open = catchallOf(schema);
  for (const [key, child] of Object.entries(value)) {
    if (at.length === 0 && key === "$schema") continue;
    const shape = shapes.find((s) => key in s);
    if (!shape && open) {
      // Keys under a catchall (env variable names, peer ids) are free-form by design.
      issues.push(...findUnknownKeys(open, child, [...at, key]));
      continue;
    }
    if (!shape) {
      const near = closest(key, known);
      issues.push({
        path: formatPath([...at, key]),
        message: `unknown key (ignored, kept in the file)${near ? `; did you mean "${near}"?` : ""}`,
      });
      continue;
    }
    issues.push(...findUnknownKeys(shape[key]!, child, [...at, key]));
  }
  return issues;
}

function closest(key: string, candidates: string[]): string | undefined {
  let best: string | undefined;
  let bestScore = Number.POSITIVE_INFINITY;
  const k = key.toLowerCase();
  for (const c of candidates) {
    const d = levenshtein(k, c.toLowerCase());
    if (d < bestScore) {
      bestScore = d;
      best = c;
    }
  }
  // A suggestion further than half the word away is noise, not help.
  return best !== undefined && bestScore <= Math.max(2, Math.ceil(key.length / 2)) ? best : undefined;
}

function levenshtein(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = prev[j]!;
      prev[j] = Math.min(prev[j]! + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = tmp;
    }
  }
  return prev[b.length]!;
}

import { isPlainObject } from "./includes.ts";

export type PathPart = string | number;

/**
 * Parses `gateway.auth.token`, `agents.list[0].id`, `models.providers["my.provider"].baseUrl`
 * (dot and bracket notation, CFG-14).
 */
export function parsePathExpr(expr: string): PathPart[] {
  const parts: PathPart[] = [];
  const re = /([^.[\]]+)|\[(\d+)\]|\[\s*(["'])(.*?)\3\s*\]/g;
  let consumed = 0;
  for (const m of expr.matchAll(re)) {
    // A name follows a dot (none before the first); a bracket follows directly: `.a` and `a[0]b` are typos.
    const separator = m[1] !== undefined && parts.length > 0 ? "." : "";
    if (expr.slice(consumed, m.index) !== separator) throw new Error(`invalid config path: ${expr}`);
    if (m[1] !== undefined) parts.push(m[1]);
    else if (m[2] !== undefined) parts.push(Number(m[2]));
    else parts.push(m[4]!);
    consumed = m.index + m[0].length;
  }
  if (parts.length === 0 || consumed !== expr.length) throw new Error(`invalid config path: ${expr}`);
  return parts;
}

export function getAtPath(tree: unknown, parts: PathPart[]): unknown {
  let cur = tree;
  for (const p of parts) {
    if (Array.isArray(cur) && typeof p === "number") cur = cur[p];
    else if (isPlainObject(cur) && typeof p === "string") cur = cur[p];
    else return undefined;
  }
  return cur;
}

/** Returns a copy of `tree` with `value` at `parts`, creating objects/arrays on the way. */
export function setAtPath(
  tree: Record<string, unknown>,
  parts: PathPart[],
  value: unknown,
): Record<string, unknown> {
  return setIn(tree, parts, value) as Record<string, unknown>;
}

function setIn(node: unknown, parts: PathPart[], value: unknown): unknown {
  if (parts.length === 0) return value;
  const [head, ...rest] = parts as [PathPart, ...PathPart[]];
  if (typeof head === "number") {
    const arr = Array.isArray(node) ? [...node] : [];
    arr[head] = setIn(arr[head], rest, value);
    return arr;
  }
  const obj = isPlainObject(node) ? { ...node } : {};
  obj[head] = setIn(obj[head], rest, value);
  return obj;
}

/** Returns a copy without the key at `parts`, and whether it existed. Emptied parents stay. */
export function unsetAtPath(
  tree: Record<string, unknown>,
  parts: PathPart[],
): { tree: Record<string, unknown>; removed: boolean } {
  if (getAtPath(tree, parts) === undefined) return { tree, removed: false };
  const parent = parts.slice(0, -1);
  const last = parts[parts.length - 1]!;
  const container = getAtPath(tree, parent);
  let next: unknown;
  if (Array.isArray(container) && typeof last === "number") next = container.filter((_, i) => i !== last);
  else {
    const { [String(last)]: _removed, ...rest } = container as Record<string, unknown>;
    next = rest;
  }
  return {
    tree: parent.length === 0 ? (next as Record<string, unknown>) : setAtPath(tree, parent, next),
    removed: true,
  };
}

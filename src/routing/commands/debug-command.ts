import { getAtPath, parsePathExpr, setAtPath, unsetAtPath } from "../../config/path-expr.ts";
import type { OpenClawConfig } from "../../config/schema.ts";
import { ownerOnlyRefusal, parseValue, shown, splitArgs } from "./config-command.ts";
import type { CommandContext, CommandOutcome } from "./run-command.ts";

/**
 * Config overrides that live only in this process (`/debug`, reference-agent §3.9): laid over the
 * loaded config for runs, gone on restart, never written to the file.
 */
export class DebugOverrides {
  #tree: Record<string, unknown> = {};
  #version = 0;
  #cache: { base: OpenClawConfig; version: number; out: OpenClawConfig } | undefined;

  get tree(): Record<string, unknown> {
    return this.#tree;
  }

  set(path: string, value: unknown): void {
    this.#tree = setAtPath(this.#tree, parsePathExpr(path), value);
    this.#version++;
  }

  unset(path: string): boolean {
    const out = unsetAtPath(this.#tree, parsePathExpr(path));
    this.#tree = out.tree;
    this.#version++;
    return out.removed;
  }

  reset(): void {
    this.#tree = {};
    this.#version++;
  }

  /** `base` with the overrides on top (objects merged, anything else replaced); cached per input. */
  apply(base: OpenClawConfig): OpenClawConfig {
    if (Object.keys(this.#tree).length === 0) return base;
    const c = this.#cache;
    if (c && c.base === base && c.version === this.#version) return c.out;
    const out = merge(base, this.#tree) as OpenClawConfig;
    this.#cache = { base, version: this.#version, out };
    return out;
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function merge(base: unknown, over: unknown): unknown {
  if (!isObject(base) || !isObject(over)) return over;
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) out[k] = merge(base[k], v);
  return out;
}

/** `/debug show|set|unset|reset`: owner-only, needs `commands.debug: true`. */
export function debugCommand(args: string, ctx: CommandContext): CommandOutcome {
  const refusal = ownerOnlyRefusal("debug", ctx.config.commands?.debug === true, ctx);
  if (refusal) return { reply: refusal };
  const overrides = ctx.debugOverrides;
  if (!overrides) return { reply: "⚠️ /debug is not available here." };
  const { action, path, value } = splitArgs(args);
  try {
    switch (action) {
      case "":
      case "show": {
        const tree = path ? getAtPath(overrides.tree, parsePathExpr(path)) : overrides.tree;
        if (tree === undefined || (!path && Object.keys(overrides.tree).length === 0))
          return { reply: "No debug overrides." };
        return { reply: `Debug overrides (runtime only):\n${shown(tree)}` };
      }
      case "set": {
        if (!path || value === undefined) return { reply: USAGE };
        const parsed = parseValue(value);
        overrides.set(path, parsed);
        return { reply: `⚙️ Debug override set: ${path} = ${shown(parsed)} (runtime only)` };
      }
      case "unset":
        if (!path) return { reply: USAGE };
        return {
          reply: overrides.unset(path)
            ? `⚙️ Debug override removed: ${path}`
            : `${path} has no debug override.`,
        };
      case "reset":
        overrides.reset();
        return { reply: "⚙️ Debug overrides cleared." };
      default:
        return { reply: USAGE };
    }
  } catch (err) {
    if (err instanceof Error && err.message.startsWith("invalid config path"))
      return { reply: `⚠️ ${err.message}` };
    throw err;
  }
}

const USAGE = "Usage: /debug show | set <path>=<value> | unset <path> | reset";

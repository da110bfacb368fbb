import JSON5 from "json5";
import { ConfigError, formatIssues } from "../../config/issues.ts";
import { readConfigSnapshot } from "../../config/load.ts";
import { getAtPath, type PathPart, parsePathExpr, setAtPath, unsetAtPath } from "../../config/path-expr.ts";
import { writeConfig } from "../../config/write.ts";
import { Redactor } from "../../infra/redact.ts";
import type { CommandContext, CommandOutcome } from "./run-command.ts";

/** Why an owner-only command is refused, or `undefined` when the sender may run it. */
export function ownerOnlyRefusal(
  name: "config" | "debug",
  enabled: boolean,
  ctx: CommandContext,
): string | undefined {
  if (!enabled) return `⚠️ /${name} is disabled. Set commands.${name}: true to enable it.`;
  // Protocol clients carry no sender: they are the operator, hence the owner.
  if (ctx.sender && !ctx.sender.owner) return `⚠️ /${name} is restricted to the owner.`;
  return undefined;
}

/**
 * `/config show|get|set|unset` (reference-agent §3.9): owner-only, needs `commands.config: true`.
 * Reads the file's own tree (not the defaulted config); writes go through the one config writer,
 * which validates the whole result first, so an invalid value changes nothing. The gateway's
 * config watcher then applies the new file as any other edit.
 */
export async function configCommand(args: string, ctx: CommandContext): Promise<CommandOutcome> {
  const refusal = ownerOnlyRefusal("config", ctx.config.commands?.config === true, ctx);
  if (refusal) return { reply: refusal };
  if (!ctx.configPath) return { reply: "⚠️ /config is not available here (no config file)." };
  const { action, path, value } = splitArgs(args);
  try {
    switch (action) {
      case "":
      case "show": {
        const snap = await readConfigSnapshot(ctx.configPath, ctx.env);
        const tree = path ? getAtPath(snap.source, parsePathExpr(path)) : snap.source;
        return { reply: tree === undefined ? `${path} is not set.` : `${path || "Config"}:\n${shown(tree)}` };
      }
      case "get": {
        if (!path) return { reply: USAGE };
        const snap = await readConfigSnapshot(ctx.configPath, ctx.env);
        const found = getAtPath(snap.source, parsePathExpr(path));
        return {
          reply: found === undefined ? `${path} is not set.` : `${path} = ${shown(found, lastKey(path))}`,
        };
      }
      case "set": {
        if (!path || value === undefined) return { reply: USAGE };
        const parts = parsePathExpr(path);
        const parsed = parseValue(value);
        await writeConfig({
          path: ctx.configPath,
          env: ctx.env,
          update: (cur) => setAtPath(cur, parts, parsed),
        });
        return { reply: `⚙️ Config updated: ${path} = ${shown(parsed, lastKey(path))}` };
      }
      case "unset": {
        if (!path) return { reply: USAGE };
        const parts: PathPart[] = parsePathExpr(path);
        let removed = false;
        await writeConfig({
          path: ctx.configPath,
          env: ctx.env,
          update: (cur) => {
            const out = unsetAtPath(cur, parts);
            removed = out.removed;
            return out.tree;
          },
        });
        return { reply: removed ? `⚙️ Config updated: removed ${path}` : `${path} was not set.` };
      }
      default:
        return { reply: USAGE };
    }
  } catch (err) {
    if (err instanceof ConfigError)
      return { reply: `⚠️ Config not changed: ${err.message}\n${formatIssues(err.issues)}` };
    if (err instanceof Error && err.message.startsWith("invalid config path"))
      return { reply: `⚠️ ${err.message}` };
    throw err;
  }
}

function lastKey(path: string): string {
  return String(parsePathExpr(path).at(-1) ?? "");
}

const USAGE = "Usage: /config show [path] | get <path> | set <path>=<value> | unset <path>";

/** `set a.b=1`, `set a.b 1`, `get a.b`, `show`. */
export function splitArgs(args: string): { action: string; path: string; value: string | undefined } {
  const m = /^(\S*)\s*([\s\S]*)$/.exec(args.trim())!;
  const action = m[1]!.toLowerCase();
  const rest = m[2]!.trim();
  const eq = /^([^=\s]+)\s*=\s*([\s\S]*)$/.exec(rest);
  if (eq) return { action, path: eq[1]!, value: eq[2]! };
  const sp = /^(\S+)\s+([\s\S]+)$/.exec(rest);
  if (sp) return { action, path: sp[1]!, value: sp[2]! };
  return { action, path: rest, value: undefined };
}

/** JSON5 when it parses (numbers, booleans, objects, quoted strings), else the text as a string. */
export function parseValue(raw: string): unknown {
  try {
    return JSON5.parse(raw);
  } catch {
    return raw;
  }
}

/** Secret-named values are masked: a chat is not the place for tokens. */
export function shown(value: unknown, key = ""): string {
  const redactor = new Redactor();
  redactor.registerSecretsIn(value, key);
  const safe = redactor.redact(value);
  return typeof safe === "string" ? safe : JSON.stringify(safe, null, 2);
}

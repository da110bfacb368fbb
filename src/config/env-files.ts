import { parseEnv } from "node:util";
import { readTextIfExists } from "../infra/json-file.ts";

/**
 * Parses a dotenv file: `KEY=value`, optional `export `, quotes, `#` comments. Node's own
 * `util.parseEnv` covers the format; we only add the "never override" rule on top.
 */
export function parseDotEnv(text: string): Record<string, string> {
  return parseEnv(text) as Record<string, string>;
}

/**
 * Loads `.env` files in order into `env`, never overriding a variable that is already set (CFG-7).
 * Returns the names it set, for `status`.
 */
export async function loadDotEnvFiles(files: string[], env: NodeJS.ProcessEnv): Promise<string[]> {
  const loaded: string[] = [];
  for (const file of files) {
    const text = await readTextIfExists(file);
    if (text === undefined) continue;
    for (const [key, value] of Object.entries(parseDotEnv(text))) {
      if (env[key] !== undefined) continue;
      env[key] = value;
      loaded.push(key);
    }
  }
  return loaded;
}

/**
 * Applies the config `env` block: `env.vars.<KEY>` and the string shorthand `env.<KEY>`, only
 * where the process environment lacks the variable (CFG-8).
 */
export function applyConfigEnvBlock(block: unknown, env: NodeJS.ProcessEnv): string[] {
  if (!block || typeof block !== "object") return [];
  const applied: string[] = [];
  const set = (key: string, value: unknown): void => {
    if (typeof value !== "string" || env[key] !== undefined) return;
    env[key] = value;
    applied.push(key);
  };
  for (const [key, value] of Object.entries(block)) {
    if (key === "vars" && value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) set(k, v);
    } else if (key !== "shellEnv") {
      set(key, value);
    }
  }
  return applied;
}

import path from "node:path";
import { parseEnv } from "node:util";
import JSON5 from "json5";
import { readTextIfExists } from "../infra/json-file.ts";
import { defaultWorkspaceDir, expandHome, type OpenClawPaths } from "./paths.ts";

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

/** The `.env` files a start loads, in order, and the working directory's one when it was refused. */
export interface StartupEnvFiles {
  files: string[];
  refused?: string;
}

/**
 * `.env` in the working directory, then the state dir's (CFG-7) — except when the working
 * directory is inside an agent workspace or the state dir: the agent can write files there, and
 * a `.env` it wrote must never become gateway configuration (an `OPENCLAW_GATEWAY_TOKEN`, a
 * `NODE_OPTIONS`, a provider base URL…). The state dir's own `.env` is the user's and still loads.
 */
export async function startupEnvFiles(
  paths: OpenClawPaths,
  env: NodeJS.ProcessEnv,
  cwd: string,
): Promise<StartupEnvFiles> {
  const stateEnv = path.join(paths.stateDir, ".env");
  const cwdEnv = path.resolve(cwd, ".env");
  if (cwdEnv === stateEnv) return { files: [stateEnv] };
  const guarded = [
    paths.stateDir,
    defaultWorkspaceDir(env),
    ...(await configuredWorkspaces(paths.configPath, env)),
  ];
  if (guarded.some((dir) => isInside(path.resolve(cwd), path.resolve(dir))))
    return { files: [stateEnv], refused: cwdEnv };
  return { files: [cwdEnv, stateEnv] };
}

function isInside(dir: string, root: string): boolean {
  const rel = path.relative(root, dir);
  return rel === "" || (!rel.startsWith("..") && !path.isAbsolute(rel));
}

/**
 * The workspaces named in the config file, read before `.env` is (so without `$include` or
 * `${VAR}`: a path that needs either is skipped). An unreadable file names none; the full load
 * reports it.
 */
async function configuredWorkspaces(configPath: string, env: NodeJS.ProcessEnv): Promise<string[]> {
  const text = await readTextIfExists(configPath).catch(() => undefined);
  if (text === undefined) return [];
  let raw: unknown;
  try {
    raw = JSON5.parse(text);
  } catch {
    return [];
  }
  const agents = (raw as { agents?: { defaults?: { workspace?: unknown }; list?: unknown } } | null)?.agents;
  const list = Array.isArray(agents?.list) ? (agents.list as { workspace?: unknown }[]) : [];
  return [agents?.defaults?.workspace, ...list.map((a) => a?.workspace)]
    .filter((w): w is string => typeof w === "string" && w !== "" && !w.includes("${"))
    .map((w) => expandHome(w, env));
}

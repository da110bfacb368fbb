import { existsSync } from "node:fs";
import os from "node:os";
import path from "node:path";

/** Where this instance keeps its config and state (reference-gateway §3, "Location and precedence"). */
export interface OpenClawPaths {
  home: string;
  stateDir: string;
  configPath: string;
  profile: string | undefined;
}

export const DEFAULT_GATEWAY_PORT = 18789;
export const DEV_GATEWAY_PORT = 19001;
const PROFILE_NAME = /^[A-Za-z0-9_-]+$/;
const LEGACY_STATE_DIRS = [".clawdbot", ".moldbot", ".moltbot"];

export function resolveHome(env: NodeJS.ProcessEnv): string {
  return env["OPENCLAW_HOME"] || env["HOME"] || os.homedir();
}

/** `~` at the start of a path-valued setting means the user's home (CFG-23). */
export function expandHome(p: string, env: NodeJS.ProcessEnv): string {
  if (p === "~") return resolveHome(env);
  if (p.startsWith("~/")) return path.join(resolveHome(env), p.slice(2));
  return p;
}

export function profileStateDir(home: string, profile: string | undefined): string {
  return !profile || profile === "default"
    ? path.join(home, ".openclaw")
    : path.join(home, `.openclaw-${profile}`);
}

export function resolvePaths(env: NodeJS.ProcessEnv): OpenClawPaths {
  const home = resolveHome(env);
  const profile = env["OPENCLAW_PROFILE"] || undefined;
  const explicit = env["OPENCLAW_STATE_DIR"] || env["CLAWDBOT_STATE_DIR"];
  let stateDir = explicit ? expandHome(explicit, env) : profileStateDir(home, profile);
  if (!explicit && !profile && !existsSync(stateDir)) {
    // An install that predates the rename keeps working where it is.
    const legacy = LEGACY_STATE_DIRS.map((d) => path.join(home, d)).find((d) => existsSync(d));
    if (legacy) stateDir = legacy;
  }
  const configEnv = env["OPENCLAW_CONFIG_PATH"] || env["CLAWDBOT_CONFIG_PATH"];
  const configPath = configEnv ? expandHome(configEnv, env) : path.join(stateDir, "openclaw.json");
  return { home, stateDir, configPath, profile };
}

/** The default agent workspace (reference-agent §1.2). */
export function defaultWorkspaceDir(env: NodeJS.ProcessEnv): string {
  const override = env["OPENCLAW_WORKSPACE_DIR"];
  if (override) return expandHome(override, env);
  return path.join(profileStateDir(resolveHome(env), env["OPENCLAW_PROFILE"]), "workspace");
}

export interface ProfileFlags {
  argv: string[];
  error?: string;
}

/**
 * Applies `--dev` / `--profile <name>` found before the first non-flag word (CLI-7) to `env`,
 * without overriding variables the user set, and returns argv without them.
 */
export function applyProfileFlags(argv: string[], env: NodeJS.ProcessEnv): ProfileFlags {
  const out: string[] = [];
  let profile: string | undefined;
  let dev = false;
  let i = 0;
  for (; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith("-")) break;
    if (arg === "--dev") {
      dev = true;
    } else if (arg === "--profile" || arg.startsWith("--profile=")) {
      const value = arg.includes("=") ? arg.slice("--profile=".length) : argv[++i];
      if (!value || !PROFILE_NAME.test(value)) {
        return { argv, error: 'Invalid --profile (use letters, numbers, "_", "-" only)' };
      }
      profile = value;
    } else {
      out.push(arg);
    }
  }
  out.push(...argv.slice(i));
  if (dev && profile) return { argv, error: "Cannot combine --dev with --profile" };
  if (dev) profile = "dev";
  if (!profile) profile = env["OPENCLAW_PROFILE"] || undefined;
  if (profile && !PROFILE_NAME.test(profile)) {
    return { argv, error: 'Invalid --profile (use letters, numbers, "_", "-" only)' };
  }
  if (profile) {
    env["OPENCLAW_PROFILE"] = profile;
    const stateDir = env["OPENCLAW_STATE_DIR"] || profileStateDir(resolveHome(env), profile);
    env["OPENCLAW_STATE_DIR"] ??= stateDir;
    env["OPENCLAW_CONFIG_PATH"] ??= path.join(stateDir, "openclaw.json");
  }
  if (dev) env["OPENCLAW_GATEWAY_PORT"] ??= String(DEV_GATEWAY_PORT);
  return { argv: out };
}

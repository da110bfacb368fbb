import { isPlainObject } from "./includes.ts";

export type ReloadAction = "none" | "hot" | "restart";

/**
 * Prefix rules from reference-gateway §3 ("Hot reload vs restart"); the first match wins and any
 * path no rule matches needs a restart.
 */
const RULES: readonly [prefix: string, action: ReloadAction][] = [
  ["gateway.remote", "none"],
  ["gateway.reload", "none"],
  ["hooks", "hot"],
  ["agents.defaults.heartbeat", "hot"],
  ["cron", "hot"],
  ["browser", "hot"],
  ["channels", "hot"],
  ["web", "hot"],
  ...[
    "meta",
    "identity",
    "wizard",
    "logging",
    "models",
    "agents",
    "tools",
    "bindings",
    "audio",
    "agent",
    "routing",
    "messages",
    "session",
    "talk",
    "skills",
    "secrets",
    "ui",
    "env",
    "auth",
    "commands",
    "approvals",
    "memory",
    "diagnostics",
    "update",
    "broadcast",
    "acp",
    "nodeHost",
  ].map((p) => [p, "hot"] as [string, ReloadAction]),
  ["plugins", "restart"],
  ["gateway", "restart"],
  ["discovery", "restart"],
  ["canvasHost", "restart"],
];

export interface ReloadPlan {
  changed: string[];
  restart: string[];
  hot: string[];
}

/** Dotted leaf paths whose value differs between two config trees. */
export function diffPaths(a: unknown, b: unknown, prefix = ""): string[] {
  // A section added or removed is reported by its leaves, so rules can match `logging.level`.
  const left = a === undefined && isPlainObject(b) ? {} : a;
  const right = b === undefined && isPlainObject(a) ? {} : b;
  if (isPlainObject(left) && isPlainObject(right)) {
    const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
    return [...keys].flatMap((k) => diffPaths(left[k], right[k], prefix ? `${prefix}.${k}` : k));
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix || "(root)"];
}

function actionFor(path: string): ReloadAction {
  for (const [prefix, action] of RULES) {
    if (path === prefix || path.startsWith(`${prefix}.`)) return action;
  }
  return "restart";
}

/** Decides what a config change needs (pure; the watcher acts on it per `gateway.reload.mode`). */
export function planReload(prev: unknown, next: unknown): ReloadPlan {
  const changed = diffPaths(prev, next);
  return {
    changed,
    restart: changed.filter((p) => actionFor(p) === "restart"),
    hot: changed.filter((p) => actionFor(p) === "hot"),
  };
}

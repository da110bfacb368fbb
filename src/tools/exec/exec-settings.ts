import type { OpenClawConfig } from "../../config/schema.ts";
import { mainSessionKey } from "../../sessions/session-key.ts";
import type { ExecAsk, ExecSecurity } from "../exec-approvals/exec-policy.ts";

/** `tools.exec.*` for one agent and session, with the reference's defaults applied (§2.7). */
export interface ExecSettings {
  /** The configured host; `undefined` = the documented default (`sandbox`, falling back to gateway). */
  host: "sandbox" | "gateway" | "node" | undefined;
  /** Explicit `security`; unset means deny in a sandbox, allowlist on gateway/node hosts. */
  security: ExecSecurity | undefined;
  ask: ExecAsk;
  pathPrepend: string[];
  safeBins: string[];
  safeBinTrustedDirs: string[];
  backgroundMs: number;
  timeoutSec: number;
  /** This session would run sandboxed (`agents.*.sandbox.mode`). */
  sandboxed: boolean;
  /** `tools.elevated.enabled`, narrowed by the agent's own setting. */
  elevatedEnabled: boolean;
}

const TRUSTED_DIRS = ["/bin", "/usr/bin"];

/** Global `tools.exec` overlaid by `agents.defaults.tools.exec`, then by the agent's own. Pure. */
export function resolveExecSettings(
  config: OpenClawConfig,
  agentId: string,
  sessionKey: string,
): ExecSettings {
  const id = agentId.trim().toLowerCase();
  const entry = config.agents?.list?.find((a) => a.id.trim().toLowerCase() === id);
  const global = config.tools?.exec;
  const exec = { ...global, ...config.agents?.defaults?.tools?.exec, ...entry?.tools?.exec };
  const sandboxMode = entry?.sandbox?.mode ?? config.agents?.defaults?.sandbox?.mode ?? "off";
  const sandboxed =
    sandboxMode === "all" || (sandboxMode === "non-main" && sessionKey !== mainSessionKey(id));
  const elevatedGlobal = config.tools?.elevated?.enabled === true;
  const elevatedAgent = entry?.tools?.elevated?.enabled ?? config.agents?.defaults?.tools?.elevated?.enabled;
  return {
    host: exec.host,
    security: exec.security,
    ask: exec.ask ?? "on-miss",
    pathPrepend: exec.pathPrepend ?? [],
    safeBins: exec.safeBins ?? [],
    safeBinTrustedDirs: [...TRUSTED_DIRS, ...(exec.safeBinTrustedDirs ?? [])],
    backgroundMs: exec.backgroundMs ?? 10_000,
    timeoutSec: exec.timeoutSec ?? 1800,
    sandboxed,
    elevatedEnabled: elevatedGlobal && elevatedAgent !== false,
  };
}

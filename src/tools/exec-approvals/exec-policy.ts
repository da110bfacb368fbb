import type { AgentApprovals } from "./approvals-file.ts";

// The effective exec policy and the decision for one command (reference-agent §2.7). Pure.

export type ExecSecurity = "deny" | "allowlist" | "full";
export type ExecAsk = "off" | "on-miss" | "always";

export interface ExecPolicy {
  security: ExecSecurity;
  ask: ExecAsk;
  /** What an approval that nobody can answer turns into. */
  askFallback: ExecSecurity;
}

const SECURITY_RANK: Readonly<Record<ExecSecurity, number>> = { deny: 0, allowlist: 1, full: 2 };
const ASK_RANK: Readonly<Record<ExecAsk, number>> = { always: 0, "on-miss": 1, off: 2 };

/** An unknown value in the file is read as the strictest setting, never as a looser one. */
function asSecurity(v: string | undefined): ExecSecurity | undefined {
  if (v === undefined) return undefined;
  return v === "allowlist" || v === "full" || v === "deny" ? v : "deny";
}

function asAsk(v: string | undefined): ExecAsk | undefined {
  if (v === undefined) return undefined;
  return v === "off" || v === "on-miss" || v === "always" ? v : "always";
}

export function stricterSecurity(a: ExecSecurity, b: ExecSecurity): ExecSecurity {
  return SECURITY_RANK[a] <= SECURITY_RANK[b] ? a : b;
}

export function stricterAsk(a: ExecAsk, b: ExecAsk): ExecAsk {
  return ASK_RANK[a] <= ASK_RANK[b] ? a : b;
}

export interface PolicyInputs {
  /** `tools.exec.security` / `.ask` after the agent's override; security defaults by host. */
  config: { security: ExecSecurity; ask: ExecAsk };
  /** The approvals file's view for this agent (its fields fall back to `config` when missing). */
  file: AgentApprovals;
  /** What the tool call asked for: it may only tighten the policy. */
  requested?: { security?: ExecSecurity | undefined; ask?: ExecAsk | undefined };
}

/** The stricter of `tools.exec.*`, the approvals file and the call's own request. */
export function effectivePolicy(inputs: PolicyInputs): ExecPolicy {
  const { config, file, requested } = inputs;
  let security = stricterSecurity(config.security, asSecurity(file.security) ?? config.security);
  let ask = stricterAsk(config.ask, asAsk(file.ask) ?? config.ask);
  if (requested?.security) security = stricterSecurity(security, requested.security);
  if (requested?.ask) ask = stricterAsk(ask, requested.ask);
  const askFallback = stricterSecurity(asSecurity(file.askFallback) ?? "deny", security);
  return { security, ask, askFallback };
}

export type ExecDecision =
  | { type: "allow" }
  | { type: "deny"; reason: string }
  | { type: "ask"; reason: string };

/**
 * What to do with a command: `allowlisted` says whether every program it starts passed the
 * allowlist (or safe bins). `deny` blocks everything; `full` runs everything (unless ask=always);
 * `allowlist` runs hits and asks (or refuses, with ask=off) on misses.
 */
export function decideExec(policy: ExecPolicy, allowlisted: boolean, missReason: string): ExecDecision {
  switch (policy.security) {
    case "deny":
      return { type: "deny", reason: "exec is disabled by the exec approvals policy (security=deny)" };
    case "full":
      return policy.ask === "always"
        ? { type: "ask", reason: "approval is always required" }
        : { type: "allow" };
    case "allowlist":
      if (allowlisted)
        return policy.ask === "always"
          ? { type: "ask", reason: "approval is always required" }
          : { type: "allow" };
      if (policy.ask === "off") return { type: "deny", reason: `not allowlisted: ${missReason}` };
      return { type: "ask", reason: `not allowlisted: ${missReason}` };
  }
}

/** The decision when an approval cannot be asked for (or was never answered): `askFallback`. */
export function fallbackDecision(policy: ExecPolicy, allowlisted: boolean, missReason: string): ExecDecision {
  switch (policy.askFallback) {
    case "full":
      return { type: "allow" };
    case "allowlist":
      return allowlisted
        ? { type: "allow" }
        : {
            type: "deny",
            reason: `no approver is available and the command is not allowlisted: ${missReason}`,
          };
    case "deny":
      return { type: "deny", reason: "approval required but no approver is available (askFallback=deny)" };
  }
}

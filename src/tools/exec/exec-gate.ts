import { checkAllowlist } from "../exec-approvals/allowlist-check.ts";
import { agentView, execApprovalsPath, readExecApprovals } from "../exec-approvals/approvals-file.ts";
import { analyzeCommand, realDirs } from "../exec-approvals/command-analysis.ts";
import {
  decideExec,
  type ExecAsk,
  type ExecDecision,
  type ExecPolicy,
  type ExecSecurity,
  effectivePolicy,
} from "../exec-approvals/exec-policy.ts";

/** Everything the approval decision for one command needs. */
export interface GateInput {
  command: string;
  agentId: string;
  stateDir: string;
  cwd: string;
  /** PATH of the child: programs are resolved as its shell will resolve them. */
  pathEnv: string;
  shell: string;
  home: string;
  config: { security: ExecSecurity; ask: ExecAsk };
  requested: { security?: ExecSecurity | undefined; ask?: ExecAsk | undefined };
  safeBins: readonly string[];
  safeBinTrustedDirs: readonly string[];
}

export interface GateResult {
  decision: ExecDecision;
  policy: ExecPolicy;
  allowlisted: boolean;
  missReason: string;
  /** Resolved paths of the programs the command starts (what "allow always" records). */
  resolvedPaths: string[];
  /** Allowlist entries that let it through, for `lastUsedAt`. */
  matches: { pattern: string; resolvedPath: string }[];
  approvalsFile: string;
}

/**
 * Decides whether a host command may run (reference-agent §2.7): the stricter of `tools.exec.*`
 * and `exec-approvals.json`, then the allowlist over every program the command would start.
 * Throws when the approvals file cannot be read: exec never runs on a policy it could not load.
 */
export async function gateCommand(input: GateInput): Promise<GateResult> {
  const approvalsFile = execApprovalsPath(input.stateDir);
  const view = agentView(await readExecApprovals(approvalsFile), input.agentId);
  const policy = effectivePolicy({ config: input.config, file: view, requested: input.requested });
  const base = { policy, approvalsFile };
  if (policy.security === "deny") {
    return {
      ...base,
      decision: decideExec(policy, false, ""),
      allowlisted: false,
      missReason: "",
      resolvedPaths: [],
      matches: [],
    };
  }
  const trustedDirs = [...(await realDirs(input.safeBinTrustedDirs))];
  const analysis = await analyzeCommand(input.command, {
    cwd: input.cwd,
    pathEnv: input.pathEnv,
    trustedDirs,
    shell: input.shell,
  });
  const check = checkAllowlist(analysis, {
    allowlist: view.allowlist ?? [],
    safeBins: input.safeBins,
    trustedDirs,
    home: input.home,
  });
  return {
    ...base,
    decision: decideExec(policy, check.satisfied, check.missReason),
    allowlisted: check.satisfied,
    missReason: check.missReason,
    resolvedPaths: analysis.ok ? analysis.programs.map((p) => p.resolvedPath) : [],
    matches: check.matches,
  };
}

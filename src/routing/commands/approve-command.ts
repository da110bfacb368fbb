import {
  APPROVAL_DECISIONS,
  type ApprovalBroker,
  type ApprovalDecision,
} from "../../tools/exec-approvals/approval-broker.ts";

/** Short forms people type for the three decisions. */
const ALIASES: Readonly<Record<string, ApprovalDecision>> = {
  once: "allow-once",
  allow: "allow-once",
  always: "allow-always",
  reject: "deny",
};

const USAGE = "Usage: /approve <id> allow-once|allow-always|deny";

/**
 * `/approve <id> allow-once|allow-always|deny` (reference-agent §3.9): resolves one of this
 * agent's pending exec approvals. What then runs is the command stored with the approval.
 */
export async function approveCommand(
  args: string,
  ctx: { agentId: string; sessionKey: string; execApprovals?: ApprovalBroker },
): Promise<{ reply: string }> {
  const [id, rawDecision] = args.split(/\s+/).filter(Boolean);
  const word = rawDecision?.toLowerCase() ?? "";
  const decision = (APPROVAL_DECISIONS as readonly string[]).includes(word)
    ? (word as ApprovalDecision)
    : ALIASES[word];
  if (!id || !decision) return { reply: USAGE };
  if (!ctx.execApprovals) return { reply: "No exec approvals are pending on this gateway." };
  const pending = ctx.execApprovals.get(id);
  const out = await ctx.execApprovals.resolve(id, decision, {
    agentId: ctx.agentId,
    resolvedBy: `chat:${ctx.sessionKey}`,
  });
  if (!out.ok || !pending) return { reply: `Unknown or expired approval id: ${id}` };
  if (out.decision === "deny") return { reply: `❌ Denied: ${pending.spec.command}` };
  const lines = [
    `✅ Approved (${out.decision}): running \`${pending.spec.command}\` as exec session ${out.sessionId}.`,
  ];
  if (out.decision === "allow-always") {
    lines.push(
      out.allowlistError
        ? `⚠️ Could not update the allowlist: ${out.allowlistError}`
        : pending.resolvedPaths.length > 0
          ? `Added to the allowlist: ${[...new Set(pending.resolvedPaths)].join(", ")}`
          : "Nothing was added to the allowlist (this command's programs could not be resolved).",
    );
  }
  return { reply: lines.join("\n") };
}

import { randomUUID } from "node:crypto";
import { errorMessage } from "../../infra/errors.ts";
import type { Logger } from "../../infra/logger.ts";
import type { JobLimits, JobSpec } from "../process/exec-job.ts";
import type { JobOwner, ProcessRegistry } from "../process/process-registry.ts";
import { addAllowlistPaths } from "./approvals-file.ts";
import { type ExecPolicy, fallbackDecision } from "./exec-policy.ts";

export const APPROVAL_DECISIONS = ["allow-once", "allow-always", "deny"] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

/** 2026.2.26 lets an approval wait two minutes before its `askFallback` applies. */
export const DEFAULT_APPROVAL_TIMEOUT_MS = 120_000;
/** Beyond this many open approvals the oldest gets its fallback early (a model looping on exec). */
const MAX_PENDING = 100;

/** A command waiting for a person. Its spec is frozen: what runs is exactly what was shown. */
export interface PendingApproval {
  readonly id: string;
  readonly owner: JobOwner;
  readonly spec: JobSpec;
  readonly limits: JobLimits;
  /** The programs' resolved paths: what "allow always" adds to the allowlist. */
  readonly resolvedPaths: readonly string[];
  readonly policy: ExecPolicy;
  readonly allowlisted: boolean;
  readonly reason: string;
  readonly approvalsFile: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
}

export type ApprovalRequest = Omit<PendingApproval, "id" | "createdAtMs" | "expiresAtMs">;

export type ResolveOutcome =
  | { ok: true; decision: ApprovalDecision; sessionId?: string; allowlistError?: string }
  | { ok: false; reason: "unknown" };

export interface ApprovalBrokerDeps {
  processes: ProcessRegistry;
  /** Broadcasts `exec.approval.requested` / `exec.approval.resolved` (reference-gateway §2). */
  emit(event: "exec.approval.requested" | "exec.approval.resolved", payload: Record<string, unknown>): void;
  log: Logger;
  now?: () => number;
}

/**
 * Pending exec approvals of one gateway (reference-agent §2.7). An allowed approval starts the
 * stored command as a background job under the approval's id, so `process poll <id>` finds it.
 * An unanswered one falls back to `askFallback` when it expires.
 */
export class ApprovalBroker {
  readonly #pending = new Map<string, { approval: PendingApproval; timer: NodeJS.Timeout }>();
  readonly #deps: ApprovalBrokerDeps;
  readonly #now: () => number;

  constructor(deps: ApprovalBrokerDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
  }

  request(req: ApprovalRequest, timeoutMs = DEFAULT_APPROVAL_TIMEOUT_MS): PendingApproval {
    while (this.#pending.size >= MAX_PENDING) this.#expire(this.#pending.keys().next().value!);
    const now = this.#now();
    const approval: PendingApproval = Object.freeze({
      ...req,
      spec: Object.freeze({
        ...req.spec,
        args: Object.freeze([...req.spec.args]),
        env: Object.freeze({ ...req.spec.env }),
      }),
      resolvedPaths: Object.freeze([...req.resolvedPaths]),
      id: randomUUID().replaceAll("-", "").slice(0, 8),
      createdAtMs: now,
      expiresAtMs: now + timeoutMs,
    });
    const timer = setTimeout(() => this.#expire(approval.id), timeoutMs);
    timer.unref();
    this.#pending.set(approval.id, { approval, timer });
    this.#deps.emit("exec.approval.requested", {
      id: approval.id,
      request: {
        command: approval.spec.command,
        commandArgv: [approval.spec.file, ...approval.spec.args],
        cwd: approval.spec.cwd,
        host: "gateway",
        security: approval.policy.security,
        ask: approval.policy.ask,
        agentId: approval.owner.agentId,
        resolvedPath: approval.resolvedPaths[0] ?? null,
        sessionKey: approval.owner.sessionKey,
      },
      createdAtMs: approval.createdAtMs,
      expiresAtMs: approval.expiresAtMs,
    });
    return approval;
  }

  get(id: string): PendingApproval | undefined {
    return this.#pending.get(id)?.approval;
  }

  list(): PendingApproval[] {
    return [...this.#pending.values()].map((p) => p.approval);
  }

  /**
   * Applies a decision. `agentId`, when given, limits it to that agent's approvals (a chat
   * `/approve` only reaches its own agent's commands). Never throws for a failed allowlist write:
   * the command still runs once and the outcome says what went wrong.
   */
  async resolve(
    id: string,
    decision: ApprovalDecision,
    opts: { agentId?: string; resolvedBy: string },
  ): Promise<ResolveOutcome> {
    const held = this.#pending.get(id.trim());
    if (!held || (opts.agentId !== undefined && held.approval.owner.agentId !== opts.agentId))
      return { ok: false, reason: "unknown" };
    this.#pending.delete(held.approval.id);
    clearTimeout(held.timer);
    const a = held.approval;
    this.#announce(a, decision, opts.resolvedBy);
    if (decision === "deny") return { ok: true, decision };
    let allowlistError: string | undefined;
    if (decision === "allow-always") {
      try {
        await addAllowlistPaths(
          a.approvalsFile,
          a.owner.agentId,
          [...a.resolvedPaths],
          a.spec.command,
          this.#now(),
        );
      } catch (err) {
        allowlistError = errorMessage(err);
        this.#deps.log.warn("could not add to the exec allowlist", { err });
      }
    }
    this.#run(a);
    return { ok: true, decision, sessionId: a.id, ...(allowlistError ? { allowlistError } : {}) };
  }

  /** Drops every pending approval (gateway shutdown); nothing runs. */
  dispose(): void {
    for (const p of this.#pending.values()) clearTimeout(p.timer);
    this.#pending.clear();
  }

  #run(a: PendingApproval): void {
    this.#deps.processes.start(a.spec, a.owner, a.limits, { id: a.id, background: true });
  }

  #announce(a: PendingApproval, decision: ApprovalDecision, resolvedBy: string): void {
    this.#deps.emit("exec.approval.resolved", { id: a.id, decision, resolvedBy, ts: this.#now() });
  }

  #expire(id: string): void {
    const held = this.#pending.get(id);
    if (!held) return;
    this.#pending.delete(id);
    clearTimeout(held.timer);
    const a = held.approval;
    const fallback = fallbackDecision(a.policy, a.allowlisted, a.reason);
    this.#announce(a, fallback.type === "allow" ? "allow-once" : "deny", "timeout");
    if (fallback.type === "allow") this.#run(a);
  }
}

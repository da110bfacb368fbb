import type { Logger } from "../../infra/logger.ts";
import { ApprovalBroker } from "../exec-approvals/approval-broker.ts";
import { ProcessRegistry } from "../process/process-registry.ts";

/**
 * What exec needs beyond one turn: the background jobs and pending approvals of the gateway
 * process. Built once by the gateway; one-shot CLI runs have none (then exec runs synchronously
 * and an approval falls back to `askFallback`).
 */
export interface ExecRuntime {
  readonly processes: ProcessRegistry;
  readonly approvals: ApprovalBroker;
  /** Kills running jobs and drops pending approvals. */
  dispose(): void;
}

export function createExecRuntime(deps: {
  cleanupMs: () => number;
  log: Logger;
  emit(event: "exec.approval.requested" | "exec.approval.resolved", payload: Record<string, unknown>): void;
}): ExecRuntime {
  const processes = new ProcessRegistry({ cleanupMs: deps.cleanupMs });
  const approvals = new ApprovalBroker({ processes, emit: deps.emit, log: deps.log });
  return {
    processes,
    approvals,
    dispose() {
      approvals.dispose();
      processes.killAll();
    },
  };
}

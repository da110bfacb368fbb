import { stat } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { errorMessage } from "../../infra/errors.ts";
import type { Logger } from "../../infra/logger.ts";
import { recordAllowlistUse } from "../exec-approvals/approvals-file.ts";
import { fallbackDecision } from "../exec-approvals/exec-policy.ts";
import { ExecJob, type JobLimits, type JobSpec, jobLimitsFromEnv } from "../process/exec-job.ts";
import { finishedResult, runningResult } from "../process/job-output.ts";
import { type DefinedTool, defineTool, type ToolResult } from "../types.ts";
import { buildChildEnv, checkEnvOverrides } from "./child-env.ts";
import { gateCommand } from "./exec-gate.ts";
import type { ExecRuntime } from "./exec-runtime.ts";
import type { ExecSettings } from "./exec-settings.ts";
import { pickHostShell } from "./shell.ts";

const ExecArgs = z.object({
  command: z.string().min(1).describe("The shell command to run."),
  workdir: z.string().optional().describe("Working directory (default: the workspace)."),
  env: z.record(z.string(), z.string()).optional().describe("Extra environment variables."),
  yieldMs: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe("Move the command to the background after this many ms (default 10000)."),
  background: z.boolean().optional().describe("Start in the background right away."),
  timeout: z
    .number()
    .positive()
    .optional()
    .describe("Kill the command after this many seconds (default 1800)."),
  pty: z.boolean().optional().describe("Run in a pseudo-terminal (not available on this host: ignored)."),
  elevated: z.boolean().optional().describe("Run on the gateway host from a sandboxed session, if allowed."),
  host: z.enum(["sandbox", "gateway", "node"]).optional(),
  security: z
    .enum(["deny", "allowlist", "full"])
    .optional()
    .describe("May only tighten the configured policy."),
  ask: z.enum(["off", "on-miss", "always"]).optional().describe("May only tighten the configured policy."),
  node: z.string().optional(),
});
type ExecArgs = z.output<typeof ExecArgs>;

export interface ExecToolOptions {
  agentId: string;
  sessionKey: string;
  workspaceDir: string;
  stateDir: string;
  /** The gateway's environment (filtered before a child sees it). */
  env: NodeJS.ProcessEnv;
  settings: ExecSettings;
  /** Background jobs and approvals; absent in one-shot CLI runs. */
  runtime?: ExecRuntime;
  /** Whether `process` is offered too: without it exec never yields (reference-agent §2.7). */
  processAllowed: boolean;
  log?: Logger;
}

/** PI_BASH_YIELD_MS is clamped to 10–120000 ms. */
const clampYield = (ms: number): number => Math.min(120_000, Math.max(10, ms));

/** `exec` (reference-agent §2.1, §2.7): shell commands on the gateway host, gated by exec approvals. */
export function createExecTool(opts: ExecToolOptions): DefinedTool {
  return defineTool({
    name: "exec",
    description:
      "Run a shell command on the host, in the workspace by default. Long commands continue in the " +
      "background (status running + sessionId; follow up with the process tool). Commands may need " +
      "the user's approval (status approval-pending).",
    summary: "Run shell commands (long ones continue in the background; see process)",
    schema: ExecArgs,
    run: (args, signal) => runExec(args, signal, opts),
  });
}

async function runExec(args: ExecArgs, signal: AbortSignal, opts: ExecToolOptions): Promise<ToolResult> {
  const { settings } = opts;
  const refused = hostRefusal(args, settings);
  if (refused) return { text: refused, isError: true };
  const cwd = path.resolve(opts.workspaceDir, args.workdir ?? ".");
  const isDir = await stat(cwd).then(
    (s) => s.isDirectory(),
    () => false,
  );
  if (!isDir) return { text: `workdir ${cwd} is not a directory`, isError: true };

  const configSecurity = settings.security ?? "allowlist"; // gateway host default (§2.7)
  // PATH cannot come from the call, so programs resolve the same with or without its env.
  const baseEnv = buildChildEnv({ base: opts.env, pathPrepend: settings.pathPrepend });
  const shell = await pickHostShell({ SHELL: opts.env["SHELL"], PATH: baseEnv["PATH"] });

  let gate: Awaited<ReturnType<typeof gateCommand>>;
  try {
    gate = await gateCommand({
      command: args.command,
      agentId: opts.agentId,
      stateDir: opts.stateDir,
      cwd,
      pathEnv: baseEnv["PATH"]!,
      shell: shell.name,
      home: opts.env["HOME"] ?? "/",
      config: { security: configSecurity, ask: settings.ask },
      requested: { security: args.security, ask: args.ask },
      safeBins: settings.safeBins,
      safeBinTrustedDirs: settings.safeBinTrustedDirs,
    });
  } catch (err) {
    return {
      text: `Exec denied: the exec approvals file could not be read (${errorMessage(err)}).`,
      isError: true,
    };
  }
  const envCheck = checkEnvOverrides(args.env ?? {}, gate.policy.security !== "full");
  if (!envCheck.ok) return { text: envCheck.reason, isError: true };
  const childEnv = { ...baseEnv, ...args.env };
  const spec: JobSpec = Object.freeze({
    file: shell.file,
    args: Object.freeze(["-c", args.command]),
    cwd,
    env: Object.freeze(childEnv),
    command: args.command,
  });
  const limits = jobLimitsFromEnv(opts.env, Math.round((args.timeout ?? settings.timeoutSec) * 1000));
  let decision = gate.decision;
  if (decision.type === "ask") {
    const broker = opts.runtime?.approvals;
    if (broker) {
      const approval = broker.request({
        owner: { agentId: opts.agentId, sessionKey: opts.sessionKey },
        spec,
        limits,
        resolvedPaths: gate.resolvedPaths,
        policy: gate.policy,
        allowlisted: gate.allowlisted,
        reason: decision.reason,
        approvalsFile: gate.approvalsFile,
      });
      return { text: approvalPendingText(approval.id, spec, approval.expiresAtMs, decision.reason) };
    }
    decision = fallbackDecision(gate.policy, gate.allowlisted, gate.missReason);
  }
  if (decision.type === "deny")
    return { text: `Exec denied: ${decision.reason}. The command was not run.`, isError: true };
  if (gate.matches.length > 0) {
    await recordAllowlistUse(gate.approvalsFile, opts.agentId, gate.matches, args.command, Date.now()).catch(
      (err: unknown) => opts.log?.warn("could not record exec allowlist use", { err }),
    );
  }
  return runAllowed(args, spec, limits, signal, opts);
}

/** Host rules of reference-agent §2.7/§2.8; a sentence when the call cannot run here. */
function hostRefusal(args: ExecArgs, settings: ExecSettings): string | undefined {
  if (args.elevated && !settings.elevatedEnabled)
    return "elevated exec is not enabled (tools.elevated.enabled is off for this agent).";
  if (settings.host && args.host && args.host !== settings.host && !args.elevated)
    return `exec host=${args.host} is not allowed here (tools.exec.host is ${settings.host}).`;
  const host = args.elevated ? "gateway" : (args.host ?? settings.host);
  if (host === "node")
    return "exec host=node: no node is connected to this gateway (pair one with `openclaw node run`).";
  if (host === "sandbox" && !settings.sandboxed)
    return "exec host=sandbox was requested but sandboxing is off (agents.defaults.sandbox.mode); use host=gateway.";
  if (settings.sandboxed && !args.elevated)
    return "this session is sandboxed, and no sandbox backend is available to this gateway; exec was not run.";
  return undefined;
}

function approvalPendingText(id: string, spec: JobSpec, expiresAtMs: number, reason: string): string {
  return JSON.stringify({
    status: "approval-pending",
    approvalId: id,
    command: spec.command,
    argv: [spec.file, ...spec.args],
    cwd: spec.cwd,
    expiresAtMs,
    reason,
    note:
      `Approval required: ask the user to reply "/approve ${id} allow-once" (or allow-always, or deny). ` +
      `Once approved this exact command runs as process session ${id}; check it with the process tool.`,
  });
}

/** Runs an allowed command: foreground until it ends, yields or the turn is aborted. */
async function runAllowed(
  args: ExecArgs,
  spec: JobSpec,
  limits: JobLimits,
  signal: AbortSignal,
  opts: ExecToolOptions,
): Promise<ToolResult> {
  const registry = opts.processAllowed ? opts.runtime?.processes : undefined;
  const owner = { agentId: opts.agentId, sessionKey: opts.sessionKey };
  if (registry && args.background) {
    return runningResult(registry.start(spec, owner, limits, { background: true }).job);
  }
  const entry = registry?.start(spec, owner, limits);
  const job = entry?.job ?? new ExecJob("foreground", spec, limits, Date.now());
  const yieldMs = registry ? clampYield(args.yieldMs ?? opts.settings.backgroundMs) : undefined;
  let yieldTimer: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;
  const outcome = await Promise.race([
    job.exited.then(() => "exited" as const),
    new Promise<"yield">((resolve) => {
      if (yieldMs !== undefined) yieldTimer = setTimeout(() => resolve("yield"), yieldMs);
    }),
    new Promise<"aborted">((resolve) => {
      onAbort = () => resolve("aborted");
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    }),
  ]);
  clearTimeout(yieldTimer);
  if (onAbort) signal.removeEventListener("abort", onAbort);
  if (outcome === "yield" && entry) {
    entry.backgrounded = true;
    return runningResult(job);
  }
  if (outcome === "aborted") {
    // `/stop` ends what the turn started in the foreground; background jobs live on (RT-6).
    job.kill();
    await job.exited;
    if (entry) registry?.remove(job.id);
    return { text: `Command aborted: the run was stopped.\n${job.tail(2000)}`.trimEnd(), isError: true };
  }
  if (entry) registry?.remove(job.id);
  return finishedResult(job);
}

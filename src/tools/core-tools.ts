import { createExecTool, type ExecToolOptions } from "./exec/exec-tool.ts";
import { createApplyPatchTool } from "./fs/apply-patch.ts";
import { createEditTool } from "./fs/edit.ts";
import { createReadTool } from "./fs/read.ts";
import { createWriteTool } from "./fs/write.ts";
import { createProcessTool } from "./process/process-tool.ts";
import type { AgentTool, DefinedTool } from "./types.ts";

export interface CoreToolsOptions {
  /** The agent's workspace: relative paths resolve here. */
  workspaceDir: string;
  /** `tools.fs.workspaceOnly` (this project's default: true, reference-agent §2.5). */
  workspaceOnly: boolean;
  /**
   * `tools.exec.applyPatch.workspaceOnly` (default true): `apply_patch` stays in the workspace unless
   * both this and `workspaceOnly` are false.
   */
  applyPatchWorkspaceOnly?: boolean;
  /**
   * `group:runtime`: with these, `exec` is offered, and `process` too when the gateway's job
   * registry is there (one-shot CLI runs have none, so their exec runs in the foreground).
   */
  exec?: ExecToolOptions;
}

/**
 * The fs tools (`group:fs`) bound to one workspace, plus `group:runtime` when `exec` is given. Cheap to call
 * per turn: nothing is read until a tool runs. Filter the result with `resolveAllowedTools` before
 * handing it to the model.
 */
export function createCoreTools(opts: CoreToolsOptions): DefinedTool[] {
  const scope = { workspaceDir: opts.workspaceDir, workspaceOnly: opts.workspaceOnly };
  const patchScope = {
    workspaceDir: opts.workspaceDir,
    workspaceOnly: opts.workspaceOnly || (opts.applyPatchWorkspaceOnly ?? true),
  };
  const runtime = opts.exec?.runtime;
  return [
    createReadTool(scope),
    createWriteTool(scope),
    createEditTool(scope),
    createApplyPatchTool(patchScope),
    ...(opts.exec ? [createExecTool(opts.exec)] : []),
    ...(opts.exec && runtime
      ? [createProcessTool({ agentId: opts.exec.agentId, processes: runtime.processes })]
      : []),
  ];
}

/**
 * One `name: summary` line per tool, for the system prompt's `## Tooling` section (reference-agent
 * §1.4: the tool's summary, else the first sentence of its description).
 */
export function toolSummaryLines(tools: ReadonlyArray<AgentTool & { summary?: string }>): string[] {
  return tools.map((t) => {
    const summary = t.summary ?? t.definition.description.split(/(?<=\.)\s|\n/)[0] ?? "";
    return summary ? `${t.definition.name}: ${summary}` : t.definition.name;
  });
}

import type { AgentTool, ToolResult } from "../../src/tools/types.ts";

/** Calls a tool as the run loop does, with a live signal. */
export function call(tool: AgentTool, args: Record<string, unknown>): Promise<ToolResult> {
  return tool.execute(args, new AbortController().signal);
}

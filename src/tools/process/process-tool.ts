import { z } from "zod";
import { type DefinedTool, defineTool, ToolError, type ToolResult } from "../types.ts";
import { exitNote } from "./job-output.ts";
import type { JobEntry, ProcessRegistry } from "./process-registry.ts";

const ProcessArgs = z.object({
  action: z.enum(["list", "poll", "log", "write", "kill", "clear", "remove"]),
  sessionId: z.string().optional().describe("The exec session (from exec's sessionId)."),
  offset: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe("log: first line (0-based); omit for the last lines."),
  limit: z.number().int().positive().optional().describe("log: number of lines (default 200)."),
  data: z.string().optional().describe("write: text for the command's stdin."),
  eof: z.boolean().optional().describe("write: close stdin afterwards."),
  timeout: z
    .number()
    .int()
    .nonnegative()
    .optional()
    .describe("poll: wait up to this many ms (max 30000) for new output or the exit."),
});
type ProcessArgs = z.output<typeof ProcessArgs>;

export interface ProcessToolOptions {
  agentId: string;
  processes: ProcessRegistry;
}

/** Reference-agent §2.7: `process log` without an offset shows the last 200 lines. */
const DEFAULT_LOG_LINES = 200;
/** A poll waits at most this long (OpenClaw's cap), so one tool call never holds a turn for long. */
const MAX_POLL_WAIT_MS = 30_000;

/** `process` (reference-agent §2.1): background exec sessions of this agent. */
export function createProcessTool(opts: ProcessToolOptions): DefinedTool {
  return defineTool({
    name: "process",
    description:
      "Manage background exec sessions: list, poll (new output and status), log (offset/limit lines), " +
      "write (stdin; eof closes it), kill, clear (forget a finished session), remove (kill and forget).",
    summary: "Manage background exec sessions",
    schema: ProcessArgs,
    run: (args, signal) => runProcess(args, opts, signal),
  });
}

function describe(e: JobEntry): Record<string, unknown> {
  const j = e.job;
  return {
    sessionId: j.id,
    status: j.status,
    pid: j.pid,
    command: j.spec.command,
    cwd: j.spec.cwd,
    startedAt: j.startedAt,
    ...(j.endedAt !== undefined
      ? { endedAt: j.endedAt, exitCode: j.exitCode, exitSignal: j.exitSignal }
      : {}),
  };
}

async function runProcess(
  args: ProcessArgs,
  opts: ProcessToolOptions,
  signal: AbortSignal,
): Promise<ToolResult | string> {
  const { processes, agentId } = opts;
  if (args.action === "list") {
    const all = processes.list(agentId).map(describe);
    return all.length === 0 ? "No background exec sessions." : JSON.stringify(all, null, 2);
  }
  if (!args.sessionId) throw new ToolError(`process ${args.action} needs a sessionId`);
  const entry = processes.get(args.sessionId, agentId);
  if (!entry)
    throw new ToolError(`No exec session ${args.sessionId} (finished sessions are kept 30 minutes).`);
  const job = entry.job;
  switch (args.action) {
    case "poll": {
      await job.waitForActivity(Math.min(args.timeout ?? 0, MAX_POLL_WAIT_MS), signal);
      const pending = job.takePending();
      const note = exitNote(job);
      return JSON.stringify({
        sessionId: job.id,
        status: job.status,
        ...(job.running ? {} : { exitCode: job.exitCode, exitSignal: job.exitSignal }),
        output: pending.text,
        ...(pending.dropped ? { outputDropped: true } : {}),
        ...(note ? { note } : {}),
      });
    }
    case "log":
      return logLines(job.output(), args.offset, args.limit);
    case "write":
      if (args.data === undefined && !args.eof)
        throw new ToolError("process write needs data (or eof: true)");
      try {
        await job.write(args.data ?? "", args.eof === true);
      } catch (err) {
        throw new ToolError(`Cannot write to session ${job.id}: ${(err as Error).message}`);
      }
      return `Wrote ${Buffer.byteLength(args.data ?? "", "utf8")} bytes to session ${job.id}${args.eof ? " and closed stdin" : ""}.`;
    case "kill":
      if (!job.running) return `Session ${job.id} already ended (${job.status}).`;
      job.kill();
      await job.exited;
      return `Killed session ${job.id}.`;
    case "clear":
      if (job.running) throw new ToolError(`Session ${job.id} is still running; kill or remove it first.`);
      processes.remove(job.id);
      return `Cleared session ${job.id}.`;
    case "remove":
      processes.remove(job.id);
      await job.exited;
      return `Removed session ${job.id}.`;
  }
}

/** Line-based slice of the output; without an offset, the last `limit` lines. */
function logLines(output: string, offset: number | undefined, limit: number | undefined): string {
  const lines = output.replace(/\n$/, "").split("\n");
  const count = limit ?? DEFAULT_LOG_LINES;
  const start = offset ?? Math.max(0, lines.length - count);
  const slice = lines.slice(start, start + count);
  if (output === "") return "(no output yet)";
  return `[lines ${start + 1}-${start + slice.length} of ${lines.length}]\n${slice.join("\n")}`;
}

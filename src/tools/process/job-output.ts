import type { ToolResult } from "../types.ts";
import type { ExecJob } from "./exec-job.ts";

/** Characters of output shown with a "still running" answer (reference-agent §2.7: exit tail 400). */
export const TAIL_CHARS = 400;

/** How a finished job ended, in the words the model sees. `undefined` for a clean exit 0. */
export function exitNote(job: ExecJob): string | undefined {
  switch (job.status) {
    case "running":
    case "completed":
      return undefined;
    case "timeout":
      return `Command timed out after ${Math.round((job.endedAt! - job.startedAt) / 1000)} seconds and was killed.`;
    case "killed":
      return "Command was killed.";
    case "failed":
      return job.exitCode !== null
        ? `Command exited with code ${job.exitCode}`
        : `Command was terminated by ${job.exitSignal ?? "a signal"}`;
  }
}

/** A finished foreground job as the tool result: its output, then how it ended when not cleanly. */
export function finishedResult(job: ExecJob): ToolResult {
  const output = job.output().trimEnd();
  const parts = [
    job.truncated ? `[output truncated: only the last ${job.output().length} characters are kept]\n` : "",
    output || "(no output)",
  ];
  const note = exitNote(job);
  if (note) parts.push(`\n\n${note}`);
  return note ? { text: parts.join(""), isError: true } : { text: parts.join("") };
}

/** A job handed to `process`: status, session id, pid and a short tail, as JSON for the model. */
export function runningResult(job: ExecJob): ToolResult {
  return {
    text: JSON.stringify({
      status: "running",
      sessionId: job.id,
      pid: job.pid,
      tail: job.tail(TAIL_CHARS),
      note: "Command still running in the background. Use the process tool (poll, log, write, kill) with this sessionId.",
    }),
  };
}

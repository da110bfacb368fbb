import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import { UserFacingError } from "../../infra/errors.ts";
import {
  connectGateway,
  loadCliContext,
  printJson,
  type RemoteOptions,
  withGatewayOptions,
} from "../context.ts";

interface AgentOptions extends RemoteOptions {
  message?: string;
  sessionId?: string;
  agent?: string;
  json?: boolean;
  local?: boolean;
}

export function registerAgentCommand(program: Command): void {
  const cmd = program
    .command("agent")
    .description("run one agent turn (through the gateway; --local runs it in this process)")
    .requiredOption("-m, --message <text>", "the message to send")
    .option("--session-id <id>", "continue this session id")
    .option("--agent <id>", "agent id (default: the default agent)")
    .option("--json", "print the result as JSON")
    .option("--local", "run the turn in this process instead of the gateway");
  withGatewayOptions(cmd, {
    flag: "--timeout <seconds>",
    help: "how long to wait for the answer",
    fallback: "600",
  }).action(async (opts: AgentOptions) => {
    const seconds = Number(opts.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0)
      throw new UserFacingError(`--timeout must be a positive number of seconds (got ${opts.timeout})`);
    const result = opts.local ? await runLocal(opts) : await runRemote(opts, seconds * 1000);
    if (opts.json) printJson(result);
    else if (result.status === "ok") process.stdout.write(`${result.reply}\n`);
    if (result.status !== "ok") {
      if (!opts.json) process.stderr.write(`${result.error ?? "the run failed"}\n`);
      process.exitCode = 1;
    }
  });
}

interface AgentResult {
  status: "ok" | "error" | "aborted";
  reply: string;
  runId: string;
  error?: string;
}

async function runRemote(opts: AgentOptions, timeoutMs: number): Promise<AgentResult> {
  const client = await connectGateway(await loadCliContext(), { ...opts, timeout: String(timeoutMs) });
  try {
    let errorText: string | undefined;
    client.onEvent((ev) => {
      const p = ev.payload as { stream?: string; data?: { phase?: string; error?: string } } | undefined;
      if (ev.event === "agent" && p?.stream === "lifecycle" && p.data?.phase === "error")
        errorText = p.data.error;
    });
    const final = await client.request<{
      runId: string;
      status: string;
      summary?: string;
      result?: { payloads?: { text: string }[] };
    }>(
      "agent",
      {
        message: opts.message,
        idempotencyKey: randomUUID(),
        ...(opts.agent ? { agentId: opts.agent } : {}),
        ...(opts.sessionId ? { sessionId: opts.sessionId } : {}),
      },
      { expectFinal: true, timeoutMs },
    );
    const reply = (final.result?.payloads ?? []).map((p) => p.text).join("\n");
    return final.status === "ok"
      ? { status: "ok", reply, runId: final.runId }
      : {
          status: "error",
          reply: "",
          runId: final.runId,
          error: errorText ?? final.summary ?? "the run failed",
        };
  } finally {
    client.close();
  }
}

async function runLocal(opts: AgentOptions): Promise<AgentResult> {
  const [
    { runSessionTurn },
    { defaultAgentId, listAgentIds },
    { mainSessionKey, normalizeAgentId },
    { createLogger, LogSink, defaultLogDir },
    { Redactor },
  ] = await Promise.all([
    import("../../agents/session-turn.ts"),
    import("../../agents/agent-config.ts"),
    import("../../sessions/session-key.ts"),
    import("../../infra/logger.ts"),
    import("../../infra/redact.ts"),
  ]);
  const ctx = await loadCliContext();
  if (!ctx.snapshot.valid)
    throw new UserFacingError(
      `Invalid config at ${ctx.paths.configPath}: ${ctx.snapshot.errors.map((e) => `${e.path}: ${e.message}`).join("; ")}`,
    );
  const agentId = normalizeAgentId(opts.agent ?? defaultAgentId(ctx.snapshot.config));
  // A typo must not quietly start a new agent with its own empty workspace and sessions.
  const known = listAgentIds(ctx.snapshot.config);
  if (!known.includes(agentId))
    throw new UserFacingError(`Unknown agent "${opts.agent}". Agents: ${known.join(", ")}`);
  const sink = new LogSink({
    dir: defaultLogDir(),
    fileLevel: "silent",
    consoleLevel: "warn",
    consoleStyle: "compact",
    redactor: new Redactor(),
    console: process.stderr,
  });
  const runId = randomUUID();
  const turn = runSessionTurn(
    {
      runId,
      sessionKey: mainSessionKey(agentId),
      agentId,
      text: opts.message ?? "",
      channel: "cli",
      signal: AbortSignal.timeout(Number(opts.timeout) * 1000),
    },
    {
      config: ctx.snapshot.config,
      stateDir: ctx.paths.stateDir,
      env: ctx.env,
      log: createLogger(sink, "agent"),
      now: () => new Date(),
    },
  );
  for await (const ev of turn) {
    if (ev.type === "finished") {
      return {
        status: ev.outcome,
        reply: ev.reply,
        runId,
        ...(ev.errorMessage ? { error: ev.errorMessage } : {}),
      };
    }
  }
  return { status: "error", reply: "", runId, error: "the run ended without a result" };
}

import type { Command } from "commander";
import { GatewayRequestError, GatewayUnreachableError } from "../../client/gateway-client.ts";
import { formatIssues } from "../../config/issues.ts";
import { expandHome } from "../../config/paths.ts";
import { newestDailyLog, readLastLines, redactLogLine } from "../../infra/log-tail.ts";
import { defaultLogDir } from "../../infra/logger.ts";
import { Redactor } from "../../infra/redact.ts";
import {
  type CliContext,
  connectGateway,
  type GatewayTarget,
  loadCliContext,
  printJson,
  type RemoteOptions,
  resolveGatewayTarget,
  timeoutMs,
  withGatewayOptions,
} from "../context.ts";
import { formatLogLine } from "./logs.ts";

type Opts = RemoteOptions & { json?: boolean; verbose?: boolean; all?: boolean };

/** How many log lines `status --all` includes (OBS-2). */
const STATUS_LOG_LINES = 50;

interface LogTail {
  file: string | undefined;
  source: "gateway" | "local";
  lines: string[];
}

/**
 * The log tail for `status --all` (OBS-2): through the gateway when it answered, else read from
 * the newest local log file (OBS-6). Masked again here with every secret this CLI knows, so the
 * report is safe to paste (SEC-8) even for lines the gateway could not mask.
 */
async function pasteableLogTail(
  ctx: CliContext,
  target: GatewayTarget,
  fromGateway: LogTail | undefined,
): Promise<LogTail> {
  let tail = fromGateway;
  if (!tail) {
    const fixed = ctx.snapshot.config.logging?.file;
    const file = fixed ? expandHome(fixed, ctx.env) : await newestDailyLog(defaultLogDir());
    tail = { file, source: "local", lines: file ? await readLastLines(file, STATUS_LOG_LINES) : [] };
  }
  const redactor = new Redactor();
  redactor.registerSecretsIn(ctx.snapshot.config);
  redactor.registerSecret(target.token);
  redactor.registerSecret(target.password);
  return { ...tail, lines: tail.lines.map((l) => redactLogLine(l, redactor)) };
}

function remote(cmd: Command): Command {
  return withGatewayOptions(cmd.option("--json", "machine-readable output"));
}

export function registerHealthCommands(program: Command): void {
  remote(program.command("health").description("ask the running gateway for its health snapshot"))
    .option("--verbose", "print the target and config path on failure")
    .action(async (opts: Opts) => {
      const ctx = await loadCliContext();
      try {
        const client = await connectGateway(ctx, opts);
        try {
          const snap = await client.request<Record<string, unknown>>(
            "health",
            {},
            { timeoutMs: timeoutMs(opts, 10_000) },
          );
          if (opts.json) return printJson(snap);
          const agents = (snap["agents"] as { id: string; model: string; sessions: number }[]) ?? [];
          process.stdout.write(
            [
              `Gateway: ok (version ${String(snap["version"])}, up ${Math.round(Number(snap["uptimeMs"]) / 1000)} s)`,
              ...agents.map((a) => `Agent ${a.id}: model ${a.model}, ${a.sessions} session(s)`),
              `Active runs: ${(snap["runs"] as { active: number }).active}`,
            ].join("\n") + "\n",
          );
        } finally {
          client.close();
        }
      } catch (err) {
        if (opts.verbose) {
          const target = await resolveGatewayTarget(ctx, opts);
          process.stderr.write(`target: ${target.url}\nconfig: ${ctx.paths.configPath}\n`);
        }
        throw err;
      }
    });

  remote(program.command("status").description("local summary plus what the running gateway reports"))
    .option("--all", "include everything (secrets redacted)")
    .action(async (opts: Opts) => {
      const ctx = await loadCliContext();
      const target = await resolveGatewayTarget(ctx, opts);
      const probeMs = timeoutMs(opts, 5000); // a bad --timeout is the user's error, not an unreachable gateway
      const snap = ctx.snapshot;
      let gateway: { reachable: boolean; url: string; error?: string; status?: Record<string, unknown> } = {
        reachable: false,
        url: target.url,
      };
      let gatewayTail: LogTail | undefined;
      try {
        const client = await connectGateway(ctx, { ...opts, timeout: String(probeMs) });
        try {
          gateway = {
            reachable: true,
            url: target.url,
            status: await client.request("status", {}, { timeoutMs: probeMs }),
          };
          if (opts.all) {
            const tail = await client.request<{ file: string; lines: string[] }>(
              "logs.tail",
              { limit: STATUS_LOG_LINES },
              { timeoutMs: probeMs },
            );
            gatewayTail = { file: tail.file, source: "gateway", lines: tail.lines };
          }
        } finally {
          client.close();
        }
      } catch (err) {
        // Not reachable, or it refused us (auth): both are part of the report. Anything else is a bug.
        if (!(err instanceof GatewayUnreachableError || err instanceof GatewayRequestError)) throw err;
        gateway = { reachable: false, url: target.url, error: err.message };
      }
      const { inactiveFeatures } = await import("../../gateway/inactive-features.ts");
      const report = {
        configPath: ctx.paths.configPath,
        configExists: snap.exists,
        configValid: snap.valid,
        configErrors: snap.errors,
        configWarnings: snap.warnings,
        stateDir: ctx.paths.stateDir,
        inactiveFeatures: inactiveFeatures(snap.source),
        gateway,
        ...(opts.all ? { logTail: await pasteableLogTail(ctx, target, gatewayTail) } : {}),
      };
      if (opts.json) return printJson(report);
      const lines = [
        `Config: ${report.configPath}${snap.exists ? "" : " (not created yet; defaults apply)"}${snap.valid ? "" : " (INVALID)"}`,
        `State: ${report.stateDir}`,
        gateway.reachable
          ? `Gateway: reachable at ${gateway.url} (version ${String(gateway.status?.["version"])}, ${String((gateway.status?.["runs"] as { active?: number })?.active ?? 0)} active run(s))`
          : `Gateway: unreachable at ${gateway.url} (${gateway.error})`,
      ];
      const agents =
        (gateway.status?.["agents"] as
          | { id: string; model: string; sessions: number; workspace: string }[]
          | undefined) ?? [];
      for (const a of agents)
        lines.push(`Agent ${a.id}: model ${a.model}, ${a.sessions} session(s), workspace ${a.workspace}`);
      if (!snap.valid) lines.push("Config problems:", formatIssues(snap.errors));
      if (snap.warnings.length) lines.push("Config warnings:", formatIssues(snap.warnings));
      if (report.inactiveFeatures.length)
        lines.push(`Configured but not active in this version yet: ${report.inactiveFeatures.join(", ")}`);
      if (report.logTail) {
        const { file, source, lines: logLines } = report.logTail;
        lines.push(
          file
            ? `Log tail (${file}, ${source === "gateway" ? "through the gateway" : "read directly"}):`
            : "Log tail: no log file yet",
          ...logLines.map((l) => `  ${formatLogLine(l)}`),
        );
      }
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}

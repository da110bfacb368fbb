import type { Command } from "commander";
import { GatewayRequestError } from "../../client/gateway-client.ts";
import type { RunningGateway } from "../../gateway/gateway.ts";
import { UserFacingError } from "../../infra/errors.ts";
import {
  type CliContext,
  connectGateway,
  loadCliContext,
  printJson,
  type RemoteOptions,
  resolveGatewayTarget,
  timeoutMs,
  withGatewayOptions,
} from "../context.ts";

interface RunOptions {
  port?: string;
  bind?: string;
  token?: string;
  password?: string;
  auth?: string;
  force?: boolean;
  verbose?: boolean;
  allowUnconfigured?: boolean;
  tailscale?: string;
  tailscaleResetOnExit?: boolean;
}

const BINDS = ["loopback", "lan", "tailnet", "auto", "custom"];

function parsePort(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new UserFacingError(`--port must be an integer 0-65535 (got ${text})`);
  return n;
}

export function registerGatewayCommands(program: Command): void {
  const gateway = program.command("gateway").description("run and inspect the gateway");
  const run = (cmd: Command): Command =>
    cmd
      .option("--port <port>", "port for HTTP and WebSocket (default 18789)")
      .option("--bind <mode>", "loopback | lan | tailnet | auto | custom")
      .option("--token <token>", "shared token clients must present")
      .option("--password <password>", "shared password clients must present")
      .option("--auth <mode>", "token | password")
      .option("--force", "stop whatever holds the port first")
      .option("--verbose", "debug output on the console")
      .option("--allow-unconfigured", "start even when gateway.mode is not local")
      .option(
        "--tailscale <mode>",
        "off | serve | funnel: publish the gateway on your tailnet (or the internet)",
      )
      .option("--tailscale-reset-on-exit", "undo tailscale serve/funnel when the gateway stops")
      .action((opts: RunOptions) => runGateway(opts));
  run(gateway.command("run", { isDefault: true }).description("run the gateway in the foreground"));

  withGatewayOptions(
    gateway
      .command("status")
      .description("show whether the gateway runs and answers")
      .option("--json", "machine-readable output"),
  ).action(async (opts: RemoteOptions & { json?: boolean }) => gatewayStatus(await loadCliContext(), opts));

  withGatewayOptions(
    gateway
      .command("call <method>")
      .description("send one RPC to the gateway and print the response payload")
      .option("--params <json>", "request params as JSON", "{}")
      .option("--expect-final", "wait for the final response of two-phase methods (agent)")
      .option("--json", "print compact JSON"),
  ).action(
    async (
      method: string,
      opts: RemoteOptions & { params: string; expectFinal?: boolean; json?: boolean },
    ) => {
      let params: unknown;
      try {
        params = JSON.parse(opts.params);
      } catch (err) {
        throw new UserFacingError(`--params is not valid JSON: ${(err as Error).message}`);
      }
      const client = await connectGateway(await loadCliContext(), opts);
      try {
        const payload = await client.request(method, params, {
          timeoutMs: timeoutMs(opts),
          expectFinal: opts.expectFinal === true || method === "agent",
        });
        printJson(payload);
      } finally {
        client.close();
      }
    },
  );
}

async function runGateway(opts: RunOptions): Promise<void> {
  if (opts.bind && !BINDS.includes(opts.bind))
    throw new UserFacingError(`--bind must be one of ${BINDS.join(", ")} (got ${opts.bind})`);
  if (opts.tailscale && !["off", "serve", "funnel"].includes(opts.tailscale))
    throw new UserFacingError(`--tailscale must be off, serve or funnel (got ${opts.tailscale})`);
  if (opts.auth && opts.auth !== "token" && opts.auth !== "password")
    throw new UserFacingError(`--auth must be token or password (got ${opts.auth})`);
  const { resolvePaths } = await import("../../config/paths.ts");
  const { startGateway } = await import("../../gateway/gateway.ts");
  const paths = resolvePaths(process.env);
  const port = parsePort(opts.port);
  if (opts.force) await freePort(port);
  // Signals are handled from before the start: the link is printed before `startGateway` returns,
  // and a SIGTERM sent on seeing it (a supervisor, `--force`, a test) must still stop us cleanly
  // instead of killing us with the default action.
  let gw: RunningGateway | undefined;
  let stopSignal: string | undefined;
  const shutdown = (signal: string): void => {
    stopSignal = signal;
    if (gw) void gw.stop(`received ${signal}`).then(() => process.exit(0));
  };
  process.once("SIGTERM", () => shutdown("SIGTERM"));
  process.once("SIGINT", () => shutdown("SIGINT"));
  gw = await startGateway({
    paths,
    env: process.env,
    console: process.stdout,
    flags: {
      ...(port !== undefined ? { port } : {}),
      ...(opts.bind ? { bind: opts.bind as "loopback" } : {}),
      ...(opts.token ? { token: opts.token } : {}),
      ...(opts.password ? { password: opts.password } : {}),
      ...(opts.tailscale ? { tailscale: opts.tailscale as "serve" } : {}),
      ...(opts.tailscaleResetOnExit ? { tailscaleResetOnExit: true } : {}),
      ...(opts.auth ? { auth: opts.auth as "token" } : {}),
      verbose: opts.verbose === true,
      allowUnconfigured: opts.allowUnconfigured === true,
    },
  });
  // The process-level guards live here, at the entry point, never in a library module.
  const onFatal = (kind: string) => (err: unknown) => {
    process.stderr.write(
      `${kind} (kept running): ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
  };
  process.on("unhandledRejection", onFatal("unhandled rejection"));
  process.on("uncaughtException", onFatal("uncaught exception"));
  if (stopSignal) shutdown(stopSignal);
  await gw.stopped;
}

/** `--force`: stop whatever listens on the gateway port, then wait for the port to be free. */
async function freePort(flagPort: number | undefined): Promise<void> {
  const { resolvePort } = await import("../../gateway/runtime-config.ts");
  const { findPortHolder, describePid } = await import("../../gateway/port-holder.ts");
  const ctx = await loadCliContext();
  const port = resolvePort(ctx.snapshot.config, ctx.env, flagPort);
  const pid = await findPortHolder(port);
  if (!pid || pid === process.pid) return;
  process.stderr.write(`--force: stopping ${await describePid(pid)} on port ${port}\n`);
  process.kill(pid, "SIGTERM");
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    if ((await findPortHolder(port)) !== pid) return;
  }
  process.kill(pid, "SIGKILL");
  await new Promise((r) => setTimeout(r, 200));
}

async function gatewayStatus(ctx: CliContext, opts: RemoteOptions & { json?: boolean }): Promise<void> {
  const { findPortHolder, describePid } = await import("../../gateway/port-holder.ts");
  const target = await resolveGatewayTarget(ctx, opts);
  const port = Number(new URL(target.url).port || 80);
  const holder = target.url.includes("127.0.0.1") ? await findPortHolder(port) : undefined;
  let probe: { ok: boolean; error?: string; status?: unknown; auth?: string } = { ok: false };
  try {
    const client = await connectGateway(ctx, opts);
    try {
      probe = {
        ok: true,
        status: await client.request("status", {}, { timeoutMs: timeoutMs(opts, 10_000) }),
      };
    } finally {
      client.close();
    }
  } catch (err) {
    // A refused handshake means the gateway is there but our credentials are not accepted.
    const refused = err instanceof GatewayRequestError;
    probe = { ok: false, error: (err as Error).message, auth: refused ? `failed (${err.code})` : "unknown" };
  }
  const remote = !opts.url && ctx.snapshot.config.gateway?.mode === "remote";
  const report = {
    runtime: holder ? "running" : probe.ok ? "running" : "stopped",
    pid: holder,
    mode: opts.url ? "url" : remote ? "remote" : "local",
    probeTarget: target.url,
    auth: probe.ok ? "ok" : (probe.auth ?? "unknown"),
    rpcProbe: probe.ok ? "ok" : "failed",
    listening: holder
      ? `${target.url} (${await describePid(holder)})`
      : probe.ok
        ? target.url
        : "nothing on this port",
    configCli: ctx.paths.configPath,
    lastGatewayError: probe.error ?? null,
    status: probe.status ?? null,
  };
  if (!probe.ok) process.exitCode = 1;
  if (opts.json) return printJson(report);
  const lines = [
    `Runtime: ${report.runtime}${holder ? ` (pid ${holder})` : ""}`,
    `RPC probe: ${report.rpcProbe}`,
    `Probe target: ${report.probeTarget}${report.mode === "remote" ? " (gateway.remote)" : ""}`,
    `Auth: ${report.auth}`,
    `Listening: ${report.listening}`,
    `Config (cli): ${report.configCli}`,
    `Last gateway error: ${report.lastGatewayError ?? "none"}`,
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

import type { Command } from "commander";
import { loadOrCreateDeviceIdentity, readDeviceToken, storeDeviceToken } from "../client/device-identity.ts";
import { GatewayClient } from "../client/gateway-client.ts";
import { loadDotEnvFiles, startupEnvFiles } from "../config/env-files.ts";
import { type ConfigSnapshot, readConfigSnapshot } from "../config/load.ts";
import { type OpenClawPaths, resolvePaths } from "../config/paths.ts";
import { readGeneratedToken, resolvePort } from "../gateway/runtime-config.ts";
import { UserFacingError } from "../infra/errors.ts";
import { packageVersion } from "../infra/version.ts";

/** Options every gateway-calling command accepts (CLI-10). */
export interface RemoteOptions {
  url?: string;
  token?: string;
  password?: string;
  timeout?: string;
}

/**
 * Adds the options every gateway-calling command takes (CLI-10). `--timeout` is milliseconds
 * unless the command says otherwise (`agent` waits in seconds).
 */
export function withGatewayOptions(
  cmd: Command,
  timeout: { flag: string; help: string; fallback?: string } = {
    flag: "--timeout <ms>",
    help: "how long to wait, in milliseconds",
  },
): Command {
  cmd
    .option("--url <url>", "gateway URL (then pass --token or --password too)")
    .option("--token <token>", "gateway token")
    .option("--password <password>", "gateway password");
  return timeout.fallback === undefined
    ? cmd.option(timeout.flag, timeout.help)
    : cmd.option(timeout.flag, timeout.help, timeout.fallback);
}

export interface CliContext {
  paths: OpenClawPaths;
  env: NodeJS.ProcessEnv;
  snapshot: ConfigSnapshot;
}

/** Paths, `.env` files and the config as the CLI sees them; never throws for a bad config. */
export async function loadCliContext(env: NodeJS.ProcessEnv = process.env): Promise<CliContext> {
  const paths = resolvePaths(env);
  await loadDotEnvFiles((await startupEnvFiles(paths, env, process.cwd())).files, env);
  return { paths, env, snapshot: await readConfigSnapshot(paths.configPath, env) };
}

export interface GatewayTarget {
  url: string;
  token?: string;
  password?: string;
}

/**
 * Where and how to reach the gateway: an explicit `--url` uses only the credentials given with it;
 * remote mode uses `gateway.remote`; otherwise the local gateway with its configured or generated token.
 */
export async function resolveGatewayTarget(ctx: CliContext, opts: RemoteOptions): Promise<GatewayTarget> {
  const withCreds = (url: string, token?: string, password?: string): GatewayTarget => ({
    url,
    ...(token ? { token } : {}),
    ...(password ? { password } : {}),
  });
  if (opts.url) return withCreds(opts.url, opts.token, opts.password);
  const gw = ctx.snapshot.config.gateway;
  if (gw?.mode === "remote" && gw.remote?.url) {
    const str = (v: unknown): string | undefined => (typeof v === "string" ? v : undefined);
    return withCreds(
      gw.remote.url,
      opts.token ?? str(gw.remote.token),
      opts.password ?? str(gw.remote.password),
    );
  }
  const port = resolvePort(ctx.snapshot.config, ctx.env);
  const token =
    opts.token ??
    (typeof gw?.auth?.token === "string" ? gw.auth.token : undefined) ??
    ctx.env["OPENCLAW_GATEWAY_TOKEN"] ??
    (await readGeneratedToken(ctx.paths.stateDir));
  const password =
    opts.password ??
    (typeof gw?.auth?.password === "string" ? gw.auth.password : undefined) ??
    ctx.env["OPENCLAW_GATEWAY_PASSWORD"];
  return withCreds(`ws://127.0.0.1:${port}`, token, password);
}

export function timeoutMs(opts: RemoteOptions, fallback = 30_000): number {
  const n = opts.timeout ? Number(opts.timeout) : fallback;
  if (!Number.isFinite(n) || n <= 0)
    throw new UserFacingError(`--timeout must be a positive number of milliseconds (got ${opts.timeout})`);
  return n;
}

/**
 * Connects as this machine's device (`identity/device.json`, created on first use), with the
 * device token from `identity/device-auth.json` when there is one; a token issued in hello-ok is
 * stored for the next command (reference-gateway §2 items 7–10).
 */
export async function connectGateway(ctx: CliContext, opts: RemoteOptions): Promise<GatewayClient> {
  const target = await resolveGatewayTarget(ctx, opts);
  const stateDir = ctx.paths.stateDir;
  const identity = await loadOrCreateDeviceIdentity(stateDir);
  const deviceToken = await readDeviceToken(stateDir, identity.deviceId, "operator");
  const client = await GatewayClient.connect({
    url: target.url,
    ...(target.token ? { token: target.token } : {}),
    ...(target.password ? { password: target.password } : {}),
    version: packageVersion(),
    connectTimeoutMs: Math.min(timeoutMs(opts), 10_000),
    device: { identity, deviceToken },
  });
  const issued = client.hello.auth.deviceToken;
  if (issued && issued !== deviceToken) {
    await storeDeviceToken(stateDir, identity.deviceId, {
      role: client.hello.auth.role,
      token: issued,
      scopes: client.hello.auth.scopes,
    });
  }
  return client;
}

export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Runs one gateway method and prints its answer: JSON with `--json`, else `human(answer)`.
 * `select` narrows the answer first (a client-side filter such as `--connected`), for both.
 */
export async function callAndPrint(
  method: string,
  params: unknown,
  opts: RemoteOptions & { json?: boolean },
  human: (answer: never) => string,
  select: (answer: never) => unknown = (a) => a,
): Promise<void> {
  const client = await connectGateway(await loadCliContext(), opts);
  try {
    const answer = select((await client.request(method, params, { timeoutMs: timeoutMs(opts) })) as never);
    if (opts.json) printJson(answer);
    else process.stdout.write(`${human(answer as never)}\n`);
  } finally {
    client.close();
  }
}

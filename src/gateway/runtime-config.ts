import { randomBytes } from "node:crypto";
import { mkdir } from "node:fs/promises";
import { networkInterfaces } from "node:os";
import path from "node:path";
import { DEFAULT_GATEWAY_PORT } from "../config/paths.ts";
import type { OpenClawConfig } from "../config/schema.ts";
import { writeFileAtomic } from "../infra/atomic-file.ts";
import { UserFacingError } from "../infra/errors.ts";
import { readTextIfExists } from "../infra/json-file.ts";

export type BindMode = "loopback" | "lan" | "tailnet" | "auto" | "custom";
export type AuthMode = "none" | "token" | "password" | "trusted-proxy";

export interface GatewayAuth {
  mode: AuthMode;
  token?: string;
  password?: string;
  /** Where the secret came from: config, env, flag, or the token generated into the state dir. */
  source: "config" | "env" | "flag" | "generated" | "none";
}

export type TailscaleMode = "off" | "serve" | "funnel";

export interface GatewayRuntime {
  host: string;
  port: number;
  bind: BindMode;
  auth: GatewayAuth;
  /** How the gateway is exposed on the tailnet (GW-23), and whether that is undone on exit. */
  tailscale: { mode: TailscaleMode; resetOnExit: boolean };
  /** Verified Tailscale Serve identities stand in for the shared secret (GW-24). */
  allowTailscale: boolean;
}

export interface RuntimeFlags {
  port?: number;
  bind?: BindMode;
  token?: string;
  password?: string;
  auth?: "token" | "password";
  tailscale?: TailscaleMode;
  tailscaleResetOnExit?: boolean;
}

/** Where the gateway keeps the token it generated when none was configured (GW-8). */
export function generatedTokenPath(stateDir: string): string {
  return path.join(stateDir, "credentials", "gateway-token");
}

export async function readGeneratedToken(stateDir: string): Promise<string | undefined> {
  return (await readTextIfExists(generatedTokenPath(stateDir)))?.trim() || undefined;
}

async function loadOrCreateToken(stateDir: string): Promise<string> {
  const existing = await readGeneratedToken(stateDir);
  if (existing) return existing;
  const token = randomBytes(24).toString("base64url");
  await mkdir(path.dirname(generatedTokenPath(stateDir)), { recursive: true, mode: 0o700 });
  await writeFileAtomic(generatedTokenPath(stateDir), `${token}\n`, { mode: 0o600 });
  return token;
}

function secretString(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

/** Port precedence: `--port` > `OPENCLAW_GATEWAY_PORT` > `gateway.port` > 18789 (GW-2). */
export function resolvePort(config: OpenClawConfig, env: NodeJS.ProcessEnv, flag?: number): number {
  const fromEnv = env["OPENCLAW_GATEWAY_PORT"] ? Number(env["OPENCLAW_GATEWAY_PORT"]) : undefined;
  const port = flag ?? fromEnv ?? config.gateway?.port ?? DEFAULT_GATEWAY_PORT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UserFacingError(`invalid gateway port ${String(port)} (expected an integer 0-65535)`);
  }
  return port;
}

/** This machine's Tailscale IPv4 (100.64.0.0/10, the CGNAT range Tailscale assigns), if any. */
export function tailnetAddress(interfaces: ReturnType<typeof networkInterfaces>): string | undefined {
  for (const list of Object.values(interfaces)) {
    for (const a of list ?? []) {
      if (a.family !== "IPv4" || a.internal) continue;
      const [first, second] = a.address.split(".").map(Number) as [number, number];
      if (first === 100 && second >= 64 && second <= 127) return a.address;
    }
  }
  return undefined;
}

function resolveHost(
  bind: BindMode,
  config: OpenClawConfig,
  interfaces: ReturnType<typeof networkInterfaces>,
): string {
  switch (bind) {
    case "loopback":
    case "auto":
      return "127.0.0.1";
    case "lan":
      return "0.0.0.0";
    case "tailnet":
      // Without a Tailscale address we fall back to loopback (reference-gateway §1), and say so.
      return tailnetAddress(interfaces) ?? "127.0.0.1";
    case "custom": {
      const host = config.gateway?.customBindHost;
      if (!host) throw new UserFacingError("gateway.bind=custom requires gateway.customBindHost");
      if (!/^\d{1,3}(\.\d{1,3}){3}$/.test(host)) {
        throw new UserFacingError(`gateway.bind=custom requires a valid IPv4 customBindHost (got ${host})`);
      }
      return host;
    }
  }
}

export function isLoopbackHost(host: string): boolean {
  return host === "127.0.0.1" || host === "::1" || host === "localhost" || host.startsWith("127.");
}

/**
 * Resolves where to listen and how clients authenticate, applying OpenClaw's start-up guards:
 * explicit mode without its secret, non-loopback without auth (GW-5, GW-7), and auth by default
 * even on loopback with a generated token (GW-8).
 */
export async function resolveGatewayRuntime(
  config: OpenClawConfig,
  env: NodeJS.ProcessEnv,
  stateDir: string,
  flags: RuntimeFlags = {},
  interfaces: ReturnType<typeof networkInterfaces> = networkInterfaces(),
): Promise<GatewayRuntime> {
  const bind = (flags.bind ?? config.gateway?.bind ?? "loopback") as BindMode;
  const host = resolveHost(bind, config, interfaces);
  const port = resolvePort(config, env, flags.port);
  const cfgAuth = config.gateway?.auth;
  const token = flags.token ?? secretString(cfgAuth?.token) ?? secretString(env["OPENCLAW_GATEWAY_TOKEN"]);
  const password =
    flags.password ?? secretString(cfgAuth?.password) ?? secretString(env["OPENCLAW_GATEWAY_PASSWORD"]);
  const tokenSource = flags.token ? "flag" : secretString(cfgAuth?.token) ? "config" : "env";
  const passwordSource = flags.password ? "flag" : secretString(cfgAuth?.password) ? "config" : "env";
  const explicitMode = (flags.auth ?? cfgAuth?.mode) as AuthMode | undefined;
  const mode: AuthMode = explicitMode ?? (password && !flags.token ? "password" : "token");

  let auth: GatewayAuth;
  if (mode === "none") {
    auth = { mode, source: "none" };
  } else if (mode === "password") {
    if (!password) throw new UserFacingError("gateway auth mode is password, but no password was configured");
    auth = { mode, password, source: passwordSource };
  } else if (mode === "trusted-proxy") {
    throw new UserFacingError("gateway.auth.mode trusted-proxy is not supported yet (set token or password)");
  } else if (token) {
    auth = { mode, token, source: tokenSource };
  } else if (explicitMode === "token") {
    throw new UserFacingError(
      "gateway auth mode is token, but no token was configured (set gateway.auth.token or OPENCLAW_GATEWAY_TOKEN)",
    );
  } else {
    // Checked before generating, so a refused start leaves no token file behind.
    if (!isLoopbackHost(host)) throw unauthenticatedBindError(bind, host, port);
    auth = { mode: "token", token: await loadOrCreateToken(stateDir), source: "generated" };
  }
  if (!isLoopbackHost(host) && auth.mode === "none") throw unauthenticatedBindError(bind, host, port);
  const tailscale = {
    mode: flags.tailscale ?? config.gateway?.tailscale?.mode ?? "off",
    resetOnExit: flags.tailscaleResetOnExit ?? config.gateway?.tailscale?.resetOnExit ?? false,
  };
  assertExposureSafe(config, host, auth, tailscale.mode);
  // Default on only behind Serve with token auth (reference-gateway §1): Serve vouches for the user.
  const allowTailscale = cfgAuth?.allowTailscale ?? (tailscale.mode === "serve" && auth.mode !== "password");
  return { host, port, bind, auth, tailscale, allowTailscale };
}

/**
 * Start-up guards on how far the gateway reaches (reference-gateway §1): Tailscale Serve/Funnel
 * proxy to loopback only, Funnel (the public internet) needs a password, and a Control UI served
 * beyond this machine must name the origins its pages come from.
 */
function assertExposureSafe(
  config: OpenClawConfig,
  host: string,
  auth: GatewayAuth,
  tailscale: TailscaleMode,
): void {
  if (tailscale !== "off" && !isLoopbackHost(host)) {
    throw new UserFacingError(
      `gateway.tailscale.mode=${tailscale} requires gateway.bind=loopback (Tailscale ${tailscale === "serve" ? "Serve" : "Funnel"} proxies to 127.0.0.1; got ${host})`,
    );
  }
  if (tailscale === "funnel" && auth.mode !== "password") {
    throw new UserFacingError(
      "gateway.tailscale.mode=funnel puts the gateway on the public internet: set gateway.auth.mode=password and gateway.auth.password",
    );
  }
  const ui = config.gateway?.controlUi;
  if (
    !isLoopbackHost(host) &&
    ui?.enabled !== false &&
    !(ui?.allowedOrigins && ui.allowedOrigins.length > 0) &&
    ui?.dangerouslyAllowHostHeaderOriginFallback !== true
  ) {
    throw new UserFacingError(
      `the Control UI would be served on ${host}: set gateway.controlUi.allowedOrigins to the origins you open it from (e.g. ["http://<this-host>:${resolvePortHint(config)}"]), or gateway.controlUi.enabled=false`,
    );
  }
}

function resolvePortHint(config: OpenClawConfig): number {
  return config.gateway?.port ?? DEFAULT_GATEWAY_PORT;
}

/** A generated token is only for local use, so a non-loopback bind needs a configured secret (GW-5). */
function unauthenticatedBindError(bind: BindMode, host: string, port: number): UserFacingError {
  // Both wordings users search for: the CLI's headline and the runtime guard's detail.
  return new UserFacingError(
    `Refusing to bind gateway to ${bind} without auth.\n` +
      `refusing to bind gateway to ${host}:${port} without auth (set gateway.auth.token/password, or set OPENCLAW_GATEWAY_TOKEN/OPENCLAW_GATEWAY_PASSWORD)`,
  );
}

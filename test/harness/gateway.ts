import { type ChildProcess, spawn } from "node:child_process";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { GatewayClient } from "../../src/client/gateway-client.ts";

export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CLI_ENTRY = path.join(REPO_ROOT, "src/cli/main.ts");
export const FIXTURE_STATE = path.resolve(REPO_ROOT, "../shared/fixtures/openclaw-2026.2.26-state");

/** A private HOME/state dir for one test; nothing of the developer's machine leaks in. */
export interface TestHome {
  root: string;
  home: string;
  stateDir: string;
  configPath: string;
  env: NodeJS.ProcessEnv;
  cleanup(): Promise<void>;
}

const INHERITED = ["PATH", "LANG", "LC_ALL", "TZ", "SYSTEMROOT"];

export async function createTestHome(
  opts: { config?: unknown; configText?: string; env?: Record<string, string> } = {},
): Promise<TestHome> {
  const root = await mkdtemp(path.join(os.tmpdir(), "openclaw-test-"));
  const home = path.join(root, "home");
  const stateDir = path.join(home, ".openclaw");
  const configPath = path.join(stateDir, "openclaw.json");
  await mkdir(stateDir, { recursive: true });
  await mkdir(path.join(root, "tmp"), { recursive: true });
  if (opts.configText !== undefined) await writeFile(configPath, opts.configText);
  else if (opts.config !== undefined) await writeFile(configPath, JSON.stringify(opts.config, null, 2));
  const env: NodeJS.ProcessEnv = {};
  for (const k of INHERITED) if (process.env[k] !== undefined) env[k] = process.env[k];
  Object.assign(env, {
    HOME: home,
    TMPDIR: path.join(root, "tmp"), // the log dir is <tmp>/openclaw: isolated per test
    OPENCLAW_STATE_DIR: stateDir,
    OPENCLAW_CONFIG_PATH: configPath,
    NO_COLOR: "1",
    ...opts.env,
  });
  return { root, home, stateDir, configPath, env, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Copies the OpenClaw 2026.2.26 fixture state dir, replacing `__HOME__` (see its README). */
export async function copyFixtureState(
  home: string,
  replacements: Record<string, string> = {},
): Promise<void> {
  const target = path.join(home, ".openclaw");
  await copyTree(FIXTURE_STATE, target, (text) => {
    let out = text.split("__HOME__").join(home);
    for (const [from, to] of Object.entries(replacements)) out = out.split(from).join(to);
    return out;
  });
}

async function copyTree(from: string, to: string, transform: (text: string) => string): Promise<void> {
  await mkdir(to, { recursive: true });
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (from === FIXTURE_STATE && entry.name === "README.md") continue;
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) await copyTree(src, dst, transform);
    else {
      await writeFile(dst, transform(await readFile(src, "utf8")), { mode: 0o600 });
    }
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => resolve(typeof addr === "object" && addr ? addr.port : 0));
    });
  });
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real `openclaw` CLI (Node 24 from node_modules) with the test's environment. */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv,
  opts: { timeoutMs?: number; cwd?: string; input?: string } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI_ENTRY, ...args], {
      env,
      cwd: opts.cwd ?? REPO_ROOT,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`openclaw ${args.join(" ")} timed out\nstdout: ${stdout}\nstderr: ${stderr}`));
    }, opts.timeoutMs ?? 30_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(opts.input ?? "");
  });
}

export interface SpawnedGateway {
  port: number;
  httpUrl: string;
  wsUrl: string;
  /** The token clients must present: configured, or read from the line the gateway printed. */
  token: string | undefined;
  home: TestHome;
  proc: ChildProcess;
  output(): string;
  /** Resolves once a line matching `re` has been printed (stdout or stderr). */
  waitForOutput(re: RegExp, timeoutMs?: number): Promise<string>;
  connect(opts?: { token?: string; scopes?: string[] }): Promise<GatewayClient>;
  cli(args: string[], opts?: { timeoutMs?: number }): Promise<CliResult>;
  /** SIGTERM and wait for exit; returns the exit code. */
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
  exited: Promise<number | null>;
}

export interface SpawnOptions {
  home?: TestHome;
  config?: unknown;
  configText?: string;
  env?: Record<string, string>;
  args?: string[];
  port?: number;
  /** Extra flags for node itself (V8 tuning), as `npm start` passes them. */
  nodeFlags?: string[];
}

/**
 * Spawns `openclaw gateway run` on a private state dir and waits until it listens. Rejects with
 * the process output when it exits first (bad config, port taken…).
 */
export async function spawnGateway(opts: SpawnOptions = {}): Promise<SpawnedGateway> {
  const home =
    opts.home ??
    (await createTestHome({
      ...(opts.config !== undefined ? { config: opts.config } : {}),
      ...(opts.configText !== undefined ? { configText: opts.configText } : {}),
      ...(opts.env ? { env: opts.env } : {}),
    }));
  // A port found free can be taken by another test process before the gateway binds it; when
  // the port was ours to choose, choose again.
  for (let attempt = 1; ; attempt++) {
    const port = opts.port ?? (await freePort());
    try {
      return await spawnOnPort(opts, home, port);
    } catch (err) {
      const taken = /another gateway instance is already listening|EADDRINUSE/.test(String(err));
      if (opts.port !== undefined || !taken || attempt >= 3) throw err;
    }
  }
}

async function spawnOnPort(opts: SpawnOptions, home: TestHome, port: number): Promise<SpawnedGateway> {
  const proc = spawn(
    process.execPath,
    [...(opts.nodeFlags ?? []), CLI_ENTRY, "gateway", "run", "--port", String(port), ...(opts.args ?? [])],
    {
      env: { ...home.env, ...opts.env },
      cwd: home.root,
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  const waiters = new Set<() => void>();
  const onData = (d: Buffer): void => {
    out += d.toString();
    for (const w of waiters) w();
  };
  proc.stdout!.on("data", onData);
  proc.stderr!.on("data", onData);
  const exited = new Promise<number | null>((resolve) => proc.on("exit", (code) => resolve(code)));
  const waitForOutput = (re: RegExp, timeoutMs = 20_000): Promise<string> =>
    new Promise((resolve, reject) => {
      const check = (): void => {
        const m = re.exec(out);
        if (m) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(m[0]);
        }
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`timed out waiting for ${re} in gateway output:\n${out}`));
      }, timeoutMs);
      waiters.add(check);
      void exited.then((code) => {
        if (waiters.has(check)) {
          waiters.delete(check);
          clearTimeout(timer);
          reject(new Error(`gateway exited (${code}) before printing ${re}:\n${out}`));
        }
      });
      check();
    });
  const line = await waitForOutput(/Control UI: \S+/);
  const tokenInLink = /#token=([\w-]+)/.exec(line)?.[1];
  const cfg = opts.config as { gateway?: { auth?: { token?: string } } } | undefined;
  const token = tokenInLink ?? cfg?.gateway?.auth?.token ?? opts.env?.["OPENCLAW_GATEWAY_TOKEN"];
  const gw: SpawnedGateway = {
    port,
    httpUrl: `http://127.0.0.1:${port}/`,
    wsUrl: `ws://127.0.0.1:${port}`,
    token,
    home,
    proc,
    output: () => out,
    waitForOutput,
    connect: (c = {}) => {
      const t = c.token ?? token;
      return GatewayClient.connect({
        url: `ws://127.0.0.1:${port}`,
        ...(t ? { token: t } : {}),
        // The local backend client keeps its scopes with the shared token alone (reference §2
        // item 7); a `test` client without a device would hold none since GHSA-rqpp-rjj8-7wv8.
        clientId: "gateway-client",
        mode: "backend",
        ...(c.scopes ? { scopes: c.scopes } : {}),
      });
    },
    cli: (args, o = {}) => runCli(args, { ...home.env, ...opts.env, OPENCLAW_GATEWAY_PORT: String(port) }, o),
    async stop() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGTERM");
      return exited;
    },
    async kill9() {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
      await exited;
    },
    exited,
  };
  return gw;
}

/** Stops the gateway and removes its home; for `t.after`. */
export async function disposeGateway(gw: SpawnedGateway): Promise<void> {
  await gw.stop();
  await gw.home.cleanup();
}

export async function fileExists(p: string): Promise<boolean> {
  return stat(p).then(
    () => true,
    () => false,
  );
}

export { cp };

/**
 * The usual start of an e2e test: a gateway, a connected client, and cleanup of both (and of the
 * fakes passed in) when the test ends.
 */
export async function gatewayWithClient(
  t: { after(fn: () => unknown): void },
  opts: SpawnOptions,
  ...fakes: { close(): Promise<void> }[]
): Promise<{ gw: SpawnedGateway; client: GatewayClient }> {
  const gw = await spawnGateway(opts);
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all(fakes.map((f) => f.close()));
  });
  const client = await gw.connect();
  t.after(() => client.close());
  return { gw, client };
}

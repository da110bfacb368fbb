import { type FSWatcher, watch } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { defaultAgentId, resolveAgent } from "../agents/agent-config.ts";
import type { ChannelManager } from "../channels/manager.ts";
import { applyConfigEnvBlock, loadDotEnvFiles, startupEnvFiles } from "../config/env-files.ts";
import { formatIssues } from "../config/issues.ts";
import { type ConfigSnapshot, readConfigSnapshot } from "../config/load.ts";
import { expandHome, type OpenClawPaths } from "../config/paths.ts";
import { planReload } from "../config/reload-plan.ts";
import type { OpenClawConfig } from "../config/schema.ts";
import { UserFacingError } from "../infra/errors.ts";
import {
  createLogger,
  defaultLogDir,
  ensureLogDir,
  type LevelSetting,
  type Logger,
  LogSink,
  pruneOldLogs,
} from "../infra/logger.ts";
import { Redactor } from "../infra/redact.ts";
import { packageVersion } from "../infra/version.ts";
import { readAuthProfiles } from "../models/auth-profiles.ts";
import { resolveModel } from "../models/catalog.ts";
import { MissingCredentialError, resolveCredential } from "../models/credentials.ts";
import { resolveModelRef } from "../models/model-ref.ts";
import { warmApi } from "../models/stream.ts";
import { TICK_INTERVAL_MS } from "../protocol/frames.ts";
import { createExecRuntime } from "../tools/exec/exec-runtime.ts";
import { startChannels } from "./channel-runtime.ts";
import { ConfigHolder } from "./config-holder.ts";
import { controlUiUrl } from "./control-ui-url.ts";
import { EventHub } from "./event-hub.ts";
import { inactiveFeatures } from "./inactive-features.ts";
import { healthSnapshot } from "./methods/health.ts";
import { NodeRegistry } from "./node-registry.ts";
import { RunRegistry } from "./run-registry.ts";
import { type GatewayRuntime, type RuntimeFlags, resolveGatewayRuntime } from "./runtime-config.ts";
import { type ListeningServer, listen } from "./server.ts";
import type { GatewayServices } from "./services.ts";
import { exposeOnTailnet, resetTailnetExposure } from "./tailscale-exposure.ts";

const HEALTH_REFRESH_MS = 60_000;
const PRUNE_INTERVAL_MS = 24 * 60 * 60 * 1000;

export interface StartOptions {
  paths: OpenClawPaths;
  env: NodeJS.ProcessEnv;
  flags: RuntimeFlags & { verbose?: boolean; allowUnconfigured?: boolean };
  /** Where human-readable lines go (the terminal). */
  console: NodeJS.WritableStream;
}

export interface RunningGateway {
  readonly url: string;
  readonly port: number;
  stop(reason?: string): Promise<void>;
  /** Resolves when the gateway has stopped (signal, fatal listener error). */
  readonly stopped: Promise<void>;
}

/**
 * Registers every secret the gateway can know of with the redactor, by key name: the file's own
 * tree, the resolved config (where `${VAR}` and `$include` have been filled in) and the
 * environment (provider keys such as OPENAI_API_KEY), so a provider echoing a key never logs it.
 */
function registerKnownSecrets(redactor: Redactor, snap: ConfigSnapshot, env: NodeJS.ProcessEnv): void {
  redactor.registerSecretsIn(snap.source);
  redactor.registerSecretsIn(snap.config);
  redactor.registerSecretsIn(env);
}

/** Log sink settings from the config; `~` in `logging.file` is the home dir (CFG-23). */
function logSettings(snap: ConfigSnapshot, env: NodeJS.ProcessEnv, verbose: boolean) {
  const logging = snap.config.logging;
  const file = logging?.file ? expandHome(logging.file, env) : undefined;
  return {
    file,
    fileLevel: (logging?.level as LevelSetting | undefined) ?? "info",
    consoleLevel: verbose ? "debug" : ((logging?.consoleLevel as LevelSetting | undefined) ?? "info"),
    consoleStyle: (logging?.consoleStyle as "pretty" | "compact" | "json" | undefined) ?? "pretty",
  } as const;
}

/** Loads config for a start: `.env` files first (never overriding), then the file, then its env block. */
export async function loadStartupConfig(
  paths: OpenClawPaths,
  env: NodeJS.ProcessEnv,
): Promise<{ snapshot: ConfigSnapshot; refusedEnvFile: string | undefined }> {
  const envFiles = await startupEnvFiles(paths, env, process.cwd());
  await loadDotEnvFiles(envFiles.files, env);
  const snap = await readConfigSnapshot(paths.configPath, env);
  if (!snap.valid) {
    throw new UserFacingError(
      `Invalid config at ${paths.configPath}; the gateway will not start:\n${formatIssues(snap.errors)}\nFix these keys (or run \`openclaw config unset <path>\`) and start again.`,
    );
  }
  applyConfigEnvBlock(snap.source["env"], env);
  return { snapshot: snap, refusedEnvFile: envFiles.refused };
}

/**
 * Starts the gateway: config, logging, the listener, and the background duties (ticks, config
 * watcher). Throws UserFacingError for anything the user must fix (invalid config, port in use,
 * unsafe bind) before anything is listening.
 */
export async function startGateway(opts: StartOptions): Promise<RunningGateway> {
  const { paths, env } = opts;
  const startedAt = Date.now();
  await mkdir(paths.stateDir, { recursive: true, mode: 0o700 });
  const { snapshot, refusedEnvFile } = await loadStartupConfig(paths, env);
  if (snapshot.config.gateway?.mode === "remote" && !opts.flags.allowUnconfigured) {
    throw new UserFacingError(
      "Gateway start blocked: set gateway.mode=local (this config points at a remote gateway; pass --allow-unconfigured to override)",
    );
  }
  const redactor = new Redactor();
  registerKnownSecrets(redactor, snapshot, env);
  const logDir = defaultLogDir();
  const settings = logSettings(snapshot, env, opts.flags.verbose === true);
  const sink = new LogSink({ ...settings, dir: logDir, redactor, console: opts.console });
  await ensureLogDir(settings.file ? path.dirname(settings.file) : logDir);
  const log = createLogger(sink, "gateway");
  // Old daily files go at start and then once a day (OBS-7: 24 h retention).
  const prune = (): void => void pruneOldLogs(logDir, Date.now(), log);
  prune();
  const pruneTimer = setInterval(prune, PRUNE_INTERVAL_MS);
  pruneTimer.unref();
  for (const w of snapshot.warnings) log.warn(`config: ${w.path}: ${w.message}`);
  if (refusedEnvFile)
    log.warn(
      "not loading .env from the working directory: it is inside an agent workspace or the state dir",
      {
        file: refusedEnvFile,
      },
    );

  let runtime: GatewayRuntime = await resolveGatewayRuntime(snapshot.config, env, paths.stateDir, opts.flags);
  redactor.registerSecretsIn({ token: runtime.auth.token, password: runtime.auth.password });
  const events = new EventHub(log.child({ subsystem: "gateway/events" }));
  const config = new ConfigHolder(snapshot, env, log.child({ subsystem: "config" }));
  const exec = createExecRuntime({
    cleanupMs: () => config.current.config.tools?.exec?.cleanupMs ?? 1_800_000,
    log: log.child({ subsystem: "exec" }),
    emit: (event, payload) => events.broadcast(event, payload),
  });
  const runs = new RunRegistry({
    config: () => config.current.config,
    stateDir: paths.stateDir,
    env,
    log: log.child({ subsystem: "agent" }),
    emit: (event, payload) => events.broadcast(event, payload),
    registerSecret: (secret) => redactor.registerSecret(secret),
    exec,
    configPath: paths.configPath,
    // `services` is defined just below; `/restart` only runs once the gateway serves.
    requestRestart: (reason) => services.requestRestart(reason),
  });
  let restartTimer: NodeJS.Timeout | undefined;
  let channels: ChannelManager | undefined;
  const services: GatewayServices = {
    version: packageVersion(),
    startedAt,
    paths,
    env,
    config,
    logSink: sink,
    log,
    events,
    runs,
    exec,
    nodes: new NodeRegistry(),
    channelsStatus: () => channels?.status(),
    channels: () => channels,
    runtime: () => runtime,
    inactiveFeatures: () => inactiveFeatures(config.current.source),
    requestRestart: (reason) => {
      clearTimeout(restartTimer);
      restartTimer = setTimeout(() => void restart(reason), 300);
    },
  };

  let server: ListeningServer = await listen(services, log);
  let stopping = false;
  let resolveStopped!: () => void;
  const stopped = new Promise<void>((r) => {
    resolveStopped = r;
  });
  const url = `http://${server.host}:${server.port}/`;
  // After listen: clients are served while channels connect, and a failing one stops nothing.
  channels = startChannels({ config: () => config.current.config, stateDir: paths.stateDir, env, log, runs });

  const tick = setInterval(() => events.broadcast("tick", { ts: Date.now() }), TICK_INTERVAL_MS);
  tick.unref();
  // Clients keep their health view fresh from this event instead of polling (reference-gateway §2).
  const healthTimer = setInterval(() => {
    if (events.size === 0) return;
    healthSnapshot(services).then(
      (snap) => events.broadcast("health", snap),
      (err: unknown) => log.warn("health refresh failed", { err }),
    );
  }, HEALTH_REFRESH_MS);
  healthTimer.unref();

  async function restart(reason: string): Promise<void> {
    if (stopping) return;
    let closed = false;
    try {
      const next = await resolveGatewayRuntime(config.current.config, env, paths.stateDir, opts.flags);
      log.info("restarting the server to apply config", { reason });
      await server.close(`restarting: ${reason}`, 1500);
      closed = true;
      runtime = next;
      server = await listen(services, log);
      announce(opts.console, log, server, runtime, config.current.config);
    } catch (err) {
      log.error("in-process restart failed; the gateway keeps its previous settings where it can", { err });
      // Only a listener we closed needs reopening; otherwise the old one is still serving.
      if (!closed) return;
      try {
        server = await listen(services, log);
      } catch (err2) {
        log.error("could not listen again after a failed restart", { err: err2 });
      }
    }
  }

  async function applyConfigChange(next: ConfigSnapshot, prev: ConfigSnapshot): Promise<void> {
    const plan = planReload(prev.source, next.source);
    if (plan.changed.length === 0) return;
    registerKnownSecrets(redactor, next, env);
    const nextSettings = logSettings(next, env, opts.flags.verbose === true);
    try {
      await ensureLogDir(nextSettings.file ? path.dirname(nextSettings.file) : logDir);
      sink.reconfigure(nextSettings);
    } catch (err) {
      log.warn("cannot use the new log file; logging stays where it was", { err });
    }
    const mode = next.config.gateway?.reload?.mode ?? "hybrid";
    log.info("config changed", { paths: plan.changed.slice(0, 20) });
    if (mode === "restart" || (mode === "hybrid" && plan.restart.length > 0)) {
      services.requestRestart(plan.restart.join(", ") || "config changed");
    } else if (plan.restart.length > 0) {
      log.warn("these config changes need a restart to apply", { paths: plan.restart });
    }
  }
  config.onChange((next, prev) => {
    void applyConfigChange(next, prev).catch((err: unknown) =>
      log.error("applying a config change failed", { err }),
    );
  });
  const watcher = watchConfig(paths.configPath, config, snapshot, log);
  // Announced last: once the link is printed, the gateway serves and watches its config, so an
  // edit made right after start is not missed.
  announce(opts.console, log, server, runtime, config.current.config);
  // Published once, at start; `resetOnExit` undoes it in stop().
  const tailnet = runtime.tailscale;
  const exposed =
    tailnet.mode === "off"
      ? Promise.resolve(false)
      : exposeOnTailnet(tailnet.mode, server.port, env, log.child({ subsystem: "tailscale" }));

  // Warm what the first turn needs, after the port is open, so neither start nor the first turn waits.
  void warmFirstTurn(services).catch((err: unknown) => log.debug("warm-up skipped", { err }));

  async function stop(reason = "gateway stopping"): Promise<void> {
    if (stopping) return stopped;
    stopping = true;
    clearInterval(tick);
    clearInterval(healthTimer);
    clearInterval(pruneTimer);
    clearTimeout(restartTimer);
    watcher?.close();
    const channelsStopped = channels?.stop();
    runs.abortAll();
    await server.close(reason);
    await channelsStopped;
    await Promise.race([runs.drain(), new Promise((r) => setTimeout(r, 500))]);
    if (tailnet.mode !== "off" && tailnet.resetOnExit && (await exposed))
      await resetTailnetExposure(tailnet.mode, env, log.child({ subsystem: "tailscale" }));
    exec.dispose(); // no exec job outlives the gateway that supervises it
    log.info("gateway stopped", { reason });
    await sink.close();
    resolveStopped();
  }

  return {
    get url() {
      return url;
    },
    get port() {
      return server.port;
    },
    stop,
    stopped,
  };
}

function announce(
  out: NodeJS.WritableStream,
  log: Logger,
  server: ListeningServer,
  runtime: GatewayRuntime,
  cfg: OpenClawConfig,
): void {
  const displayHost = server.host === "0.0.0.0" ? "127.0.0.1" : server.host;
  log.info(`listening on ws://${server.host}:${server.port}`, {
    bind: runtime.bind,
    auth: runtime.auth.mode,
  });
  if (runtime.bind === "tailnet")
    log.warn("gateway.bind=tailnet: no Tailscale address detected; listening on loopback only");
  // The fragment never reaches the server or a Referer; the page moves the token to storage.
  const link = controlUiUrl({
    scheme: "http",
    host: displayHost,
    port: server.port,
    basePath: cfg.gateway?.controlUi?.basePath,
    token:
      runtime.auth.mode === "token" && runtime.auth.source === "generated" ? runtime.auth.token : undefined,
  });
  out.write(`Control UI: ${link}\n`);
}

/**
 * Loads the model API the default agent will use, so the first turn does not pay for it. Skipped
 * when no credential resolves: that turn fails before any SDK is needed, and idle memory stays low.
 */
async function warmFirstTurn(s: GatewayServices): Promise<void> {
  const config = s.config.current.config;
  const agent = resolveAgent(config, defaultAgentId(config), s.paths.stateDir, s.env);
  const ref = resolveModelRef(agent.modelRef);
  if (!ref) return;
  const model = await resolveModel(ref, config);
  const store = await readAuthProfiles(agent.agentDir);
  try {
    resolveCredential({
      provider: ref.provider,
      config,
      store,
      storePath: "",
      agentDir: agent.agentDir,
      env: s.env,
      now: Date.now(),
    });
  } catch (err) {
    if (err instanceof MissingCredentialError) return;
    throw err;
  }
  await warmApi(model.api);
}

/**
 * Watches the config file's directory (editors replace files by rename) and reloads after the
 * debounce; a briefly missing file is retried before anything changes (CFG-13).
 */
function watchConfig(
  file: string,
  holder: ConfigHolder,
  initial: ConfigSnapshot,
  log: Logger,
): FSWatcher | undefined {
  const mode = initial.config.gateway?.reload?.mode ?? "hybrid";
  if (mode === "off") return undefined;
  const debounceMs = initial.config.gateway?.reload?.debounceMs ?? 300;
  let timer: NodeJS.Timeout | undefined;
  const reload = async (attempt: number): Promise<void> => {
    const snap = await holder.reload();
    if (!snap.exists && attempt < 2) {
      timer = setTimeout(() => void reload(attempt + 1), 150);
    }
  };
  try {
    const w = watch(path.dirname(file), (_event, name) => {
      if (name !== path.basename(file)) return;
      clearTimeout(timer);
      timer = setTimeout(
        () => void reload(0).catch((err: unknown) => log.error("config reload failed", { err })),
        debounceMs,
      );
    });
    w.on("error", (err) => log.warn("config watcher stopped", { err }));
    return w;
  } catch (err) {
    log.warn("cannot watch the config directory; changes need a restart", { err });
    return undefined;
  }
}

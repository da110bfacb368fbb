import { createServer, type Server } from "node:http";
import type { Socket } from "node:net";
import { type WebSocket, WebSocketServer } from "ws";
import { defaultAgentId } from "../agents/agent-config.ts";
import { UserFacingError } from "../infra/errors.ts";
import type { Logger } from "../infra/logger.ts";
import { MAX_PAYLOAD_BYTES, TICK_INTERVAL_MS } from "../protocol/frames.ts";
import { mainSessionKey } from "../sessions/session-key.ts";
import { AuthRateLimiter, resolveRateLimitPolicy } from "./auth-rate-limit.ts";
import { createClientAddressResolver } from "./client-address.ts";
import { ConnectionLimiter, connectionCapsFromEnv } from "./connection-limits.ts";
import { defaultControlUiRoot } from "./control-ui.ts";
import { createHttpHandler } from "./http-routes.ts";
import { LivenessCheck } from "./liveness.ts";
import { MethodRegistry } from "./method-registry.ts";
import { healthSnapshot } from "./methods/health.ts";
import { allMethods } from "./methods/index-list.ts";
import { describePid, findPortHolder } from "./port-holder.ts";
import type { GatewayServices } from "./services.ts";
import { TailscaleVerifier, tailscaleWhois } from "./tailscale-identity.ts";
import { acceptConnection, closeReason } from "./ws-connection.ts";

/** The port is the single-instance lock (GW-10): failing to bind it is this error. */
export class GatewayLockError extends UserFacingError {
  override name = "GatewayLockError";
}

export interface ListeningServer {
  host: string;
  port: number;
  /** Sends `shutdown` to clients, closes every socket and the listener. */
  close(reason: string, restartExpectedMs?: number): Promise<void>;
}

/**
 * Node's own HTTP timeouts are generous (60 s for headers): a client trickling its request line
 * holds a socket that long. Ours: headers within 15 s, a whole request body within 60 s.
 */
const HEADERS_TIMEOUT_MS = 15_000;
const REQUEST_TIMEOUT_MS = 60_000;
/** File descriptors are finite; past this Node drops new TCP connections at accept. */
const MAX_TCP_CONNECTIONS = 4096;

function refuseUpgrade(socket: Socket, reason: string): void {
  const body = `${reason}\n`;
  socket.end(
    `HTTP/1.1 503 Service Unavailable\r\nConnection: close\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
}

/** One HTTP+WebSocket listener on one port (GW-1); everything it serves comes from `services`. */
export async function listen(services: GatewayServices, log: Logger): Promise<ListeningServer> {
  const { host, port } = services.runtime();
  const registry = new MethodRegistry(allMethods());
  const server: Server = createServer(
    createHttpHandler({
      log: log.child({ subsystem: "gateway/http" }),
      controlUi: () => {
        const ui = services.config.current.config.gateway?.controlUi;
        return {
          enabled: ui?.enabled !== false,
          root: ui?.root ?? defaultControlUiRoot(),
          basePath: ui?.basePath ?? "",
        };
      },
      channelEndpoint: (pathname) => services.channels()?.httpEndpoint(pathname),
    }),
  );
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.maxConnections = MAX_TCP_CONNECTIONS;
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_PAYLOAD_BYTES });
  const wsLog = log.child({ subsystem: "gateway/ws" });
  const gatewayConfig = () => services.config.current.config.gateway;
  const clientAddressOf = createClientAddressResolver(
    () => ({
      trustedProxies: gatewayConfig()?.trustedProxies,
      allowRealIpFallback: gatewayConfig()?.allowRealIpFallback,
    }),
    (invalid) => wsLog.warn("ignoring invalid gateway.trustedProxies entries", { invalid }),
  );
  const authLimiter = new AuthRateLimiter();
  const tailscale = new TailscaleVerifier(tailscaleWhois(services.env));
  const connections = new ConnectionLimiter(connectionCapsFromEnv(services.env));
  const liveness = new LivenessCheck<WebSocket>();
  const housekeeping = setInterval(() => {
    liveness.sweep(wss.clients);
    authLimiter.sweep(resolveRateLimitPolicy(gatewayConfig()?.auth?.rateLimit), Date.now());
  }, TICK_INTERVAL_MS);
  housekeeping.unref();
  const sockets = new Set<Socket>();
  server.on("connection", (s: Socket) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  server.on("upgrade", (req, socket, head) => {
    socket.on("error", () => socket.destroy());
    const client = clientAddressOf(req.socket.remoteAddress, req.headers);
    const admission = connections.admit(client.address);
    if (!admission.ok) {
      // Debug only: a flood of refusals must not become a flood of log lines.
      wsLog.debug("upgrade refused", { remoteAddress: client.address, reason: admission.reason });
      refuseUpgrade(socket as Socket, admission.reason);
      return;
    }
    socket.once("close", () => admission.slot.release());
    wss.handleUpgrade(req, socket, head, (ws) => {
      liveness.watch(ws);
      acceptConnection(
        ws,
        req,
        {
          registry,
          services,
          log: wsLog,
          snapshot: async () => {
            const config = services.config.current.config;
            const agentId = defaultAgentId(config);
            return {
              presence: [],
              health: await healthSnapshot(services),
              stateVersion: { presence: 0, health: 0 },
              uptimeMs: Date.now() - services.startedAt,
              configPath: services.config.path,
              stateDir: services.paths.stateDir,
              sessionDefaults: {
                defaultAgentId: agentId,
                mainKey: "main",
                mainSessionKey: mainSessionKey(agentId),
                scope: "per-sender",
              },
              authMode: services.runtime().auth.mode,
            };
          },
          authLimiter,
          tailscale,
        },
        { client, slot: admission.slot },
      );
    });
  });
  server.on("clientError", (_err, socket) => {
    if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\n\r\n");
  });

  await new Promise<void>((resolve, reject) => {
    const onError = async (err: NodeJS.ErrnoException): Promise<void> => {
      if (err.code === "EADDRINUSE") {
        const pid = await findPortHolder(port);
        const holder = pid
          ? ` (held by ${await describePid(pid)}; stop it or run with --force)`
          : " (stop it or run with --force)";
        reject(
          new GatewayLockError(
            `another gateway instance is already listening on ws://${host}:${port}${holder}`,
          ),
        );
      } else {
        reject(new GatewayLockError(`failed to bind gateway socket on ws://${host}:${port}: ${err.message}`));
      }
    };
    server.once("error", (err) => void onError(err));
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
  const address = server.address();
  const boundPort = typeof address === "object" && address ? address.port : port;

  return {
    host,
    port: boundPort,
    async close(reason, restartExpectedMs) {
      services.events.broadcast("shutdown", {
        reason,
        ...(restartExpectedMs !== undefined ? { restartExpectedMs } : {}),
      });
      // Restart reasons carry config paths, which may be non-ASCII: truncate by bytes, not characters.
      clearInterval(housekeeping);
      for (const ws of wss.clients) ws.close(1012, closeReason(reason));
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Give clients a moment to receive the close frame, then cut whatever is left.
      await new Promise((r) => setTimeout(r, 50));
      for (const ws of wss.clients) ws.terminate();
      for (const s of sockets) s.destroy();
      await closed;
    },
  };
}

import { z } from "zod";
import { NonNegativeInt, PortNumber, PositiveInt, SecretInput } from "./common.ts";

// `gateway.*` (reference-gateway §1, §3). Defaults are the ones §3 lists; keys whose default depends on
// other keys (`auth.mode`, `auth.allowTailscale`) stay optional and are resolved by the gateway.

export const GatewayBindMode = z.enum(["auto", "lan", "loopback", "custom", "tailnet"]);
export type GatewayBindMode = z.output<typeof GatewayBindMode>;

export const GatewayAuthMode = z.enum(["none", "token", "password", "trusted-proxy"]);
export type GatewayAuthMode = z.output<typeof GatewayAuthMode>;

export const ReloadMode = z.enum(["off", "restart", "hot", "hybrid"]);
export type ReloadMode = z.output<typeof ReloadMode>;

const MB = 1024 * 1024;

const ControlUiSchema = z
  .object({
    enabled: z.boolean().default(true).describe("Serve the Control UI on the gateway port."),
    basePath: z.string().optional().describe("URL prefix of the Control UI; empty serves it at /."),
    root: z.string().optional().describe("Directory with built Control UI assets."),
    allowedOrigins: z.array(z.string()).optional().describe("Browser origins allowed to open the WebSocket."),
    dangerouslyAllowHostHeaderOriginFallback: z.boolean().optional(),
    allowInsecureAuth: z.boolean().optional(),
    dangerouslyDisableDeviceAuth: z.boolean().optional(),
  })
  .prefault({});

const RateLimitSchema = z
  .object({
    maxAttempts: PositiveInt.default(10),
    windowMs: PositiveInt.default(60_000),
    lockoutMs: NonNegativeInt.default(300_000),
    exemptLoopback: z.boolean().default(true),
  })
  .prefault({});

const TrustedProxySchema = z.object({
  userHeader: z.string().min(1),
  requiredHeaders: z.array(z.string()).optional(),
  allowUsers: z.array(z.string()).optional(),
});

const GatewayAuthSchema = z
  .object({
    mode: GatewayAuthMode.optional().describe(
      "How clients authenticate; unset means password if one is set, else token.",
    ),
    token: SecretInput.optional().describe("Shared token (or OPENCLAW_GATEWAY_TOKEN)."),
    password: SecretInput.optional().describe("Shared password (or OPENCLAW_GATEWAY_PASSWORD)."),
    allowTailscale: z
      .boolean()
      .optional()
      .describe("Accept verified Tailscale Serve identities without a token."),
    rateLimit: RateLimitSchema.describe("Lockout after repeated failed authentication attempts."),
    trustedProxy: TrustedProxySchema.optional().describe("Identity headers set by a trusted reverse proxy."),
  })
  .prefault({});

const TailscaleSchema = z
  .object({
    mode: z.enum(["off", "serve", "funnel"]).default("off"),
    resetOnExit: z.boolean().default(false),
  })
  .prefault({});

/** Client credentials for a remote gateway; they never configure this gateway's own auth (GW-9). */
const RemoteSchema = z.object({
  url: z.string().optional(),
  transport: z.enum(["ssh", "direct"]).default("ssh"),
  token: SecretInput.optional(),
  password: SecretInput.optional(),
  tlsFingerprint: z.string().optional(),
  sshTarget: z.string().optional(),
  sshIdentity: z.string().optional(),
});

const ReloadSchema = z
  .object({
    mode: ReloadMode.default("hybrid").describe(
      "What a config file change does: hot-apply, restart, or both.",
    ),
    debounceMs: NonNegativeInt.default(300).describe("Quiet period before a change is applied."),
  })
  .prefault({});

const TlsSchema = z
  .object({
    enabled: z.boolean().optional(),
    autoGenerate: z.boolean().default(true),
    certPath: z.string().optional(),
    keyPath: z.string().optional(),
    caPath: z.string().optional(),
  })
  .prefault({});

const UrlFetchLimitsSchema = z.object({
  allowUrl: z.boolean().optional(),
  urlAllowlist: z.array(z.string()).optional(),
  allowedMimes: z.array(z.string()).optional(),
  maxBytes: PositiveInt.optional(),
  maxRedirects: NonNegativeInt.optional(),
  timeoutMs: PositiveInt.optional(),
});

const ResponsesEndpointSchema = z
  .object({
    enabled: z.boolean().default(false),
    maxBodyBytes: PositiveInt.default(20 * MB),
    maxUrlParts: NonNegativeInt.default(8),
    files: UrlFetchLimitsSchema.extend({
      maxBytes: PositiveInt.default(5 * MB),
      maxChars: PositiveInt.default(200_000),
      maxRedirects: NonNegativeInt.default(3),
      timeoutMs: PositiveInt.default(10_000),
      pdf: z
        .object({
          maxPages: PositiveInt.default(4),
          maxPixels: PositiveInt.default(4_000_000),
          minTextChars: NonNegativeInt.default(200),
        })
        .prefault({}),
    }).prefault({}),
    images: UrlFetchLimitsSchema.extend({
      maxBytes: PositiveInt.default(10 * MB),
      maxRedirects: NonNegativeInt.default(3),
      timeoutMs: PositiveInt.default(10_000),
    }).prefault({}),
  })
  .prefault({});

const HttpSchema = z
  .object({
    endpoints: z
      .object({
        chatCompletions: z.object({ enabled: z.boolean().default(false) }).prefault({}),
        responses: ResponsesEndpointSchema,
      })
      .prefault({}),
    securityHeaders: z
      .object({
        /** A header value, or `false` to send none. */
        strictTransportSecurity: z.union([z.string(), z.literal(false)]).optional(),
      })
      .optional(),
  })
  .prefault({});

const GatewayNodesSchema = z.object({
  browser: z
    .object({
      mode: z.enum(["auto", "manual", "off"]).optional(),
      node: z.string().optional(),
    })
    .optional(),
  allowCommands: z.array(z.string()).optional(),
  denyCommands: z.array(z.string()).optional(),
});

const PushSchema = z.object({
  apns: z
    .object({
      relay: z.object({ baseUrl: z.string().optional(), timeoutMs: PositiveInt.optional() }).optional(),
    })
    .optional(),
});

export const GatewaySchema = z
  .object({
    port: PortNumber.default(18789).describe("Port for WebSocket and HTTP (overridden by --port)."),
    mode: z
      .enum(["local", "remote"])
      .optional()
      .describe("local runs a gateway here; remote makes this install a client of gateway.remote."),
    bind: GatewayBindMode.default("loopback").describe("Which interface the gateway listens on."),
    customBindHost: z.string().optional().describe("IPv4 address to bind when bind is custom."),
    controlUi: ControlUiSchema.describe("Browser Control UI served by the gateway."),
    auth: GatewayAuthSchema.describe("How clients prove they may connect."),
    tailscale: TailscaleSchema.describe("Expose the gateway through Tailscale Serve or Funnel."),
    remote: RemoteSchema.optional().describe("Where the CLI connects when gateway.mode is remote."),
    reload: ReloadSchema.describe("How config file changes are applied."),
    tls: TlsSchema.describe("Serve wss:// and https:// on the same port."),
    http: HttpSchema.describe("HTTP endpoints and response headers."),
    nodes: GatewayNodesSchema.optional().describe("Which commands paired nodes may expose."),
    trustedProxies: z
      .array(z.string())
      .optional()
      .describe("Reverse proxy addresses trusted for client IPs."),
    allowRealIpFallback: z
      .boolean()
      .default(false)
      .describe("Use X-Real-IP when X-Forwarded-For is missing."),
    tools: z
      .object({ allow: z.array(z.string()).optional(), deny: z.array(z.string()).optional() })
      .optional()
      .describe("Changes to the default deny list of POST /tools/invoke."),
    channelHealthCheckMinutes: NonNegativeInt.default(5).describe(
      "Channel health check interval; 0 disables.",
    ),
    channelStaleEventThresholdMinutes: NonNegativeInt.optional(),
    channelMaxRestartsPerHour: NonNegativeInt.optional(),
    push: PushSchema.optional(),
  })
  .prefault({});

import { z } from "zod";

/** Protocol version this gateway speaks (OpenClaw main is at 4; v3 clients are refused with 1002). */
export const PROTOCOL_VERSION = 4;

export const ERROR_CODES = [
  "NOT_LINKED",
  "NOT_PAIRED",
  "AGENT_TIMEOUT",
  "FORBIDDEN",
  "INVALID_REQUEST",
  "UNAVAILABLE",
] as const;

export const ErrorShapeSchema = z.object({
  code: z.enum(ERROR_CODES),
  message: z.string(),
  details: z.record(z.string(), z.unknown()).optional(),
  retryable: z.boolean().optional(),
  retryAfterMs: z.number().int().nonnegative().optional(),
});
export type ErrorShape = z.infer<typeof ErrorShapeSchema>;

export const RequestFrameSchema = z.strictObject({
  type: z.literal("req"),
  id: z.string().min(1),
  method: z.string().min(1),
  params: z.unknown().optional(),
});
export type RequestFrame = z.infer<typeof RequestFrameSchema>;

export const ResponseFrameSchema = z.strictObject({
  type: z.literal("res"),
  id: z.string(),
  ok: z.boolean(),
  payload: z.unknown().optional(),
  error: ErrorShapeSchema.optional(),
});
export type ResponseFrame = z.infer<typeof ResponseFrameSchema>;

export const EventFrameSchema = z.strictObject({
  type: z.literal("event"),
  event: z.string(),
  payload: z.unknown().optional(),
  seq: z.number().int().nonnegative().optional(),
  stateVersion: z.object({ presence: z.number().int(), health: z.number().int() }).optional(),
});
export type EventFrame = z.infer<typeof EventFrameSchema>;

export const AnyFrameSchema = z.discriminatedUnion("type", [
  RequestFrameSchema,
  ResponseFrameSchema,
  EventFrameSchema,
]);
export type AnyFrame = z.infer<typeof AnyFrameSchema>;

/** Closed enums: OpenClaw's clients send exactly these (reference-gateway §2, §7). */
export const CLIENT_IDS = [
  "webchat-ui",
  "openclaw-control-ui",
  "webchat",
  "cli",
  "gateway-client",
  "openclaw-macos",
  "openclaw-ios",
  "openclaw-android",
  "node-host",
  "test",
  "fingerprint",
  "openclaw-probe",
] as const;
export const CLIENT_MODES = ["webchat", "cli", "ui", "backend", "node", "probe", "test"] as const;

export const ConnectParamsSchema = z.strictObject({
  minProtocol: z.number().int().min(1),
  maxProtocol: z.number().int().min(1),
  client: z.strictObject({
    id: z.enum(CLIENT_IDS),
    displayName: z.string().optional(),
    version: z.string(),
    platform: z.string(),
    deviceFamily: z.string().optional(),
    modelIdentifier: z.string().optional(),
    mode: z.enum(CLIENT_MODES),
    instanceId: z.string().optional(),
  }),
  caps: z.array(z.string()).optional(),
  commands: z.array(z.string()).optional(),
  permissions: z.record(z.string(), z.boolean()).optional(),
  pathEnv: z.string().optional(),
  role: z.string().optional(),
  scopes: z.array(z.string()).optional(),
  device: z
    .strictObject({
      id: z.string(),
      publicKey: z.string(),
      signature: z.string(),
      signedAt: z.number(),
      nonce: z.string().optional(),
    })
    .optional(),
  auth: z
    .strictObject({
      token: z.string().optional(),
      deviceToken: z.string().optional(),
      password: z.string().optional(),
    })
    .optional(),
  locale: z.string().optional(),
  userAgent: z.string().optional(),
});
export type ConnectParams = z.infer<typeof ConnectParamsSchema>;

export const OPERATOR_SCOPES = [
  "operator.admin",
  "operator.read",
  "operator.write",
  "operator.approvals",
  "operator.pairing",
] as const;
export type OperatorScope = (typeof OPERATOR_SCOPES)[number];

export interface HelloOk {
  type: "hello-ok";
  protocol: number;
  server: { version: string; connId: string };
  features: { methods: string[]; events: string[] };
  snapshot: Record<string, unknown>;
  auth: { role: string; scopes: string[]; deviceToken?: string; issuedAtMs?: number };
  policy: { maxPayload: number; maxBufferedBytes: number; tickIntervalMs: number };
}

/** Limits (reference-gateway §2, server-constants). */
export const MAX_PAYLOAD_BYTES = 25 * 1024 * 1024;
export const MAX_BUFFERED_BYTES = 50 * 1024 * 1024;
export const TICK_INTERVAL_MS = 30_000;
export const HANDSHAKE_TIMEOUT_MS = 10_000;
/** Before `connect` succeeds nobody needs big frames (OpenClaw main caps them at 64 KiB). */
export const MAX_PRECONNECT_FRAME_BYTES = 64 * 1024;

import { z } from "zod";
import { PortNumber, PositiveInt } from "./common.ts";

// `browser.*` (TOOL-9), `discovery.*` and `canvasHost.*` (reference-gateway §1, §3).

const BrowserProfileSchema = z.object({
  cdpPort: PortNumber.optional(),
  cdpUrl: z.string().optional(),
  color: z.string().optional(),
  driver: z.enum(["openclaw", "clawd", "extension", "existing-session"]).optional(),
  attachOnly: z.boolean().optional(),
});

const SsrfPolicySchema = z.object({
  dangerouslyAllowPrivateNetwork: z.boolean().optional(),
  /** Legacy alias of `dangerouslyAllowPrivateNetwork`. */
  allowPrivateNetwork: z.boolean().optional(),
  hostnameAllowlist: z.array(z.string()).optional(),
  allowedHostnames: z.array(z.string()).optional(),
});

export const BrowserSchema = z
  .object({
    enabled: z.boolean().default(true),
    evaluateEnabled: z.boolean().default(true),
    defaultProfile: z.string().optional(),
    profiles: z.record(z.string(), BrowserProfileSchema).optional(),
    ssrfPolicy: SsrfPolicySchema.optional(),
    /** TOOL-9: headful unless set. */
    headless: z.boolean().default(false),
    noSandbox: z.boolean().optional(),
    executablePath: z.string().optional(),
    extraArgs: z.array(z.string()).optional(),
    attachOnly: z.boolean().optional(),
    color: z.string().optional(),
    cdpUrl: z.string().optional(),
    remoteCdpTimeoutMs: PositiveInt.optional(),
    remoteCdpHandshakeTimeoutMs: PositiveInt.optional(),
    snapshotDefaults: z.object({ mode: z.string().optional() }).optional(),
  })
  .prefault({});

export const DiscoverySchema = z
  .object({
    mdns: z.object({ mode: z.enum(["off", "minimal", "full"]).default("minimal") }).prefault({}),
    wideArea: z.object({ enabled: z.boolean().optional(), domain: z.string().optional() }).optional(),
  })
  .prefault({});

export const CanvasHostSchema = z
  .object({
    enabled: z.boolean().default(true),
    /** Default `<workspace>/canvas`: depends on the workspace, so resolved at runtime. */
    root: z.string().optional(),
    /** Legacy separate canvas port. */
    port: PortNumber.default(18793),
    liveReload: z.boolean().default(true),
  })
  .prefault({});

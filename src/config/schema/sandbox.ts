import { z } from "zod";
import { NonNegativeInt, PortNumber, PositiveInt, SecretInput, StringMap } from "./common.ts";

// `agents.defaults.sandbox` and `agents.list[].sandbox` (reference-agent §7.7, reference-gateway §3).
// SandboxSchema is the per-agent override (no defaults); SandboxDefaultsSchema adds the documented ones.

export const SandboxMode = z.enum(["off", "non-main", "all"]);
export const SandboxScope = z.enum(["session", "agent", "shared"]);
export const WorkspaceAccess = z.enum(["none", "ro", "rw"]);

const UlimitSchema = z.union([
  z.number().int(),
  z.object({ soft: z.number().int().optional(), hard: z.number().int().optional() }),
]);

const DockerSchema = z.object({
  image: z.string().optional(),
  containerPrefix: z.string().optional(),
  workdir: z.string().optional(),
  readOnlyRoot: z.boolean().optional(),
  tmpfs: z.array(z.string()).optional(),
  network: z.string().optional(),
  user: z.string().optional(),
  capDrop: z.array(z.string()).optional(),
  env: StringMap.optional(),
  setupCommand: z.string().optional(),
  pidsLimit: PositiveInt.optional(),
  memory: z.union([z.string(), z.number()]).optional(),
  memorySwap: z.union([z.string(), z.number()]).optional(),
  cpus: z.number().positive().optional(),
  ulimits: z.record(z.string(), UlimitSchema).optional(),
  seccompProfile: z.string().optional(),
  apparmorProfile: z.string().optional(),
  dns: z.array(z.string()).optional(),
  extraHosts: z.array(z.string()).optional(),
  /** `host:container[:ro|rw]` entries; global and per-agent lists merge (SBX-3). */
  binds: z.array(z.string()).optional(),
  dangerouslyAllowContainerNamespaceJoin: z.boolean().optional(),
});

const SshSchema = z.object({
  target: z.string().optional(),
  command: z.string().optional(),
  workspaceRoot: z.string().optional(),
  strictHostKeyChecking: z.boolean().optional(),
  updateHostKeys: z.boolean().optional(),
  identityFile: z.string().optional(),
  certificateFile: z.string().optional(),
  knownHostsFile: z.string().optional(),
  identityData: SecretInput.optional(),
  certificateData: SecretInput.optional(),
  knownHostsData: SecretInput.optional(),
});

const SandboxBrowserSchema = z.object({
  enabled: z.boolean().optional(),
  image: z.string().optional(),
  containerPrefix: z.string().optional(),
  network: z.string().optional(),
  cdpPort: PortNumber.optional(),
  cdpSourceRange: z.string().optional(),
  vncPort: PortNumber.optional(),
  noVncPort: PortNumber.optional(),
  headless: z.boolean().optional(),
  enableNoVnc: z.boolean().optional(),
  allowHostControl: z.boolean().optional(),
  autoStart: z.boolean().optional(),
  autoStartTimeoutMs: PositiveInt.optional(),
  binds: z.array(z.string()).optional(),
});

const PruneSchema = z.object({
  idleHours: NonNegativeInt.optional(),
  maxAgeDays: NonNegativeInt.optional(),
});

export const SandboxSchema = z.object({
  mode: SandboxMode.optional(),
  backend: z.enum(["docker", "ssh", "openshell", "bubblewrap"]).optional(),
  scope: SandboxScope.optional(),
  workspaceAccess: WorkspaceAccess.optional(),
  /** Default `<stateDir>/sandboxes`: depends on the state dir, so resolved at runtime. */
  workspaceRoot: z.string().optional(),
  docker: DockerSchema.optional(),
  ssh: SshSchema.optional(),
  browser: SandboxBrowserSchema.optional(),
  prune: PruneSchema.optional(),
  sessionToolsVisibility: z.enum(["spawned", "all"]).optional(),
});

export const SandboxDefaultsSchema = SandboxSchema.extend({
  mode: SandboxMode.default("off"),
  // 2.26 docs (reference-agent §7.7) say `session`; newer docs say `agent`. We follow the 2.26 baseline.
  scope: SandboxScope.default("session"),
  workspaceAccess: WorkspaceAccess.default("none"),
  docker: DockerSchema.extend({
    image: z.string().default("openclaw-sandbox:bookworm-slim"),
    containerPrefix: z.string().default("openclaw-sbx-"),
    workdir: z.string().default("/workspace"),
    network: z.string().default("none"),
  }).prefault({}),
  prune: PruneSchema.extend({
    idleHours: NonNegativeInt.default(24),
    maxAgeDays: NonNegativeInt.default(7),
  }).prefault({}),
});

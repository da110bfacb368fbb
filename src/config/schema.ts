import { z } from "zod";
import { AgentsSchema, BindingSchema } from "./schema/agents.ts";
import { AuthSchema } from "./schema/auth.ts";
import { CronSchema, HooksSchema } from "./schema/automation.ts";
import { BrowserSchema, CanvasHostSchema, DiscoverySchema } from "./schema/browser.ts";
import { ChannelsSchema } from "./schema/channels.ts";
import { PluginsSchema, SecretsSchema, SkillsSchema } from "./schema/extensions.ts";
import { GatewaySchema } from "./schema/gateway.ts";
import { MemorySchema } from "./schema/memory.ts";
import { ApprovalsSchema, CommandsSchema, MessagesSchema } from "./schema/messages.ts";
import {
  AcpSchema,
  AudioSchema,
  BroadcastSchema,
  CliSchema,
  DiagnosticsSchema,
  EnvSchema,
  LoggingSchema,
  MetaSchema,
  NodeHostSchema,
  TalkSchema,
  UiSchema,
  UpdateSchema,
  WebSchema,
  WizardSchema,
} from "./schema/misc.ts";
import { ModelsSchema } from "./schema/models.ts";
import { SessionSchema } from "./schema/session.ts";
import { ToolsSchema } from "./schema/tools.ts";

// The one schema for `openclaw.json`: types, validation, defaults and the JSON Schema for UIs.
// Every object is a plain `z.object`, so unknown keys are stripped by parsing and reported as
// warnings by `unknown-keys.ts` (CFG-4); wrong types are errors. Sections with defaults use
// `.prefault({})` so `parse({})` yields them fully defaulted.

export const OpenClawConfigSchema = z.object({
  $schema: z.string().optional(),
  meta: MetaSchema.optional().describe("Written by OpenClaw: last version that touched the file."),
  wizard: WizardSchema.optional().describe("Written by the setup wizards."),
  env: EnvSchema.optional().describe("Environment variables applied when missing from the process."),
  logging: LoggingSchema.describe("File and console logging."),
  diagnostics: DiagnosticsSchema.optional().describe("Diagnostics and OpenTelemetry export."),
  update: UpdateSchema.optional().describe("Release channel and automatic updates."),
  cli: CliSchema.optional(),
  ui: UiSchema.optional().describe("Control UI and app appearance."),
  secrets: SecretsSchema.optional().describe("Providers that resolve SecretRef values."),
  auth: AuthSchema.describe("Auth profile metadata, rotation order and cooldowns."),
  models: ModelsSchema.describe("Custom model providers merged with the built-in catalog."),
  agents: AgentsSchema.describe("Agent defaults and the list of agents."),
  bindings: z.array(BindingSchema).optional().describe("Routes from channels, accounts and peers to agents."),
  broadcast: BroadcastSchema.optional().describe("Peers answered by several agents at once."),
  tools: ToolsSchema.describe("Tool policy and tool settings."),
  session: SessionSchema.describe("Session scoping, resets and store maintenance."),
  messages: MessagesSchema.describe("Reply prefix, ack reactions, queueing and group history."),
  commands: CommandsSchema.describe("Chat commands and who may use them."),
  approvals: ApprovalsSchema.optional().describe("Where exec approval requests are forwarded."),
  channels: ChannelsSchema.describe("Chat channels (Telegram, WhatsApp, Discord, …)."),
  web: WebSchema.describe("WhatsApp Web runtime settings."),
  cron: CronSchema.describe("Scheduled jobs."),
  hooks: HooksSchema.describe("Inbound webhooks and internal hooks."),
  skills: SkillsSchema.optional().describe("Skill loading, installs and per-skill settings."),
  plugins: PluginsSchema.optional().describe("Plugin loading and per-plugin settings."),
  memory: MemorySchema.optional().describe("Memory backend and citations."),
  browser: BrowserSchema.describe("Browser tool settings."),
  discovery: DiscoverySchema.describe("mDNS and wide-area discovery."),
  canvasHost: CanvasHostSchema.describe("Canvas and A2UI host."),
  talk: TalkSchema.optional().describe("Talk mode voice settings."),
  audio: AudioSchema.optional().describe("Legacy audio transcription."),
  nodeHost: NodeHostSchema.optional().describe("Settings for this machine as a node host."),
  acp: AcpSchema.optional().describe("Agent Client Protocol sessions."),
  gateway: GatewaySchema.describe("The gateway server: port, bind, auth, reload, HTTP endpoints."),
});

/** A parsed config: defaults applied, unknown keys dropped. */
export type OpenClawConfig = z.output<typeof OpenClawConfigSchema>;
/** A config as written in openclaw.json (before defaults). */
export type OpenClawConfigInput = z.input<typeof OpenClawConfigSchema>;

/** JSON Schema (draft 2020-12) of the input side, for `config.schema` and the settings UI. */
export function configJsonSchema(): object {
  return z.toJSONSchema(OpenClawConfigSchema, { io: "input", unrepresentable: "any" });
}

export { CHANNEL_META_KEYS } from "./schema/channels.ts";
export {
  AgentModelSchema,
  DmPolicy,
  GroupPolicy,
  ModelRefSchema,
  SecretInput,
  SecretRefSchema,
} from "./schema/common.ts";
export { GatewayAuthMode, GatewayBindMode, ReloadMode } from "./schema/gateway.ts";
export { ModelDefinitionSchema, ProviderApi, ProviderConfigSchema } from "./schema/models.ts";
export { DmScope } from "./schema/session.ts";

import type { ChannelManager, ChannelsSnapshot } from "../channels/manager.ts";
import type { OpenClawPaths } from "../config/paths.ts";
import type { Logger, LogSink } from "../infra/logger.ts";
import type { ExecRuntime } from "../tools/exec/exec-runtime.ts";
import type { ConfigHolder } from "./config-holder.ts";
import type { EventHub } from "./event-hub.ts";
import type { NodeRegistry } from "./node-registry.ts";
import type { RunRegistry } from "./run-registry.ts";
import type { GatewayRuntime } from "./runtime-config.ts";

/** What method handlers may use. Built once by `startGateway`; no module-level singletons. */
export interface GatewayServices {
  readonly version: string;
  readonly startedAt: number;
  readonly paths: OpenClawPaths;
  readonly env: NodeJS.ProcessEnv;
  readonly config: ConfigHolder;
  readonly logSink: LogSink;
  readonly log: Logger;
  readonly events: EventHub;
  readonly runs: RunRegistry;
  /** Background exec jobs and pending exec approvals. */
  readonly exec: ExecRuntime;
  /** Nodes connected now, and the calls in flight to them. */
  readonly nodes: NodeRegistry;
  /** The chat channels' status; `undefined` before they start. */
  channelsStatus(): ChannelsSnapshot | undefined;
  /** The running chat channels (HTTP endpoints, outbound `send`); `undefined` before they start. */
  channels(): ChannelManager | undefined;
  runtime(): GatewayRuntime;
  /** Config keys present in the file whose feature is not active in this build (for `status`). */
  inactiveFeatures(): string[];
  /** Asks the gateway to restart its server in-process (config changes that need it). */
  requestRestart(reason: string): void;
}

import { ChannelManager } from "../channels/manager.ts";
import type { OpenClawConfig } from "../config/schema.ts";
import type { Logger } from "../infra/logger.ts";
import { handleInbound } from "../routing/inbound.ts";
import type { RunRegistry } from "./run-registry.ts";

export interface ChannelRuntimeDeps {
  config: () => OpenClawConfig;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  runs: RunRegistry;
}

/**
 * Wires the chat channels to the agent (DESIGN.md §4): each recorded message goes through the
 * routing pipeline, whose runs share the session lanes of protocol clients. Starts in the
 * background; a channel that fails shows in `channels.status` and never stops the gateway.
 */
export function startChannels(deps: ChannelRuntimeDeps): ChannelManager {
  const log = deps.log.child({ subsystem: "channels" });
  const manager = new ChannelManager({
    config: deps.config,
    stateDir: deps.stateDir,
    env: deps.env,
    log,
    handle: async (msg, adapter, account, signal, accepted) => {
      await handleInbound(
        msg,
        adapter,
        account,
        {
          config: deps.config,
          stateDir: deps.stateDir,
          env: deps.env,
          log,
          now: Date.now,
          run: (req) => deps.runs.start({ ...req, queueModes: true }).done,
          accepted,
        },
        signal,
      );
    },
  });
  manager.start();
  return manager;
}

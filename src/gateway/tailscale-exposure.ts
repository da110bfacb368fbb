import type { Logger } from "../infra/logger.ts";
import { runTailscale } from "../infra/tailscale-cli.ts";
import type { TailscaleMode } from "./runtime-config.ts";

/**
 * Publishes the loopback gateway on the tailnet (`serve`) or the internet (`funnel`) through the
 * local Tailscale daemon (GW-23): HTTPS at `https://<machine>.<tailnet>.ts.net/`, proxied to
 * `127.0.0.1:<port>`. A failure is logged and leaves the gateway serving locally: the tailnet is
 * an extra door, never a reason not to start.
 */
export async function exposeOnTailnet(
  mode: Exclude<TailscaleMode, "off">,
  port: number,
  env: NodeJS.ProcessEnv,
  log: Logger,
): Promise<boolean> {
  try {
    await runTailscale([mode, "--bg", String(port)], env, 15_000);
    log.info(`tailscale ${mode} publishes this gateway`, { port });
    return true;
  } catch (err) {
    log.error(`tailscale ${mode} failed; the gateway is reachable on loopback only`, { err });
    return false;
  }
}

/** Undoes `exposeOnTailnet` (`gateway.tailscale.resetOnExit`). */
export async function resetTailnetExposure(
  mode: Exclude<TailscaleMode, "off">,
  env: NodeJS.ProcessEnv,
  log: Logger,
): Promise<void> {
  try {
    await runTailscale([mode, "reset"], env, 10_000);
  } catch (err) {
    log.warn(`tailscale ${mode} reset failed`, { err });
  }
}

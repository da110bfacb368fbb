import os from "node:os";
import type { Command } from "commander";
import { controlUiUrl } from "../../gateway/control-ui-url.ts";
import { copyToClipboard, hasDisplay, openInBrowser } from "../../infra/desktop.ts";
import { type CliContext, loadCliContext, printJson, resolveGatewayTarget } from "../context.ts";

interface Opts {
  open: boolean;
  copy: boolean;
  json?: boolean;
}

/** `openclaw dashboard` (GW-21): the Control UI link, copied and opened where that makes sense. */
export function registerDashboardCommand(program: Command): void {
  program
    .command("dashboard")
    .description("print the Control UI link (token in the #fragment), copy it and open a browser")
    .option("--no-open", "only print the link")
    .option("--no-copy", "do not copy the link to the clipboard")
    .option("--json", "machine-readable output")
    .action(async (opts: Opts) => {
      const ctx = await loadCliContext();
      const url = await dashboardUrl(ctx);
      const display = hasDisplay(ctx.env);
      const copied = opts.copy ? await copyToClipboard(url, ctx.env) : false;
      const opened = opts.open && display ? await openInBrowser(url, ctx.env) : false;
      const hint = opts.open && !display ? sshTunnelHint(url) : undefined;
      if (opts.json) return printJson({ url, copied, opened, ...(hint ? { hint } : {}) });
      const lines = [`Dashboard URL: ${url}`];
      if (copied) lines.push("Copied to clipboard.");
      if (opened) lines.push("Opened in your browser.");
      else if (hint) lines.push("", hint);
      else if (opts.open) lines.push("Could not open a browser; open the link above yourself.");
      process.stdout.write(`${lines.join("\n")}\n`);
    });
}

/**
 * The link for the gateway this CLI talks to (local, or `gateway.remote` in remote mode). The
 * token goes in only for token auth; a password is never put in a link (the page asks for it).
 */
async function dashboardUrl(ctx: CliContext): Promise<string> {
  const target = await resolveGatewayTarget(ctx, {});
  const ws = new URL(target.url);
  const remote = ctx.snapshot.config.gateway?.mode === "remote";
  const basePath = remote ? ws.pathname : ctx.snapshot.config.gateway?.controlUi?.basePath;
  return controlUiUrl({
    scheme: ws.protocol,
    host: ws.hostname.replace(/^\[|\]$/g, ""),
    port: ws.port ? Number(ws.port) : undefined,
    basePath,
    token: target.password ? undefined : target.token,
  });
}

/** On a headless host the browser is on the user's own computer, at the end of a tunnel (GW-27). */
function sshTunnelHint(url: string): string {
  const { port, hostname } = new URL(url);
  const p = port || "18789";
  const where = isLocalHost(hostname)
    ? `${os.userInfo().username}@${os.hostname()}`
    : "<user>@<gateway-host>";
  return [
    "No display here. From your own computer, open an SSH tunnel to this host:",
    `  ssh -N -L ${p}:127.0.0.1:${p} ${where}`,
    "then open the link above in your browser there.",
  ].join("\n");
}

function isLocalHost(hostname: string): boolean {
  return hostname === "127.0.0.1" || hostname === "localhost" || hostname === "[::1]";
}

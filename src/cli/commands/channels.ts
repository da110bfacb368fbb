import type { Command } from "commander";
import {
  connectGateway,
  loadCliContext,
  printJson,
  type RemoteOptions,
  timeoutMs,
  withGatewayOptions,
} from "../context.ts";

type Opts = RemoteOptions & { json?: boolean; probe?: boolean };

interface AccountRow {
  accountId: string;
  state: string;
  connected: boolean;
  lastError?: string;
  bot?: { username?: string };
  dmPolicy: string;
  pendingInbound: number;
  failedDeliveries: number;
  probe?: { ok: boolean; elapsedMs: number; error?: string; bot?: { username?: string } };
}

interface ChannelsStatus {
  channelOrder: string[];
  channelAccounts: Record<string, AccountRow[]>;
}

function describe(channel: string, a: AccountRow): string {
  const bot = a.bot?.username ? ` @${a.bot.username}` : "";
  const extra = [
    `dmPolicy ${a.dmPolicy}`,
    ...(a.pendingInbound > 0 ? [`${a.pendingInbound} pending`] : []),
    ...(a.failedDeliveries > 0 ? [`${a.failedDeliveries} undelivered`] : []),
  ];
  const error = a.lastError ? `\n    last error: ${a.lastError}` : "";
  const probe = a.probe
    ? `\n    probe: ${a.probe.ok ? "ok" : `failed (${a.probe.error ?? "no answer"})`}, ${a.probe.elapsedMs} ms`
    : "";
  return `${channel} ${a.accountId}${bot}: ${a.state} (${extra.join(", ")})${error}${probe}`;
}

export function registerChannelsCommands(program: Command): void {
  const channels = program.command("channels").description("chat channels of the running gateway");
  withGatewayOptions(
    channels
      .command("status")
      .description("show each channel account's connection state")
      .option("--probe", "ask the channels to check their connection now")
      .option("--json", "machine-readable output"),
  ).action(async (opts: Opts) => {
    const ctx = await loadCliContext();
    const client = await connectGateway(ctx, opts);
    try {
      const snap = await client.request<ChannelsStatus>(
        "channels.status",
        { ...(opts.probe ? { probe: true } : {}) },
        { timeoutMs: timeoutMs(opts, 10_000) },
      );
      if (opts.json) return printJson(snap);
      const lines = snap.channelOrder.flatMap((c) =>
        (snap.channelAccounts[c] ?? []).map((a) => describe(c, a)),
      );
      process.stdout.write(`${lines.length > 0 ? lines.join("\n") : "No channels configured."}\n`);
    } finally {
      client.close();
    }
  });
}

import type { Command } from "commander";
import { callAndPrint, type RemoteOptions, withGatewayOptions } from "../context.ts";

type Opts = RemoteOptions & { json?: boolean; role?: string; scope?: string[] };

interface PendingRow {
  requestId: string;
  deviceId: string;
  displayName?: string;
  platform?: string;
  clientId?: string;
  role?: string;
  scopes?: string[];
  remoteIp?: string;
  ts: number;
}

interface PairedRow {
  deviceId: string;
  displayName?: string;
  platform?: string;
  clientId?: string;
  roles?: string[];
  approvedScopes?: string[];
  tokens?: { role: string }[];
  approvedAtMs: number;
}

function withRemote(cmd: Command): Command {
  return withGatewayOptions(cmd.option("--json", "machine-readable output"));
}

function short(id: string): string {
  return id.slice(0, 12);
}

function listText(answer: { pending: PendingRow[]; paired: PairedRow[] }): string {
  const lines = [`Pending (${answer.pending.length})`];
  for (const r of answer.pending) {
    const who = [r.displayName ?? r.clientId, r.platform, r.remoteIp].filter(Boolean).join(", ");
    lines.push(
      `  ${r.requestId}  device ${short(r.deviceId)}  ${who}  role ${r.role ?? "operator"}  ${(r.scopes ?? []).join(",")}`,
    );
  }
  lines.push(`Paired (${answer.paired.length})`);
  for (const d of answer.paired) {
    const who = [d.displayName ?? d.clientId, d.platform].filter(Boolean).join(", ");
    const tokens = (d.tokens ?? []).map((t) => t.role).join(",") || "none";
    lines.push(`  ${d.deviceId}  ${who}  roles ${(d.roles ?? []).join(",")}  tokens ${tokens}`);
  }
  return lines.join("\n");
}

/** `openclaw devices …`: device pairing and tokens, through the gateway (reference-gateway §6). */
export function registerDevicesCommands(program: Command): void {
  const devices = program.command("devices").description("list, approve and manage paired devices");

  withRemote(devices.command("list").description("pending pairing requests and paired devices")).action(
    (opts: Opts) => callAndPrint("device.pair.list", {}, opts, listText),
  );

  withRemote(devices.command("approve <requestId>").description("approve a pending pairing request")).action(
    (requestId: string, opts: Opts) =>
      callAndPrint(
        "device.pair.approve",
        { requestId },
        opts,
        (a: { device: { deviceId: string } }) => `Approved device ${a.device.deviceId}`,
      ),
  );

  withRemote(devices.command("reject <requestId>").description("reject a pending pairing request")).action(
    (requestId: string, opts: Opts) =>
      callAndPrint(
        "device.pair.reject",
        { requestId },
        opts,
        (a: { deviceId: string }) => `Rejected device ${a.deviceId}`,
      ),
  );

  withRemote(devices.command("remove <deviceId>").description("unpair a device")).action(
    (deviceId: string, opts: Opts) =>
      callAndPrint("device.pair.remove", { deviceId }, opts, () => `Removed device ${deviceId}`),
  );

  withRemote(devices.command("revoke <deviceId>").description("revoke a device's token"))
    .option("--role <role>", "operator or node", "operator")
    .action((deviceId: string, opts: Opts) =>
      callAndPrint(
        "device.token.revoke",
        { deviceId, role: opts.role },
        opts,
        () => `Revoked the ${opts.role} token of ${deviceId}`,
      ),
    );

  withRemote(
    devices.command("rotate <deviceId>").description("issue a new token for a device (prints it once)"),
  )
    .option("--role <role>", "operator or node", "operator")
    .option("--scope <scope...>", "narrow the token to these operator scopes")
    .action((deviceId: string, opts: Opts) =>
      callAndPrint(
        "device.token.rotate",
        { deviceId, role: opts.role, ...(opts.scope ? { scopes: opts.scope } : {}) },
        opts,
        (a: { token: string; scopes: string[] }) =>
          `New ${opts.role} token for ${deviceId} (${a.scopes.join(",")}):\n${a.token}`,
      ),
    );
}

import type { Command } from "commander";
import { UserFacingError } from "../../infra/errors.ts";
import { callAndPrint, type RemoteOptions, withGatewayOptions } from "../context.ts";

type Opts = RemoteOptions & { json?: boolean; connected?: boolean; params?: string; invokeTimeout?: string };

interface NodeRow {
  nodeId: string;
  displayName: string | null;
  platform: string | null;
  paired: boolean;
  connected: boolean;
  caps: string[];
  commands: string[];
  remoteIp?: string;
}

interface PendingRow {
  requestId: string;
  nodeId: string;
  displayName: string | null;
  platform: string | null;
  remoteIp: string | null;
}

function withRemote(cmd: Command): Command {
  return withGatewayOptions(cmd.option("--json", "machine-readable output"));
}

function nodeLine(n: NodeRow): string {
  const who = [n.displayName, n.platform].filter(Boolean).join(", ") || "unnamed";
  const state = n.connected ? `connected${n.remoteIp ? ` from ${n.remoteIp}` : ""}` : "offline";
  const caps = n.caps.length > 0 ? n.caps.join(",") : "-";
  return `  ${n.nodeId}  ${who}  ${state}${n.paired ? "" : " (not paired)"}  caps ${caps}  commands ${n.commands.length}`;
}

function statusText(a: { nodes: NodeRow[] }): string {
  return [`Nodes (${a.nodes.length})`, ...a.nodes.map(nodeLine)].join("\n");
}

function pendingText(a: { pending: PendingRow[] }): string {
  const lines = [`Pending node pairing requests (${a.pending.length})`];
  for (const r of a.pending) {
    const who = [r.displayName, r.platform, r.remoteIp].filter(Boolean).join(", ");
    lines.push(`  ${r.requestId}  node ${r.nodeId.slice(0, 12)}  ${who}`);
  }
  if (a.pending.length > 0) lines.push("Approve one with: openclaw nodes approve <requestId>");
  return lines.join("\n");
}

function parseParams(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw new UserFacingError(`--params must be JSON (got ${text})`);
  }
}

/** `openclaw nodes …` (NODE-2, NODE-3; reference-gateway §6): paired nodes, through the gateway. */
export function registerNodesCommands(program: Command): void {
  const nodes = program.command("nodes").description("pair, list and call nodes (devices with role node)");
  for (const name of ["status", "list"]) {
    withRemote(nodes.command(name).description("paired and connected nodes with their capabilities"))
      .option("--connected", "only nodes connected now")
      .action((opts: Opts) =>
        callAndPrint("node.list", {}, opts, statusText, (a: { ts: number; nodes: NodeRow[] }) =>
          opts.connected ? { ...a, nodes: a.nodes.filter((n) => n.connected) } : a,
        ),
      );
  }
  withRemote(nodes.command("describe <nodeId>").description("one node in detail")).action(
    (nodeId: string, opts: Opts) =>
      callAndPrint("node.describe", { nodeId }, opts, (n: NodeRow) =>
        [nodeLine(n).trim(), `commands: ${n.commands.join(", ") || "-"}`].join("\n"),
      ),
  );
  withRemote(nodes.command("pending").description("nodes waiting for pairing approval")).action(
    (opts: Opts) => callAndPrint("node.pair.list", {}, opts, pendingText),
  );
  withRemote(nodes.command("approve <requestId>").description("approve a node's pairing request")).action(
    (requestId: string, opts: Opts) =>
      callAndPrint(
        "node.pair.approve",
        { requestId },
        opts,
        (a: { node: NodeRow }) => `Approved node ${a.node.nodeId}`,
      ),
  );
  withRemote(nodes.command("reject <requestId>").description("reject a node's pairing request")).action(
    (requestId: string, opts: Opts) =>
      callAndPrint(
        "node.pair.reject",
        { requestId },
        opts,
        (a: { nodeId: string }) => `Rejected node ${a.nodeId}`,
      ),
  );
  withRemote(nodes.command("rename <nodeId> <name>").description("set a node's display name")).action(
    (nodeId: string, name: string, opts: Opts) =>
      callAndPrint(
        "node.rename",
        { nodeId, displayName: name },
        opts,
        (n: NodeRow) => `Renamed ${n.nodeId} to ${n.displayName}`,
      ),
  );
  withRemote(nodes.command("invoke").description("run one command on a node"))
    .requiredOption("--node <nodeId>", "the node")
    .requiredOption("--command <command>", "a command the node declares (e.g. system.run)")
    .option("--params <json>", "command parameters as JSON")
    .option("--invoke-timeout <ms>", "how long the node may take", "30000")
    .action((opts: Opts & { node: string; command: string }) => {
      const invokeTimeoutMs = Number(opts.invokeTimeout);
      if (!Number.isInteger(invokeTimeoutMs) || invokeTimeoutMs <= 0)
        throw new UserFacingError(
          `--invoke-timeout must be a positive number of milliseconds (got ${opts.invokeTimeout})`,
        );
      return callAndPrint(
        "node.invoke",
        {
          nodeId: opts.node,
          command: opts.command,
          ...(opts.params !== undefined ? { params: parseParams(opts.params) } : {}),
          timeoutMs: invokeTimeoutMs,
          idempotencyKey: `cli-${Date.now()}-${Math.random().toString(36).slice(2)}`,
        },
        { ...opts, timeout: opts.timeout ?? String(invokeTimeoutMs + 5000) },
        (r: { ok: boolean; payload?: unknown; payloadJSON?: string; error?: { message?: string } }) =>
          r.ok
            ? (r.payloadJSON ?? JSON.stringify(r.payload ?? null, null, 2))
            : `Node command failed: ${r.error?.message ?? "no reason given"}`,
      );
    });
}

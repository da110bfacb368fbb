import { setTimeout as sleep } from "node:timers/promises";
import type { Command } from "commander";
import { GatewayUnreachableError } from "../../client/gateway-client.ts";
import { ReconnectingGatewayClient } from "../../client/reconnecting-client.ts";
import { UserFacingError } from "../../infra/errors.ts";
import {
  connectGateway,
  loadCliContext,
  type RemoteOptions,
  timeoutMs,
  withGatewayOptions,
} from "../context.ts";

/** The most lines one `logs.tail` call returns (its `limit` maximum). */
const MAX_TAIL_LINES = 5000;

interface LogsOptions extends RemoteOptions {
  follow?: boolean;
  json?: boolean;
  limit?: string;
  interval?: string;
}

/** Renders one tslog-shaped JSON line for a terminal. */
export function formatLogLine(line: string): string {
  try {
    const rec = JSON.parse(line) as Record<string, unknown> & {
      _meta?: { logLevelName?: string; name?: string };
      time?: string;
    };
    const meta = rec._meta ?? {};
    let subsystem = "";
    try {
      subsystem = (JSON.parse(meta.name ?? "{}") as { subsystem?: string }).subsystem ?? "";
    } catch {
      subsystem = meta.name ?? "";
    }
    const fields = rec["1"] && typeof rec["1"] === "object" ? ` ${JSON.stringify(rec["1"])}` : "";
    return `${rec.time ?? ""} ${meta.logLevelName ?? ""} [${subsystem}] ${String(rec["0"] ?? "")}${fields}`;
  } catch {
    return line; // not ours: show it as it is
  }
}

/** `--limit`, checked before connecting, with the bounds `logs.tail` accepts. */
function parseLimit(text: string | undefined): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > MAX_TAIL_LINES)
    throw new UserFacingError(`--limit must be a whole number from 1 to ${MAX_TAIL_LINES} (got ${text})`);
  return n;
}

interface TailResult {
  cursor: number;
  lines: string[];
  file: string;
}

/** How often `--follow` asks for new lines, and the longest wait between reconnect attempts. */
const POLL_MS = 1000;
const MAX_RECONNECT_MS = 5000;

/**
 * Polls `logs.tail` from `cursor` until `signal` aborts (Ctrl-C). A closed connection is not the
 * end: applying a config change restarts the server (close code 1012), so the client reconnects
 * with backoff and we carry on from the same cursor. Refused auth and other errors still end it.
 */
async function follow(
  opts: LogsOptions,
  client: ReconnectingGatewayClient,
  cursor: number,
  print: (lines: string[]) => void,
  signal: AbortSignal,
): Promise<void> {
  for (;;) {
    try {
      await sleep(POLL_MS, undefined, { signal });
    } catch (err) {
      if (signal.aborted) return; // Ctrl-C: a normal end of --follow
      throw err;
    }
    try {
      const res = await client.request<TailResult>(
        "logs.tail",
        { cursor, limit: MAX_TAIL_LINES },
        { timeoutMs: timeoutMs(opts) },
      );
      print(res.lines);
      cursor = res.cursor;
    } catch (err) {
      // The connection dropped under this request; the client is already reconnecting.
      if (!(err instanceof GatewayUnreachableError)) throw err;
    }
  }
}

export function registerLogsCommand(program: Command): void {
  withGatewayOptions(
    program
      .command("logs")
      .description("show the gateway's log (through the gateway)")
      .option("--follow", "keep printing new lines")
      .option("--json", "raw JSON lines")
      .option("--limit <n>", "lines to show first", "200"),
  ).action(async (opts: LogsOptions) => {
    const limit = parseLimit(opts.limit);
    // Reload the context on reconnect: the change that restarted the gateway may have moved it.
    const client = await ReconnectingGatewayClient.start({
      connect: async () => connectGateway(await loadCliContext(), opts),
      initialDelayMs: POLL_MS,
      maxDelayMs: MAX_RECONNECT_MS,
      onLost: (err) => process.stderr.write(`${err.message}; reconnecting (Ctrl-C to stop)\n`),
      onRestored: () => process.stderr.write("reconnected to the gateway\n"),
    });
    const print = (lines: string[]): void => {
      for (const l of lines) process.stdout.write(`${opts.json ? l : formatLogLine(l)}\n`);
    };
    let res: TailResult;
    try {
      res = await client.request<TailResult>("logs.tail", { limit }, { timeoutMs: timeoutMs(opts) });
    } catch (err) {
      client.close();
      throw err;
    }
    print(res.lines);
    if (!opts.follow) {
      client.close();
      return;
    }
    const stop = new AbortController();
    const onSigint = (): void => stop.abort();
    process.once("SIGINT", onSigint);
    try {
      await follow(opts, client, res.cursor, print, stop.signal);
    } finally {
      process.off("SIGINT", onSigint);
      client.close();
    }
  });
}

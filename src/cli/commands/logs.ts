import type { Command } from "commander";
import { UserFacingError } from "../../infra/errors.ts";
import { connectGateway, loadCliContext, type RemoteOptions, timeoutMs } from "../context.ts";

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

export function registerLogsCommand(program: Command): void {
  program
    .command("logs")
    .description("show the gateway's log (through the gateway)")
    .option("--follow", "keep printing new lines")
    .option("--json", "raw JSON lines")
    .option("--limit <n>", "lines to show first", "200")
    .option("--url <url>")
    .option("--token <token>")
    .option("--password <password>")
    .option("--timeout <ms>")
    .action(async (opts: LogsOptions) => {
      const limit = parseLimit(opts.limit);
      const client = await connectGateway(await loadCliContext(), opts);
      const print = (lines: string[]): void => {
        for (const l of lines) process.stdout.write(`${opts.json ? l : formatLogLine(l)}\n`);
      };
      try {
        let res = await client.request<{ cursor: number; lines: string[]; file: string }>(
          "logs.tail",
          { limit },
          { timeoutMs: timeoutMs(opts) },
        );
        print(res.lines);
        if (!opts.follow) return;
        const stop = new Promise<void>((resolve) => process.once("SIGINT", resolve));
        for (;;) {
          const next = await Promise.race([
            stop.then(() => "stop" as const),
            new Promise((r) => setTimeout(r, 1000)).then(() => "tick" as const),
          ]);
          if (next === "stop") return;
          res = await client.request(
            "logs.tail",
            { cursor: res.cursor, limit: 5000 },
            { timeoutMs: timeoutMs(opts) },
          );
          print(res.lines);
        }
      } finally {
        client.close();
      }
    });
}

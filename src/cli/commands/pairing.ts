import { readdir } from "node:fs/promises";
import type { Command } from "commander";
import { isErrno, UserFacingError } from "../../infra/errors.ts";
import { credentialsDir } from "../../routing/access/credential-files.ts";
import {
  accountOf,
  approvePairingCode,
  listPairingRequests,
  type PairingRequest,
} from "../../routing/access/pairing-store.ts";
import { loadCliContext, printJson } from "../context.ts";

// `openclaw pairing …` (reference-agent §4.4): works on the state files, no gateway needed.

const CHANNEL_NAME = /^[a-z0-9][a-z0-9_-]*$/;
const APPROVE_USAGE =
  "Usage: openclaw pairing approve <channel> <code> (or: openclaw pairing approve --channel <channel> <code>)";

function checkChannel(raw: string): string {
  const channel = raw.trim().toLowerCase();
  if (!CHANNEL_NAME.test(channel)) throw new UserFacingError(`Unknown channel: ${raw}`);
  return channel;
}

/** Channels with a pairing file, for `pairing list` without a channel. */
async function channelsWithRequests(stateDir: string): Promise<string[]> {
  try {
    const names = await readdir(credentialsDir(stateDir));
    return names.flatMap((n) => /^([a-z0-9_-]+)-pairing\.json$/.exec(n)?.[1] ?? []).sort();
  } catch (err) {
    if (isErrno(err, "ENOENT")) return [];
    throw err;
  }
}

function ageText(createdAt: string, now: number): string {
  const minutes = Math.max(0, Math.floor((now - Date.parse(createdAt)) / 60_000));
  return minutes < 1 ? "just now" : `${minutes} min ago`;
}

function describe(r: PairingRequest): string {
  const names = [r.meta?.["username"] ? `@${r.meta["username"]}` : "", r.meta?.["firstName"] ?? ""]
    .filter(Boolean)
    .join(" ");
  return names ? `${r.id} (${names})` : r.id;
}

interface ListOpts {
  channel?: string;
  account?: string;
  json?: boolean;
}

interface ApproveOpts {
  channel?: string;
  account?: string;
}

export function registerPairingCommands(program: Command): void {
  const pairing = program.command("pairing").description("approve chat senders who asked for access");

  pairing
    .command("list")
    .description("show pending pairing requests")
    .argument("[channel]")
    .option("--channel <channel>")
    .option("--account <id>")
    .option("--json", "machine-readable output")
    .action(async (positional: string | undefined, opts: ListOpts) => {
      const ctx = await loadCliContext();
      const now = Date.now();
      const given = positional ?? opts.channel;
      const channels = given ? [checkChannel(given)] : await channelsWithRequests(ctx.paths.stateDir);
      const rows: (PairingRequest & { channel: string })[] = [];
      for (const channel of channels) {
        for (const r of await listPairingRequests(ctx.paths.stateDir, channel, now))
          if (opts.account === undefined || accountOf(r) === opts.account) rows.push({ channel, ...r });
      }
      if (opts.json) return printJson({ ...(given ? { channel: channels[0] } : {}), requests: rows });
      if (rows.length === 0) {
        process.stdout.write("No pending pairing requests.\n");
        return;
      }
      const lines = rows.map(
        (r) =>
          `${r.channel}  ${r.code}  ${describe(r)}  account ${accountOf(r)}  ${ageText(r.createdAt, now)}`,
      );
      process.stdout.write(`${lines.join("\n")}\n`);
    });

  pairing
    .command("approve")
    .description("approve a pairing code: its sender may message the bot")
    .argument("[args...]", "<channel> <code>, or <code> with --channel")
    .option("--channel <channel>")
    .option("--account <id>")
    .action(async (args: string[], opts: ApproveOpts) => {
      let channelArg: string | undefined;
      let code: string | undefined;
      if (opts.channel !== undefined) {
        if (args.length > 1)
          throw new UserFacingError(
            "Too many arguments. Use: openclaw pairing approve --channel <channel> <code>",
          );
        [channelArg, code] = [opts.channel, args[0]];
      } else {
        if (args.length > 2)
          throw new UserFacingError(
            "Too many arguments. Use: openclaw pairing approve --channel <channel> <code>",
          );
        [channelArg, code] = [args[0], args[1]];
      }
      if (!channelArg || !code) throw new UserFacingError(APPROVE_USAGE);
      const channel = checkChannel(channelArg);
      const ctx = await loadCliContext();
      const approval = await approvePairingCode(ctx.paths.stateDir, channel, code, Date.now(), opts.account);
      if (!approval)
        throw new UserFacingError(`No pending pairing request found for code: ${code.trim().toUpperCase()}`);
      process.stdout.write(`Approved ${channel} sender ${approval.id}.\n`);
    });
}

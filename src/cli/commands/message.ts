import { randomUUID } from "node:crypto";
import path from "node:path";
import type { Command } from "commander";
import { UserFacingError } from "../../infra/errors.ts";
import { callAndPrint, type RemoteOptions, withGatewayOptions } from "../context.ts";

type SendOpts = RemoteOptions & {
  channel?: string;
  account?: string;
  target?: string;
  message?: string;
  media?: string[];
  threadId?: string;
  json?: boolean;
};

interface SendResult {
  channel: string;
  chatId: string;
  messageId: string;
  messageIds: string[];
}

/** A URL goes as it is; a local path is made absolute here, where the user typed it. */
function mediaSource(value: string): string {
  return /^https?:\/\//i.test(value) ? value : path.resolve(value);
}

/** `openclaw message send` (reference-gateway §6): through the gateway's `send` method. */
export function registerMessageCommands(program: Command): void {
  const message = program.command("message").description("send messages through the gateway's channels");
  withGatewayOptions(
    message
      .command("send")
      .description("send a message to a chat through a running channel")
      .option("--channel <channel>", "telegram, discord or slack (optional when only one is configured)")
      .option("--account <id>", "channel account (default: the channel's first)")
      .requiredOption("--target <target>", "chat: Telegram chat id or @name, channel:<id>, user:<id> (Slack)")
      .option("-m, --message <text>", "text to send (chunked like replies)")
      .option(
        "--media <path-or-url>",
        "attach a file: a URL, or a path inside the agent workspace or <stateDir>/media (repeatable)",
        (value: string, prev: string[] = []) => [...prev, value],
      )
      .option("--thread-id <id>", "forum topic or thread to post in")
      .option("--json", "machine-readable output"),
  ).action(async (opts: SendOpts) => {
    if (!opts.message?.trim() && !opts.media?.length)
      throw new UserFacingError("message send needs --message or --media");
    const media = (opts.media ?? []).map(mediaSource);
    await callAndPrint(
      "send",
      {
        to: opts.target,
        ...(opts.message ? { message: opts.message } : {}),
        ...(media.length === 1 ? { mediaUrl: media[0] } : media.length > 1 ? { mediaUrls: media } : {}),
        ...(opts.channel ? { channel: opts.channel } : {}),
        ...(opts.account ? { accountId: opts.account } : {}),
        ...(opts.threadId ? { threadId: opts.threadId } : {}),
        idempotencyKey: randomUUID(),
      },
      opts,
      (r: SendResult) =>
        `Sent via ${r.channel} to ${r.chatId} (${r.messageIds.length === 1 ? "message" : `${r.messageIds.length} messages`} ${r.messageIds.join(", ")}).`,
    );
  });
}

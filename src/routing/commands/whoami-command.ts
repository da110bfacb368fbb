import type { CommandContext, CommandOutcome } from "./run-command.ts";

/** `/whoami` (`/id`, reference-agent §3.9): the sender's id as this channel knows it. */
export function whoamiCommand(ctx: CommandContext): CommandOutcome {
  const s = ctx.sender;
  if (!s)
    return {
      reply: ["🧭 Identity", `Channel: ${ctx.channel}`, "Sender: gateway client (operator)"].join("\n"),
    };
  return {
    reply: [
      "🧭 Identity",
      `Channel: ${s.channel}${s.accountId !== "default" ? ` (account ${s.accountId})` : ""}`,
      `User id: ${s.id}`,
      ...(s.username ? [`Username: @${s.username}`] : []),
      `Chat: ${s.chatType} ${s.chatId}`,
      // What to put in allowFrom / ownerAllowFrom to name this sender.
      `AllowFrom: ${s.channel}:${s.id}`,
      ...(s.owner ? ["Owner: yes"] : []),
    ].join("\n"),
  };
}

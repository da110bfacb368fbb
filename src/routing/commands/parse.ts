/** Commands this gateway answers itself, without a model run (reference-agent §3.9). */
export const COMMAND_NAMES = [
  "help",
  "commands",
  "status",
  "usage",
  "new",
  "reset",
  "stop",
  "compact",
  "model",
  "models",
  "approve",
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface ParsedCommand {
  name: CommandName;
  /** Everything after the command word (and an optional `:`), trimmed. */
  args: string;
}

/**
 * Recognizes a command-only message: `/name`, optionally `/name: args` or `/name args`, case
 * insensitive. Anything else (`/unknown`, text before the slash) is a normal message. Pure.
 */
export function parseCommand(text: string): ParsedCommand | undefined {
  const m = /^\/([a-z]+)(?::|\s|$)([\s\S]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const name = m[1]!.toLowerCase();
  if (!(COMMAND_NAMES as readonly string[]).includes(name)) return undefined;
  return { name: name as CommandName, args: m[2]!.trim() };
}

import { type Directive, extractDirectives } from "./directives.ts";

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
  "queue",
  "think",
  "verbose",
  "reasoning",
  "elevated",
  "whoami",
  "restart",
  "config",
  "debug",
  "context",
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface ParsedCommand {
  name: CommandName;
  /** Everything after the command word (and an optional `:`), trimmed. */
  args: string;
  /** For a directive-only message (`/think high /verbose on`): every directive in it. */
  directives?: Directive[];
}

/** Other spellings of commands (reference-agent §1.6, §2.8, §3.9). */
const ALIASES: Readonly<Record<string, CommandName>> = {
  id: "whoami",
  thinking: "think",
  t: "think",
  v: "verbose",
  reason: "reasoning",
  elev: "elevated",
};

const DIRECTIVE_COMMANDS: ReadonlySet<CommandName> = new Set(["think", "verbose", "reasoning", "elevated"]);

/**
 * Recognizes a command-only message: `/name`, optionally `/name: args` or `/name args`, case
 * insensitive. Anything else (`/unknown`, text before the slash) is a normal message. Pure.
 */
export function parseCommand(text: string): ParsedCommand | undefined {
  // Telegram groups address a command to one bot: `/status@my_bot`.
  const m = /^\/([a-z]+)(?:@[A-Za-z0-9_]+)?(?::|\s|$)([\s\S]*)$/i.exec(text.trim());
  if (!m) return undefined;
  const word = m[1]!.toLowerCase();
  const name = ALIASES[word] ?? word;
  if (!(COMMAND_NAMES as readonly string[]).includes(name)) return undefined;
  if (DIRECTIVE_COMMANDS.has(name as CommandName)) {
    // A directive followed by other text is a one-shot hint on a normal message.
    const found = extractDirectives(text.trim());
    if (!found.only) return undefined;
    return { name: name as CommandName, args: m[2]!.trim(), directives: found.directives };
  }
  return { name: name as CommandName, args: m[2]!.trim() };
}

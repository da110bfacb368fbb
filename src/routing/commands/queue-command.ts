import { newSessionEntry } from "../../agents/session-entry.ts";
import { formatQueueAck, formatQueueSettings, parseQueueDirective } from "../../sessions/queue/directive.ts";
import { resolveQueueSettings } from "../../sessions/queue/settings.ts";
import { readSessionStore, sessionStorePath, sessionsDir, updateSessionStore } from "../../sessions/store.ts";
import type { CommandContext, CommandOutcome } from "./run-command.ts";

/**
 * `/queue` (reference-agent §3.7): bare, it shows the session's effective queue settings;
 * `default`/`reset` clears the session's override; a mode and options store it on the session
 * entry (`queueMode`, `queueDebounceMs`, `queueCap`, `queueDrop`), where it survives restarts.
 */
export async function queueCommand(args: string, ctx: CommandContext): Promise<CommandOutcome> {
  const directive = parseQueueDirective(args);
  const storeFile = sessionStorePath(ctx.stateDir, ctx.agentId);
  switch (directive.type) {
    case "show": {
      const entry = (await readSessionStore(storeFile))[ctx.sessionKey];
      return {
        reply: formatQueueSettings(resolveQueueSettings(ctx.config.messages?.queue, ctx.channel, entry)),
      };
    }
    case "invalid":
      return { reply: directive.message };
    case "reset":
      await updateSessionStore(storeFile, (store) => {
        const entry = store[ctx.sessionKey];
        if (!entry) return;
        delete entry.queueMode;
        delete entry.queueDebounceMs;
        delete entry.queueCap;
        delete entry.queueDrop;
      });
      return { reply: formatQueueAck(directive) };
    case "set": {
      const dir = sessionsDir(ctx.stateDir, ctx.agentId);
      await updateSessionStore(storeFile, (store) => {
        // `/queue` may be the first thing said in a session: the choice needs an entry to live on.
        store[ctx.sessionKey] ??= newSessionEntry(dir, ctx.sessionKey, ctx.channel, ctx.now().getTime());
        const entry = store[ctx.sessionKey]!;
        if (directive.mode) entry.queueMode = directive.mode;
        if (directive.debounceMs !== undefined) entry.queueDebounceMs = directive.debounceMs;
        if (directive.cap !== undefined) entry.queueCap = directive.cap;
        if (directive.drop) entry.queueDrop = directive.drop;
      });
      return { reply: formatQueueAck(directive) };
    }
  }
}

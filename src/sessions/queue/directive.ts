import {
  normalizeQueueDrop,
  normalizeQueueMode,
  type QueueDrop,
  type QueueMode,
  type QueueSettings,
} from "./settings.ts";

/** What `/queue …` asks for (reference-agent §3.7). */
export type QueueDirective =
  | { type: "show" }
  | { type: "reset" }
  | { type: "set"; mode?: QueueMode; debounceMs?: number; cap?: number; drop?: QueueDrop }
  | { type: "invalid"; message: string };

const MODES_HINT = "steer, followup, collect, steer-backlog, interrupt";

/**
 * Parses the arguments of `/queue`: nothing (show), `default`/`reset`/`clear`, or a mode and any of
 * `debounce:<ms|s|m>`, `cap:<n>`, `drop:old|new|summarize` (`=` works as well as `:`). Every
 * problem is reported at once, in OpenClaw's words. Pure.
 */
export function parseQueueDirective(args: string): QueueDirective {
  const tokens = args.trim().split(/\s+/).filter(Boolean);
  if (tokens.length === 0) return { type: "show" };
  const set: Extract<QueueDirective, { type: "set" }> = { type: "set" };
  const errors: string[] = [];
  for (const token of tokens) {
    const lowered = token.toLowerCase();
    if (lowered === "default" || lowered === "reset" || lowered === "clear") return { type: "reset" };
    const option = /^(debounce|cap|drop)[:=](.*)$/i.exec(token);
    if (option) {
      const name = option[1]!.toLowerCase();
      const raw = option[2]!;
      if (name === "debounce") {
        const ms = parseDurationMs(raw);
        if (ms === undefined)
          errors.push(`Invalid debounce "${raw}". Use ms/s/m (e.g. debounce:1500ms, debounce:2s).`);
        else set.debounceMs = ms;
      } else if (name === "cap") {
        const cap = /^\d+$/.test(raw) ? Number(raw) : Number.NaN;
        if (!(cap >= 1)) errors.push(`Invalid cap "${raw}". Use a positive integer (e.g. cap:10).`);
        else set.cap = cap;
      } else {
        const drop = normalizeQueueDrop(raw);
        if (!drop) errors.push(`Invalid drop policy "${raw}". Use drop:old, drop:new, or drop:summarize.`);
        else set.drop = drop;
      }
      continue;
    }
    const mode = normalizeQueueMode(token);
    if (mode) set.mode = mode;
    else errors.push(`Unrecognized queue mode "${token}". Valid modes: ${MODES_HINT}.`);
  }
  if (errors.length > 0) return { type: "invalid", message: errors.join(" ") };
  return set;
}

/** `1500`, `1500ms`, `2s`, `1.5s`, `1m` → milliseconds; a bare number is milliseconds. */
export function parseDurationMs(raw: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/i.exec(raw.trim());
  if (!m) return undefined;
  const factor = { ms: 1, s: 1000, m: 60_000 }[(m[2] ?? "ms").toLowerCase() as "ms" | "s" | "m"];
  return Math.round(Number(m[1]) * factor);
}

/** The answer to a bare `/queue`. */
export function formatQueueSettings(settings: QueueSettings): string {
  return [
    `Current queue settings: mode=${settings.mode}, debounce=${settings.debounceMs}ms, cap=${settings.cap}, drop=${settings.drop}.`,
    `Options: modes ${MODES_HINT}; debounce:<ms|s|m>, cap:<n>, drop:old|new|summarize.`,
  ].join("\n");
}

/** The acknowledgement of a stored `/queue` change, one line per field changed. */
export function formatQueueAck(directive: Extract<QueueDirective, { type: "set" | "reset" }>): string {
  if (directive.type === "reset") return "⚙️ Queue mode reset to default.";
  const lines: string[] = [];
  if (directive.mode) lines.push(`⚙️ Queue mode set to ${directive.mode}.`);
  if (directive.debounceMs !== undefined) lines.push(`⚙️ Queue debounce set to ${directive.debounceMs}ms.`);
  if (directive.cap !== undefined) lines.push(`⚙️ Queue cap set to ${directive.cap}.`);
  if (directive.drop) lines.push(`⚙️ Queue drop set to ${directive.drop}.`);
  return lines.join("\n");
}

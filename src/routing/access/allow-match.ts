import type { InboundSender } from "../../channels/adapter.ts";

/**
 * One `allowFrom` entry in canonical form (reference-agent §4.1): channel prefixes such as
 * `telegram:`/`tg:` are dropped (case-insensitive), `@name` entries become lowercased usernames.
 */
export type AllowEntry =
  | { kind: "any" }
  | { kind: "id"; id: string }
  | { kind: "username"; username: string };

export function parseAllowEntry(raw: string | number, prefixes: readonly string[]): AllowEntry | undefined {
  let text = String(raw).trim();
  if (text === "*") return { kind: "any" };
  const lower = text.toLowerCase();
  const prefix = prefixes.find((p) => lower.startsWith(p.toLowerCase()));
  if (prefix) text = text.slice(prefix.length).trim();
  if (text.startsWith("@")) {
    const username = text.slice(1).toLowerCase();
    return username ? { kind: "username", username } : undefined;
  }
  return text ? { kind: "id", id: text } : undefined;
}

/** Does any entry of `list` admit `sender`? Ids compare exactly, usernames case-insensitively. */
export function isSenderAllowed(
  list: readonly (string | number)[],
  sender: InboundSender,
  prefixes: readonly string[],
): boolean {
  const username = sender.username?.toLowerCase();
  return list.some((raw) => {
    const entry = parseAllowEntry(raw, prefixes);
    if (entry?.kind === "any") return true;
    if (entry?.kind === "id") return entry.id === sender.id;
    if (entry?.kind === "username") return username !== undefined && entry.username === username;
    return false;
  });
}

export function hasWildcard(list: readonly (string | number)[]): boolean {
  return list.some((e) => String(e).trim() === "*");
}

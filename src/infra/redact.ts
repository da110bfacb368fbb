/** Key names whose values are secrets wherever they appear (config, RPC params, log fields). */
export const SECRET_KEY =
  /token|secret|password|passwd|api[-_]?key|apikey|authorization|cookie|private[-_]?key|^key$/i;

const MIN_SECRET_CHARS = 6;

/**
 * How deep `redact` walks. Deep enough for any config path; what lies below is replaced, never
 * passed through, because an unwalked object would reach the output unmasked.
 */
const MAX_DEPTH = 32;

/**
 * Masks secrets in a value before it leaves the process (logs, status output): by key name, and
 * by value for every secret registered through `registerSecret` (the config loader registers them).
 * Owned per process by whoever creates it; no module-level state.
 */
export class Redactor {
  readonly #secrets = new Set<string>();

  registerSecret(value: unknown): void {
    if (typeof value === "string" && value.length >= MIN_SECRET_CHARS) this.#secrets.add(value);
  }

  /** Registers every string under a secret-named key of a tree (a config, say), at any depth. */
  registerSecretsIn(tree: unknown, key = ""): void {
    if (typeof tree === "string") {
      if (SECRET_KEY.test(key)) this.registerSecret(tree);
    } else if (Array.isArray(tree)) {
      for (const v of tree) this.registerSecretsIn(v, key);
    } else if (tree && typeof tree === "object") {
      for (const [k, v] of Object.entries(tree)) this.registerSecretsIn(v, k);
    }
  }

  redactText(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join(mask(secret));
    }
    return out;
  }

  /**
   * A copy of `value` that is safe to serialize: secrets masked, Errors reduced to their (masked)
   * stack, cycles and over-deep parts replaced by a marker. Never throws for plain data.
   */
  redact(value: unknown): unknown {
    return this.#walk(value, 0, new Set(), true);
  }

  #walk(value: unknown, depth: number, ancestors: Set<object>, useToJson: boolean): unknown {
    if (typeof value === "string") return this.redactText(value);
    if (value === null || typeof value !== "object") return value;
    if (value instanceof Error) return this.redactText(value.stack ?? value.message);
    // The output holds what toJSON returns (a Date's ISO string, a URL's href), so mask that; like
    // JSON.stringify, call it once per value, not again on its result.
    if (useToJson && typeof (value as { toJSON?: unknown }).toJSON === "function") {
      return this.#walk((value as { toJSON(): unknown }).toJSON(), depth, ancestors, false);
    }
    if (ancestors.has(value)) return "[circular]"; // JSON.stringify would throw on it
    if (depth >= MAX_DEPTH) return "[too deep]";
    ancestors.add(value);
    try {
      if (Array.isArray(value)) return value.map((v) => this.#walk(v, depth + 1, ancestors, true));
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [
          k,
          SECRET_KEY.test(k) && typeof v === "string" && v.length > 0
            ? mask(v)
            : this.#walk(v, depth + 1, ancestors, true),
        ]),
      );
    } finally {
      ancestors.delete(value);
    }
  }
}

/** Keeps a short prefix so a user can tell which key was used, never enough to use it. */
export function mask(secret: string): string {
  if (secret.length < 12) return "***";
  return `${secret.slice(0, 4)}…***`;
}

/** Key names whose values are secrets wherever they appear (config, RPC params, log fields). */
export const SECRET_KEY =
  /token|secret|password|passwd|api[-_]?key|apikey|authorization|cookie|private[-_]?key|^key$/i;

const MIN_SECRET_CHARS = 6;

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

  redactText(text: string): string {
    let out = text;
    for (const secret of this.#secrets) {
      if (out.includes(secret)) out = out.split(secret).join(mask(secret));
    }
    return out;
  }

  redact(value: unknown, depth = 0): unknown {
    if (typeof value === "string") return this.redactText(value);
    if (depth > 8 || value === null || typeof value !== "object") return value;
    if (value instanceof Error) return this.redactText(value.stack ?? value.message);
    if (Array.isArray(value)) return value.map((v) => this.redact(v, depth + 1));
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [
        k,
        SECRET_KEY.test(k) && typeof v === "string" && v.length > 0 ? mask(v) : this.redact(v, depth + 1),
      ]),
    );
  }
}

/** Keeps a short prefix so a user can tell which key was used, never enough to use it. */
export function mask(secret: string): string {
  if (secret.length < 12) return "***";
  return `${secret.slice(0, 4)}…***`;
}

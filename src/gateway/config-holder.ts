import type { ConfigSnapshot } from "../config/load.ts";
import { readConfigSnapshot } from "../config/load.ts";
import { type ConfigWrite, writeConfig } from "../config/write.ts";
import type { Logger } from "../infra/logger.ts";

/**
 * The running gateway's view of its config: always the last *valid* snapshot. Reloads that find
 * an invalid file are logged and ignored (CFG-11), so a bad edit never takes the gateway down.
 */
export class ConfigHolder {
  #current: ConfigSnapshot;
  readonly #env: NodeJS.ProcessEnv;
  readonly #log: Logger;
  readonly #listeners = new Set<(next: ConfigSnapshot, prev: ConfigSnapshot) => void>();

  constructor(initial: ConfigSnapshot, env: NodeJS.ProcessEnv, log: Logger) {
    this.#current = initial;
    this.#env = env;
    this.#log = log;
  }

  get current(): ConfigSnapshot {
    return this.#current;
  }

  get path(): string {
    return this.#current.path;
  }

  onChange(fn: (next: ConfigSnapshot, prev: ConfigSnapshot) => void): () => void {
    this.#listeners.add(fn);
    return () => this.#listeners.delete(fn);
  }

  /** Re-reads the file; adopts it only when valid and different. Returns the snapshot read. */
  async reload(): Promise<ConfigSnapshot> {
    const next = await readConfigSnapshot(this.#current.path, this.#env);
    if (!next.exists && this.#current.exists) {
      // Editors save by delete-and-rename; a missing file is never "go back to defaults".
      this.#log.warn("config file is missing; the running config stays");
      return next;
    }
    if (!next.valid) {
      this.#log.warn("config change ignored: the file is invalid; the running config stays", {
        issues: next.errors.map((i) => `${i.path}: ${i.message}`),
      });
      return next;
    }
    if (next.hash !== this.#current.hash) this.#adopt(next);
    return next;
  }

  /** Writes through the one config writer, then adopts the result. */
  async write(req: Omit<ConfigWrite, "path" | "env">): Promise<ConfigSnapshot> {
    const next = await writeConfig({ ...req, path: this.#current.path, env: this.#env });
    this.#adopt(next);
    return next;
  }

  #adopt(next: ConfigSnapshot): void {
    const prev = this.#current;
    this.#current = next;
    for (const fn of this.#listeners) {
      try {
        fn(next, prev);
      } catch (err) {
        this.#log.error("config change listener failed", { err });
      }
    }
  }
}

/**
 * Waits on a fake platform's recorded state ("the bot's next message to chat 42"): a check runs
 * now and again after every `notify()`, until it returns a value. Closing the fake rejects the
 * waits still open, naming what they waited for.
 */
export class StateWaiters {
  readonly #waiters = new Set<() => void>();
  readonly #fake: string;
  readonly #closing: AbortSignal;

  constructor(fake: string, closing: AbortSignal) {
    this.#fake = fake;
    this.#closing = closing;
  }

  /** Re-runs every open check; call it after each change to the recorded state. */
  notify(): void {
    for (const w of [...this.#waiters]) w();
  }

  /** A raw listener (a long poll that answers once something arrives); `delete` removes it. */
  add(fn: () => void): void {
    this.#waiters.add(fn);
  }

  delete(fn: () => void): boolean {
    return this.#waiters.delete(fn);
  }

  waitFor<T>(check: () => T | undefined, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const attempt = (): void => {
        const v = check();
        if (v === undefined) return;
        this.#waiters.delete(attempt);
        resolve(v);
      };
      this.#closing.addEventListener("abort", () => {
        if (this.#waiters.delete(attempt))
          reject(new Error(`fake ${this.#fake} closed while waiting for ${what}`));
      });
      this.#waiters.add(attempt);
      attempt();
    });
  }
}

/**
 * A counting semaphore: at most `limit()` tasks run at once, the rest wait in FIFO order. The
 * limit is read whenever a slot may be handed out (a task arrives or one ends), so a config change
 * applies there: a raised limit starts more of the waiting tasks, a lowered one lets the running
 * tasks finish and starts no new one until they are below it.
 */
export class Limiter {
  readonly #limit: () => number;
  #running = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: () => number) {
    this.#limit = limit;
  }

  get running(): number {
    return this.#running;
  }

  get waiting(): number {
    return this.#waiting.length;
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    this.#pump();
    // Behind earlier waiters even when a slot is free, so arrival order holds.
    if (this.#waiting.length > 0 || this.#running >= this.#cap()) {
      // The slot is counted by `#pump` as it hands it over: an arrival between the hand-over and
      // this task resuming cannot take it too.
      await new Promise<void>((resolve) => this.#waiting.push(resolve));
    } else {
      this.#running++;
    }
    try {
      return await fn();
    } finally {
      this.#running--;
      this.#pump();
    }
  }

  /** At least one, so a bad value can never stall every task. */
  #cap(): number {
    const limit = this.#limit();
    return Number.isNaN(limit) ? 1 : Math.max(1, Math.floor(limit));
  }

  #pump(): void {
    if (this.#waiting.length === 0) return;
    const cap = this.#cap();
    while (this.#waiting.length > 0 && this.#running < cap) {
      this.#running++;
      this.#waiting.shift()!();
    }
  }
}

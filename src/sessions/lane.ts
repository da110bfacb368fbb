/**
 * Runs work for one session key at a time (reference-agent §1.1: runs are serialized per
 * session). A drained key leaves no entry behind, so the map stays bounded by active sessions.
 */
export class SessionLanes {
  readonly #tails = new Map<string, Promise<unknown>>();

  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#tails.get(key) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.then(
      () => undefined,
      () => undefined,
    );
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return run;
  }

  /** Resolves once nothing runs or waits in the key's lane (work added meanwhile is waited for too). */
  async whenIdle(key: string): Promise<void> {
    for (let tail = this.#tails.get(key); tail; ) {
      await tail;
      const next = this.#tails.get(key);
      if (next === tail) return; // its cleanup has not run yet: the lane is done all the same
      tail = next;
    }
  }

  isBusy(key: string): boolean {
    return this.#tails.has(key);
  }

  get activeCount(): number {
    return this.#tails.size;
  }
}

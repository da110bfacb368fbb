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

  isBusy(key: string): boolean {
    return this.#tails.has(key);
  }

  get activeCount(): number {
    return this.#tails.size;
  }
}

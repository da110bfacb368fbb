/**
 * Serializes read-modify-write work per file inside this process, so two concurrent updates of
 * sessions.json (say) never interleave. Entries are dropped when their queue drains (bounded).
 */
const tails = new Map<string, Promise<unknown>>();

export function withFileQueue<T>(file: string, fn: () => Promise<T>): Promise<T> {
  const prev = tails.get(file) ?? Promise.resolve();
  const run = prev.then(fn, fn);
  const tail = run.then(
    () => undefined,
    () => undefined,
  );
  tails.set(file, tail);
  void tail.then(() => {
    if (tails.get(file) === tail) tails.delete(file);
  });
  return run;
}

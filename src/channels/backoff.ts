/** Capped exponential backoff for reconnects (DESIGN.md §5): 1 s, 2 s, 4 s … up to `maxMs`. */
export function backoffDelayMs(attempt: number, opts: { initialMs?: number; maxMs?: number } = {}): number {
  const initial = opts.initialMs ?? 1000;
  const max = opts.maxMs ?? 60_000;
  return Math.min(max, initial * 2 ** Math.max(0, attempt - 1));
}

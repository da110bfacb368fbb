const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

/** Reconnect delay after `attempt` failed tries in a row: 1 s doubling, capped at 30 s. */
export function reconnectDelayMs(attempt: number): number {
  return Math.min(FIRST_DELAY_MS * 2 ** Math.max(0, attempt), MAX_DELAY_MS);
}

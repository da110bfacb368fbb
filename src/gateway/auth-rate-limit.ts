/**
 * Failed-authentication throttle per client address (`gateway.auth.rateLimit`, reference-gateway
 * §1 and §2 item 6, SEC-6). Pure: every call takes `now`, so tests drive the clock.
 */
export interface RateLimitPolicy {
  /** Failures within `windowMs` that lock the client out. */
  maxAttempts: number;
  windowMs: number;
  /** How long a lockout lasts; 0 means only until the window has room again. */
  lockoutMs: number;
}

/** `gateway.auth.rateLimit` with its defaults (reference §1: 10 in 60 s, 5 min lockout). */
export function resolveRateLimitPolicy(
  rl: { maxAttempts?: number; windowMs?: number; lockoutMs?: number } | undefined,
): RateLimitPolicy {
  return {
    maxAttempts: rl?.maxAttempts ?? 10,
    windowMs: rl?.windowMs ?? 60_000,
    lockoutMs: rl?.lockoutMs ?? 300_000,
  };
}

export type RateLimitCheck = { allowed: true } | { allowed: false; retryAfterMs: number };

interface Entry {
  /** Failure times inside the window, oldest first; never longer than `maxAttempts`. */
  failures: number[];
  lockedUntil: number;
}

/**
 * Addresses tracked at once. A flood of distinct addresses (an IPv6 /64 has plenty) evicts the
 * stalest entries instead of growing memory; at ~100 bytes an entry this is about 1 MB.
 */
export const MAX_TRACKED_ADDRESSES = 10_000;

export class AuthRateLimiter {
  readonly #entries = new Map<string, Entry>();
  readonly #maxEntries: number;

  constructor(opts: { maxEntries?: number } = {}) {
    this.#maxEntries = opts.maxEntries ?? MAX_TRACKED_ADDRESSES;
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Whether `key` may attempt authentication now. */
  check(key: string, policy: RateLimitPolicy, now: number): RateLimitCheck {
    const entry = this.#entries.get(key);
    if (!entry) return { allowed: true };
    if (entry.lockedUntil > now) return { allowed: false, retryAfterMs: entry.lockedUntil - now };
    prune(entry, policy, now);
    if (entry.failures.length === 0 && entry.lockedUntil <= now) this.#entries.delete(key);
    return { allowed: true };
  }

  /** Counts one failed attempt; returns the lockout it caused, if any. */
  recordFailure(key: string, policy: RateLimitPolicy, now: number): RateLimitCheck {
    let entry = this.#entries.get(key);
    if (entry) {
      this.#entries.delete(key); // re-inserted below: Map order is least-recently-failed first
    } else {
      entry = { failures: [], lockedUntil: 0 };
      this.#evictIfFull(policy, now);
    }
    this.#entries.set(key, entry);
    prune(entry, policy, now);
    entry.failures.push(now);
    if (entry.failures.length > policy.maxAttempts) entry.failures.shift();
    if (entry.failures.length >= policy.maxAttempts) {
      const windowFreesAt = entry.failures[0]! + policy.windowMs;
      entry.lockedUntil = policy.lockoutMs > 0 ? now + policy.lockoutMs : windowFreesAt;
      entry.failures = [];
      return { allowed: false, retryAfterMs: entry.lockedUntil - now };
    }
    return { allowed: true };
  }

  /** A successful authentication clears the address's record. */
  reset(key: string): void {
    this.#entries.delete(key);
  }

  /** Drops entries with nothing left to remember; the caller runs it now and then. */
  sweep(policy: RateLimitPolicy, now: number): void {
    for (const [key, entry] of this.#entries) {
      prune(entry, policy, now);
      if (entry.failures.length === 0 && entry.lockedUntil <= now) this.#entries.delete(key);
    }
  }

  #evictIfFull(policy: RateLimitPolicy, now: number): void {
    if (this.#entries.size < this.#maxEntries) return;
    this.sweep(policy, now);
    // Still full: forget the address whose last failure is oldest. An attacker rotating addresses
    // can thereby shorten someone's lockout, never extend it or lock out anyone new.
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
}

function prune(entry: Entry, policy: RateLimitPolicy, now: number): void {
  const cutoff = now - policy.windowMs;
  let drop = 0;
  while (drop < entry.failures.length && entry.failures[drop]! <= cutoff) drop++;
  if (drop > 0) entry.failures.splice(0, drop);
}

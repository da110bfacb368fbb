import type { UsageStats } from "./auth-profiles.ts";
import type { FailureReason } from "./failure.ts";

const MINUTE_MS = 60_000;
const HOUR_MS = 60 * MINUTE_MS;
/** Cooldown steps 1 min, 5 min, 25 min, then the 1 h cap (reference-agent §6.6). */
const COOLDOWN_BASE_MS = MINUTE_MS;
const COOLDOWN_MAX_MS = HOUR_MS;

export interface CooldownPolicy {
  billingBackoffHours: number;
  billingMaxHours: number;
  failureWindowHours: number;
}

export const DEFAULT_COOLDOWN_POLICY: CooldownPolicy = {
  billingBackoffHours: 5,
  billingMaxHours: 24,
  failureWindowHours: 24,
};

/** The cooldown after the n-th consecutive failure: 60 s × 5^(n−1), at most an hour. */
export function cooldownMs(errorCount: number): number {
  return Math.min(COOLDOWN_BASE_MS * 5 ** Math.max(0, errorCount - 1), COOLDOWN_MAX_MS);
}

/** The billing disable after the n-th billing failure: base hours doubling, capped. */
export function billingDisableMs(billingCount: number, policy: CooldownPolicy): number {
  return (
    Math.min(policy.billingBackoffHours * 2 ** Math.max(0, billingCount - 1), policy.billingMaxHours) *
    HOUR_MS
  );
}

/**
 * A profile's stats after a failure (pure). Counters older than the failure window start over.
 * Billing failures disable the profile; other credential failures cool it down.
 */
export function withFailure(
  stats: UsageStats | undefined,
  reason: FailureReason,
  now: number,
  policy: CooldownPolicy = DEFAULT_COOLDOWN_POLICY,
): UsageStats {
  const stale =
    stats?.lastFailureAt !== undefined && now - stats.lastFailureAt > policy.failureWindowHours * HOUR_MS;
  const base: UsageStats = stale ? { ...stats, errorCount: 0, failureCounts: {} } : { ...stats };
  const errorCount = (base.errorCount ?? 0) + 1;
  const failureCounts = { ...base.failureCounts, [reason]: (base.failureCounts?.[reason] ?? 0) + 1 };
  const next: UsageStats = { ...base, errorCount, failureCounts, lastFailureAt: now };
  if (reason === "billing") {
    next.disabledUntil = now + billingDisableMs(failureCounts.billing ?? 1, policy);
    next.disabledReason = "billing";
  } else {
    next.cooldownUntil = now + cooldownMs(errorCount);
  }
  return next;
}

/** A profile's stats after a successful request: used now, failures forgiven. */
export function withSuccess(stats: UsageStats | undefined, now: number): UsageStats {
  const { cooldownUntil: _c, disabledUntil: _d, disabledReason: _r, ...rest } = stats ?? {};
  return { ...rest, lastUsed: now, errorCount: 0 };
}

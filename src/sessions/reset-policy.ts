/** A session's freshness rule (reference-agent §3.3). `manual`: only /new and /reset. */
export interface ResetRule {
  mode: "daily" | "idle" | "manual";
  atHour: number;
  idleMinutes: number | undefined;
}

export type SessionKind = "direct" | "group" | "thread";

interface RuleConfig {
  mode?: "daily" | "idle" | "manual";
  atHour?: number;
  idleMinutes?: number;
}

export interface SessionResetConfig {
  reset?: RuleConfig;
  resetByType?: Partial<Record<"direct" | "dm" | "group" | "thread", RuleConfig>>;
  resetByChannel?: Record<string, RuleConfig>;
  idleMinutes?: number;
}

const DEFAULT_AT_HOUR = 4;
const DEFAULT_IDLE_MINUTES = 60;

/**
 * The rule for one session: the channel's override beats the type's, which beats `session.reset`;
 * a lone legacy `session.idleMinutes` means idle-only; nothing configured means daily at 04:00.
 * Pure.
 */
export function resetRuleFor(
  cfg: SessionResetConfig | undefined,
  kind: SessionKind,
  channel: string | undefined,
): ResetRule {
  const byType = cfg?.resetByType?.[kind] ?? (kind === "direct" ? cfg?.resetByType?.dm : undefined);
  const byChannel = channel ? cfg?.resetByChannel?.[channel] : undefined;
  const legacyIdleOnly = cfg?.idleMinutes !== undefined && !cfg.reset && !cfg.resetByType;
  const base: RuleConfig = legacyIdleOnly
    ? { mode: "idle", idleMinutes: cfg?.idleMinutes }
    : { mode: "daily", ...cfg?.reset };
  const rule: RuleConfig = { ...base, ...byType, ...byChannel };
  const mode = rule.mode ?? "daily";
  return {
    mode,
    atHour: rule.atHour ?? DEFAULT_AT_HOUR,
    idleMinutes: rule.idleMinutes ?? (mode === "idle" ? DEFAULT_IDLE_MINUTES : cfg?.idleMinutes),
  };
}

/** The latest daily reset instant at or before `now`, in the host's local time. */
export function lastDailyReset(now: Date, atHour: number): Date {
  const at = new Date(now);
  at.setHours(atHour, 0, 0, 0);
  if (at.getTime() > now.getTime()) at.setDate(at.getDate() - 1);
  return at;
}

/**
 * Whether a session last updated at `updatedAt` has expired by `now`: it predates the latest daily
 * reset (daily mode), or has been idle longer than the window; with both, whichever comes first.
 * Evaluated lazily on the next message (reference-agent §3.3). Pure.
 */
export function isSessionStale(rule: ResetRule, updatedAt: number, now: Date): boolean {
  if (rule.mode === "manual") return false;
  const idleExpired = rule.idleMinutes !== undefined && now.getTime() - updatedAt > rule.idleMinutes * 60_000;
  if (rule.mode === "idle") return idleExpired;
  return updatedAt < lastDailyReset(now, rule.atHour).getTime() || idleExpired;
}

/** direct / group / thread, from the session key's shape (reference-gateway §5). */
export function sessionKindOf(key: string): SessionKind {
  if (/:(thread|topic):/.test(key)) return "thread";
  if (/:(group|channel|room):/.test(key)) return "group";
  return "direct";
}

/**
 * Queue settings for messages that arrive while a session's run is active (reference-agent §3.7):
 * the modes, their aliases, the defaults, and the order in which overrides win. Pure.
 */

export const QUEUE_MODES = ["steer", "followup", "collect", "steer-backlog", "interrupt"] as const;
export type QueueMode = (typeof QUEUE_MODES)[number];

export const QUEUE_DROPS = ["old", "new", "summarize"] as const;
export type QueueDrop = (typeof QUEUE_DROPS)[number];

export interface QueueSettings {
  mode: QueueMode;
  /** Quiet period after the last queued message before the followup turn starts. */
  debounceMs: number;
  /** Most messages waiting per session; the next one triggers `drop`. */
  cap: number;
  drop: QueueDrop;
}

export const DEFAULT_QUEUE_SETTINGS: QueueSettings = {
  mode: "collect",
  debounceMs: 1000,
  cap: 20,
  drop: "summarize",
};

/** `messages.queue` as the config holds it (reference-gateway §3). */
export interface QueueConfig {
  mode?: string;
  debounceMs?: number;
  cap?: number;
  drop?: string;
  byChannel?: Record<string, string>;
  debounceMsByChannel?: Record<string, number>;
}

/** The per-session override `/queue` stores on the session entry (reference-gateway §4). */
export interface QueueOverride {
  queueMode?: string;
  queueDebounceMs?: number;
  queueCap?: number;
  queueDrop?: string;
}

/**
 * A mode name as users and configs spell it, or `undefined` when it is none. `queue` is the
 * legacy name of `steer` and `steer+backlog` of `steer-backlog`; a few plurals and synonyms
 * OpenClaw accepts are accepted too.
 */
export function normalizeQueueMode(raw: string | undefined): QueueMode | undefined {
  switch (raw?.trim().toLowerCase()) {
    case "steer":
    case "steering":
    case "queue":
    case "queued":
      return "steer";
    case "followup":
    case "followups":
    case "follow-ups":
      return "followup";
    case "collect":
    case "coalesce":
      return "collect";
    case "steer-backlog":
    case "steer+backlog":
    case "steer_backlog":
      return "steer-backlog";
    case "interrupt":
    case "interrupts":
    case "abort":
      return "interrupt";
    default:
      return undefined;
  }
}

export function normalizeQueueDrop(raw: string | undefined): QueueDrop | undefined {
  switch (raw?.trim().toLowerCase()) {
    case "old":
    case "oldest":
      return "old";
    case "new":
    case "newest":
      return "new";
    case "summarize":
    case "summary":
      return "summarize";
    default:
      return undefined;
  }
}

/**
 * The settings for one arrival. Each field is taken from the first source that sets it: the
 * session's `/queue` override, then `messages.queue.byChannel.<channel>` (mode) or
 * `debounceMsByChannel.<channel>` (debounce), then `messages.queue`, then the defaults.
 */
export function resolveQueueSettings(
  config: QueueConfig | undefined,
  channel: string,
  override: QueueOverride | undefined,
): QueueSettings {
  const key = channel.trim().toLowerCase();
  const channelMode = config?.byChannel?.[key];
  const channelDebounce = config?.debounceMsByChannel?.[key];
  const debounceMs =
    finite(override?.queueDebounceMs) ??
    finite(channelDebounce) ??
    finite(config?.debounceMs) ??
    DEFAULT_QUEUE_SETTINGS.debounceMs;
  const cap = finite(override?.queueCap) ?? finite(config?.cap) ?? DEFAULT_QUEUE_SETTINGS.cap;
  return {
    mode:
      normalizeQueueMode(override?.queueMode) ??
      normalizeQueueMode(channelMode) ??
      normalizeQueueMode(config?.mode) ??
      DEFAULT_QUEUE_SETTINGS.mode,
    debounceMs: Math.max(0, Math.round(debounceMs)),
    cap: Math.max(1, Math.floor(cap)),
    drop:
      normalizeQueueDrop(override?.queueDrop) ??
      normalizeQueueDrop(config?.drop) ??
      DEFAULT_QUEUE_SETTINGS.drop,
  };
}

function finite(n: number | undefined): number | undefined {
  return typeof n === "number" && Number.isFinite(n) ? n : undefined;
}

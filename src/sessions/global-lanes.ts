import type { OpenClawConfig } from "../config/schema.ts";
import { Limiter } from "../infra/limiter.ts";

/** Inbound messages and main-session heartbeats. */
export const MAIN_LANE = "main";
/** Spawned sub-agent runs, so heavy background work does not hold up the chat (RT-7). */
export const SUBAGENT_LANE = "subagent";
/** Isolated cron job runs. */
export const CRON_LANE = "cron";

/**
 * The global lane a run asks for: a name given by the caller, trimmed; none (or blank) is `main`.
 * Any other name is a lane of its own (reference-agent §3.6).
 */
export function resolveGlobalLane(lane: string | undefined): string {
  const name = lane?.trim();
  return name ? name : MAIN_LANE;
}

/**
 * How many runs a global lane admits at once (reference-agent §3.6). The defaults are OpenClaw's
 * code defaults; a lane no setting names admits one run at a time.
 */
export function laneCap(config: OpenClawConfig, lane: string): number {
  switch (lane) {
    case MAIN_LANE:
      return config.agents?.defaults?.maxConcurrent ?? 4;
    case SUBAGENT_LANE:
      return config.agents?.defaults?.subagents?.maxConcurrent ?? 8;
    case CRON_LANE:
      return config.cron?.maxConcurrentRuns ?? 1;
    default:
      return 1;
  }
}

export interface LaneStats {
  running: number;
  waiting: number;
}

/**
 * The global lanes runs queue on after their session's lane: one FIFO limiter per lane name, each
 * capped by `cap(name)`, read whenever a slot may be handed out so a config reload applies to the
 * runs that start after it. A lane with nothing running or waiting is dropped, so caller-chosen
 * names do not pile up.
 */
export class GlobalLanes {
  readonly #cap: (lane: string) => number;
  readonly #lanes = new Map<string, Limiter>();

  constructor(cap: (lane: string) => number) {
    this.#cap = cap;
  }

  async run<T>(lane: string, fn: () => Promise<T>): Promise<T> {
    let limiter = this.#lanes.get(lane);
    if (!limiter) {
      const created = new Limiter(() => this.#cap(lane));
      this.#lanes.set(lane, created);
      limiter = created;
    }
    try {
      return await limiter.run(fn);
    } finally {
      if (limiter.running === 0 && limiter.waiting === 0 && this.#lanes.get(lane) === limiter)
        this.#lanes.delete(lane);
    }
  }

  stats(lane: string): LaneStats {
    const limiter = this.#lanes.get(lane);
    return { running: limiter?.running ?? 0, waiting: limiter?.waiting ?? 0 };
  }

  /** Names of the lanes that have runs running or waiting. */
  get names(): string[] {
    return [...this.#lanes.keys()];
  }
}

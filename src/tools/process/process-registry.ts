import { randomUUID } from "node:crypto";
import { ExecJob, type JobLimits, type JobSpec } from "./exec-job.ts";

/** Who started a job: an agent only ever sees its own agent's jobs. */
export interface JobOwner {
  agentId: string;
  sessionKey: string;
}

export interface JobEntry {
  job: ExecJob;
  owner: JobOwner;
  /** Handed to `process` (yielded or started in the background): listed and kept after exit. */
  backgrounded: boolean;
}

/** At most this many finished jobs are kept, whatever `cleanupMs` says. */
const MAX_FINISHED = 200;

/**
 * The exec jobs of one gateway process (reference-agent §2.7): background sessions outlive the
 * turn that started them (RT-6) and are reached with the `process` tool. Finished jobs are kept
 * `cleanupMs` (`tools.exec.cleanupMs`, 30 min) and pruned lazily on each access.
 */
export class ProcessRegistry {
  readonly #jobs = new Map<string, JobEntry>();
  readonly #cleanupMs: () => number;
  readonly #now: () => number;

  constructor(opts: { cleanupMs: () => number; now?: () => number }) {
    this.#cleanupMs = opts.cleanupMs;
    this.#now = opts.now ?? Date.now;
  }

  /** Starts a job now. `id` is given when it was announced earlier (an approval id). */
  start(
    spec: JobSpec,
    owner: JobOwner,
    limits: JobLimits,
    opts: { id?: string; background?: boolean } = {},
  ): JobEntry {
    this.#prune();
    const id = opts.id ?? newJobId();
    if (this.#jobs.has(id)) throw new Error(`exec session ${id} already exists`);
    const entry: JobEntry = {
      job: new ExecJob(id, spec, limits, this.#now()),
      owner,
      backgrounded: opts.background === true,
    };
    this.#jobs.set(id, entry);
    return entry;
  }

  /** The agent's job with this id, if any (another agent's id reads as unknown). */
  get(id: string, agentId: string): JobEntry | undefined {
    this.#prune();
    const e = this.#jobs.get(id);
    return e && e.owner.agentId === agentId ? e : undefined;
  }

  /** The agent's background jobs, newest first. */
  list(agentId: string): JobEntry[] {
    this.#prune();
    return [...this.#jobs.values()]
      .filter((e) => e.owner.agentId === agentId && e.backgrounded)
      .sort((a, b) => b.job.startedAt - a.job.startedAt);
  }

  /** Forgets a job (a foreground run that finished, or `process remove`). Kills it if running. */
  remove(id: string): void {
    const e = this.#jobs.get(id);
    if (!e) return;
    e.job.kill();
    this.#jobs.delete(id);
  }

  /** Kills every running job (gateway shutdown). */
  killAll(): void {
    for (const e of this.#jobs.values()) e.job.kill();
  }

  #prune(): void {
    const now = this.#now();
    const finished: JobEntry[] = [];
    for (const [id, e] of this.#jobs) {
      if (e.job.running) continue;
      if (!e.backgrounded || now - (e.job.endedAt ?? now) > this.#cleanupMs()) this.#jobs.delete(id);
      else finished.push(e);
    }
    finished.sort((a, b) => (a.job.endedAt ?? 0) - (b.job.endedAt ?? 0));
    while (finished.length > MAX_FINISHED) this.#jobs.delete(finished.shift()!.job.id);
  }
}

function newJobId(): string {
  return randomUUID().replaceAll("-", "").slice(0, 8);
}

import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";

/** Exactly what runs: the shell, its arguments, where and with which environment. Frozen once built. */
export interface JobSpec {
  readonly file: string;
  readonly args: readonly string[];
  readonly cwd: string;
  readonly env: Readonly<Record<string, string>>;
  /** The command line as the user sees it. */
  readonly command: string;
}

export interface JobLimits {
  /** Aggregated output kept in memory; older output is dropped first (tail semantics). */
  maxOutputChars: number;
  /** Output not yet returned by `poll`. */
  maxPendingChars: number;
  /** The process group is killed after this long; 0 = never. */
  timeoutMs: number;
}

export type JobStatus = "running" | "completed" | "failed" | "killed" | "timeout";

/** Reference-agent §2.7: 200000 aggregated, 30000 pending per poll. */
export const DEFAULT_JOB_LIMITS: JobLimits = {
  maxOutputChars: 200_000,
  maxPendingChars: 30_000,
  timeoutMs: 0,
};

function envInt(env: NodeJS.ProcessEnv, name: string): number | undefined {
  const n = Number.parseInt(env[name] ?? "", 10);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Output caps with OpenClaw's environment overrides (reference-agent §2.7):
 * `PI_BASH_MAX_OUTPUT_CHARS` (clamped 1000–200000) and `OPENCLAW_BASH_PENDING_MAX_OUTPUT_CHARS`.
 */
export function jobLimitsFromEnv(env: NodeJS.ProcessEnv, timeoutMs: number): JobLimits {
  const max = envInt(env, "PI_BASH_MAX_OUTPUT_CHARS");
  const pending = envInt(env, "OPENCLAW_BASH_PENDING_MAX_OUTPUT_CHARS");
  return {
    maxOutputChars:
      max === undefined ? DEFAULT_JOB_LIMITS.maxOutputChars : Math.min(200_000, Math.max(1000, max)),
    maxPendingChars: pending !== undefined && pending > 0 ? pending : DEFAULT_JOB_LIMITS.maxPendingChars,
    timeoutMs,
  };
}

/**
 * One command running in its own process group (so a timeout, `/stop` or `process kill` ends
 * everything it started, not just the shell). Owns the child; output is kept as a bounded tail.
 */
export class ExecJob {
  readonly id: string;
  readonly spec: JobSpec;
  readonly startedAt: number;
  readonly pid: number | undefined;
  readonly exited: Promise<void>;
  status: JobStatus = "running";
  exitCode: number | null = null;
  exitSignal: string | null = null;
  endedAt: number | undefined;
  /** Set when the output exceeded `maxOutputChars` and its head was dropped. */
  truncated = false;
  #output = "";
  #pending = "";
  #pendingDropped = false;
  readonly #limits: JobLimits;
  readonly #child: ChildProcessWithoutNullStreams;
  #timer: NodeJS.Timeout | undefined;
  #killReason: JobStatus | undefined;
  readonly #activity = new Set<() => void>();

  constructor(id: string, spec: JobSpec, limits: JobLimits, now: number) {
    this.id = id;
    this.spec = spec;
    this.startedAt = now;
    this.#limits = limits;
    this.#child = spawn(spec.file, [...spec.args], {
      cwd: spec.cwd,
      env: { ...spec.env },
      detached: true, // its own process group: kill(-pid) reaches grandchildren too
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.pid = this.#child.pid;
    this.#child.stdout.setEncoding("utf8");
    this.#child.stderr.setEncoding("utf8");
    this.#child.stdout.on("data", (d: string) => this.#append(d));
    this.#child.stderr.on("data", (d: string) => this.#append(d));
    // A command that never reads stdin must not fail on a write; EPIPE is reported by `write`.
    this.#child.stdin.on("error", () => undefined);
    this.exited = new Promise((resolve) => {
      this.#child.on("error", (err) => {
        this.#append(`${err.message}\n`);
        this.#finish(null, null);
        resolve();
      });
      // "exit" comes first; "close" only once every holder of the pipes is gone. Ending the
      // group at exit makes stragglers (`sleep 100 &`) release them, so the job does end.
      let exit: { code: number | null; signal: string | null } = { code: null, signal: null };
      this.#child.on("exit", (code, signal) => {
        exit = { code, signal };
        this.#killGroup();
      });
      this.#child.on("close", () => {
        this.#finish(exit.code, exit.signal);
        resolve();
      });
    });
    if (limits.timeoutMs > 0) {
      this.#timer = setTimeout(() => this.kill("timeout"), limits.timeoutMs);
      this.#timer.unref();
    }
  }

  get running(): boolean {
    return this.endedAt === undefined;
  }

  /** The aggregated output (its tail, when it outgrew the cap). */
  output(): string {
    return this.#output;
  }

  /** The last `maxChars` characters, for yield notices and exit summaries. */
  tail(maxChars: number): string {
    return this.#output.length > maxChars ? this.#output.slice(-maxChars) : this.#output;
  }

  /** Output produced since the previous call (capped); says so when some was dropped. */
  takePending(): { text: string; dropped: boolean } {
    const out = { text: this.#pending, dropped: this.#pendingDropped };
    this.#pending = "";
    this.#pendingDropped = false;
    return out;
  }

  /**
   * Resolves when the job prints something not yet taken by `takePending`, ends, `ms` pass or
   * `signal` aborts, whichever is first (`process poll` with a timeout).
   */
  async waitForActivity(ms: number, signal: AbortSignal): Promise<void> {
    if (!this.running || this.#pending !== "" || ms <= 0 || signal.aborted) return;
    let wake!: () => void;
    const woke = new Promise<void>((resolve) => {
      wake = resolve;
    });
    const timer = setTimeout(wake, ms);
    this.#activity.add(wake);
    signal.addEventListener("abort", wake, { once: true });
    try {
      await woke;
    } finally {
      clearTimeout(timer);
      this.#activity.delete(wake);
      signal.removeEventListener("abort", wake);
    }
  }

  /** Writes to the child's stdin; `eof` closes it afterwards. */
  async write(data: string, eof: boolean): Promise<void> {
    if (!this.running || this.#child.stdin.destroyed) throw new Error("stdin is closed");
    await new Promise<void>((resolve, reject) =>
      this.#child.stdin.write(data, (err) => (err ? reject(err) : resolve())),
    );
    if (eof) this.#child.stdin.end();
  }

  /** Kills the whole process group (SIGKILL: a command that traps SIGTERM must still stop). */
  kill(reason: "killed" | "timeout" = "killed"): void {
    if (!this.running) return;
    this.#killReason ??= reason;
    this.#killGroup();
  }

  #killGroup(): void {
    if (this.pid === undefined) return;
    try {
      process.kill(-this.pid, "SIGKILL");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err; // ESRCH: already gone
    }
  }

  #append(text: string): void {
    this.#output += text;
    if (this.#output.length > this.#limits.maxOutputChars) {
      this.#output = this.#output.slice(-this.#limits.maxOutputChars);
      this.truncated = true;
    }
    this.#pending += text;
    if (this.#pending.length > this.#limits.maxPendingChars) {
      this.#pending = this.#pending.slice(-this.#limits.maxPendingChars);
      this.#pendingDropped = true;
    }
    for (const wake of this.#activity) wake();
  }

  #finish(code: number | null, signal: string | null): void {
    if (!this.running) return;
    clearTimeout(this.#timer);
    this.endedAt = Date.now();
    this.exitCode = code;
    this.exitSignal = signal;
    this.status = this.#killReason ?? (code === 0 ? "completed" : "failed");
    for (const wake of this.#activity) wake();
  }
}

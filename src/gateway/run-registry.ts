import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { AssistantMessage } from "@earendil-works/pi-ai";
import { shapeReply } from "../agents/reply-directives.ts";
import { runSessionTurn, type TurnEvent } from "../agents/session-turn.ts";
import type { OpenClawConfig } from "../config/schema.ts";
import { Limiter } from "../infra/limiter.ts";
import type { Logger } from "../infra/logger.ts";
import type { AgentEventPayload, ChatEventPayload } from "../protocol/chat.ts";
import { isAbortTrigger } from "../routing/commands/abort-words.ts";
import { type ParsedCommand, parseCommand } from "../routing/commands/parse.ts";
import { type CommandOutcome, runCommand } from "../routing/commands/run-command.ts";
import { SessionLanes } from "../sessions/lane.ts";
import type { ExecRuntime } from "../tools/exec/exec-runtime.ts";

export interface RunResult {
  runId: string;
  sessionKey: string;
  status: "ok" | "error" | "aborted";
  startedAt: number;
  endedAt: number;
  reply: string;
  error?: string;
  message?: AssistantMessage;
}

interface ActiveRun {
  runId: string;
  sessionKey: string;
  controller: AbortController;
  startedAt: number;
  done: Promise<RunResult>;
}

export interface StartRunRequest {
  sessionKey: string;
  agentId: string;
  text: string;
  channel: string;
  idempotencyKey: string;
}

export interface RunRegistryDeps {
  config: () => OpenClawConfig;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  emit: (event: "chat" | "agent", payload: ChatEventPayload | AgentEventPayload) => void;
  /** Called with each credential a turn resolves, so logs never show it. */
  registerSecret: (secret: string) => void;
  /** Background exec jobs and pending exec approvals, shared by every run of the gateway. */
  exec?: ExecRuntime;
}

/** Idempotency window and size (reference-gateway §2: TTL 5 min, at most 1000 entries). */
const DEDUPE_TTL_MS = 5 * 60_000;
const DEDUPE_MAX = 1000;

/**
 * Owns agent runs started over the protocol: one lane per session, abort by session or run id,
 * idempotent starts, and projection of turn events onto `chat` and `agent` gateway events.
 */
export class RunRegistry {
  readonly #deps: RunRegistryDeps;
  readonly #lanes = new SessionLanes();
  readonly #active = new Map<string, ActiveRun>();
  readonly #finished = new Map<string, { result: RunResult; at: number }>();
  readonly #byIdempotency = new Map<string, { runId: string; at: number }>();

  /** Turns across all sessions (agents.defaults.maxConcurrent, 4 in OpenClaw's code). */
  readonly #global: Limiter;

  constructor(deps: RunRegistryDeps) {
    this.#deps = deps;
    this.#global = new Limiter(() => deps.config().agents?.defaults?.maxConcurrent ?? 4);
  }

  get activeCount(): number {
    return this.#active.size;
  }

  /** Starts a run, or returns the existing one for a repeated idempotency key (PROTO-13). */
  start(req: StartRunRequest): { runId: string; duplicate: boolean; done: Promise<RunResult> } {
    this.#prune(Date.now());
    const seen = this.#byIdempotency.get(req.idempotencyKey);
    if (seen) {
      const active = this.#active.get(seen.runId);
      const finished = this.#finished.get(seen.runId)?.result;
      const done = active?.done ?? Promise.resolve(finished as RunResult);
      if (active || finished) return { runId: seen.runId, duplicate: true, done };
    }
    const runId = randomUUID();
    const controller = new AbortController();
    const startedAt = Date.now();
    const command = parseCommand(req.text);
    const busy = [...this.#active.values()].some(
      (r) => r.sessionKey === req.sessionKey && !r.controller.signal.aborted,
    );
    // `/stop` (or an abort word while a run is busy) must not wait behind the run it stops: it
    // skips the session's lane. Model turns also wait for a global slot (maxConcurrent).
    const done =
      command?.name === "stop" || (busy && !command && isAbortTrigger(req.text))
        ? this.#stop(runId, req, startedAt)
        : this.#lanes.run(req.sessionKey, () =>
            command
              ? this.#executeCommand(runId, req, command, controller.signal, startedAt)
              : this.#global.run(() => this.#execute(runId, req, controller.signal, startedAt)),
          );
    const run: ActiveRun = { runId, sessionKey: req.sessionKey, controller, startedAt, done };
    this.#active.set(runId, run);
    this.#byIdempotency.set(req.idempotencyKey, { runId, at: startedAt });
    void done.then((result) => {
      this.#active.delete(runId);
      this.#finished.set(runId, { result, at: Date.now() });
    });
    return { runId, duplicate: false, done };
  }

  /** Aborts the given run, or every active run of the session. Returns the run ids it stopped. */
  abort(sessionKey: string, runId?: string): string[] {
    // A run already told to stop is finishing (writing its last state): not stopped again.
    const hit = [...this.#active.values()].filter(
      (r) => r.sessionKey === sessionKey && (!runId || r.runId === runId) && !r.controller.signal.aborted,
    );
    for (const r of hit) r.controller.abort(new Error("aborted by user"));
    return hit.map((r) => r.runId);
  }

  abortAll(): void {
    for (const r of this.#active.values()) r.controller.abort(new Error("gateway shutting down"));
  }

  /** Waits for a run's end up to `timeoutMs`; `undefined` on timeout (the run keeps going). */
  async wait(runId: string, timeoutMs: number): Promise<RunResult | "unknown" | undefined> {
    const finished = this.#finished.get(runId)?.result;
    if (finished) return finished;
    const active = this.#active.get(runId);
    if (!active) return "unknown";
    const cancel = new AbortController();
    // An aborted sleep rejects; that only means the run ended first.
    const timeout = sleep(timeoutMs, undefined, { signal: cancel.signal }).catch(() => undefined);
    try {
      return await Promise.race([active.done, timeout]);
    } finally {
      cancel.abort();
    }
  }

  async drain(): Promise<void> {
    await Promise.allSettled([...this.#active.values()].map((r) => r.done));
  }

  /** Aborts the session's active runs and answers like OpenClaw (`⚙️ Agent was aborted.`). */
  async #stop(runId: string, req: StartRunRequest, startedAt: number): Promise<RunResult> {
    const stopped = this.abort(req.sessionKey).filter((id) => id !== runId);
    return this.#reply(
      runId,
      req,
      startedAt,
      stopped.length > 0 ? "⚙️ Agent was aborted." : "No active run to stop.",
    );
  }

  /** A chat command: answered without the model, or (`/new <text>`) followed by a normal turn. */
  async #executeCommand(
    runId: string,
    req: StartRunRequest,
    command: ParsedCommand,
    signal: AbortSignal,
    startedAt: number,
  ): Promise<RunResult> {
    let outcome: CommandOutcome;
    try {
      outcome = await runCommand(command, {
        config: this.#deps.config(),
        stateDir: this.#deps.stateDir,
        env: this.#deps.env,
        sessionKey: req.sessionKey,
        agentId: req.agentId,
        now: () => new Date(),
        busy: [...this.#active.values()].some((r) => r.sessionKey === req.sessionKey && r.runId !== runId),
        channel: req.channel,
        ...(this.#deps.exec ? { execApprovals: this.#deps.exec.approvals } : {}),
      });
    } catch (err) {
      this.#deps.log.error("command failed", { command: command.name, err });
      outcome = { reply: `⚠️ /${command.name} failed: ${err instanceof Error ? err.message : String(err)}` };
    }
    if (outcome.followUp !== undefined)
      return this.#execute(runId, { ...req, text: outcome.followUp }, signal, startedAt);
    return this.#reply(runId, req, startedAt, outcome.reply);
  }

  /** Ends a run with a reply that did not come from the model (commands). */
  #reply(runId: string, req: StartRunRequest, startedAt: number, text: string): RunResult {
    const emit = this.#deps.emit;
    const endedAt = Date.now();
    const message = { role: "assistant", content: [{ type: "text", text }], timestamp: endedAt };
    emit("agent", {
      runId,
      seq: 1,
      stream: "lifecycle",
      ts: startedAt,
      data: { phase: "start", startedAt },
      sessionKey: req.sessionKey,
    });
    emit("agent", {
      runId,
      seq: 2,
      stream: "assistant",
      ts: endedAt,
      data: { text, delta: text },
      sessionKey: req.sessionKey,
    });
    emit("agent", {
      runId,
      seq: 3,
      stream: "lifecycle",
      ts: endedAt,
      data: { phase: "end", endedAt },
      sessionKey: req.sessionKey,
    });
    emit("chat", { runId, sessionKey: req.sessionKey, seq: 1, state: "final", message, stopReason: "stop" });
    return { runId, sessionKey: req.sessionKey, status: "ok", startedAt, endedAt, reply: text };
  }

  async #execute(
    runId: string,
    req: StartRunRequest,
    signal: AbortSignal,
    startedAt: number,
  ): Promise<RunResult> {
    const { emit, log } = this.#deps;
    let chatSeq = 0;
    let agentSeq = 0;
    const agentEvent = (stream: AgentEventPayload["stream"], data: Record<string, unknown>): void =>
      emit("agent", { runId, seq: ++agentSeq, stream, ts: Date.now(), data, sessionKey: req.sessionKey });
    const chatEvent = (p: Omit<ChatEventPayload, "runId" | "sessionKey" | "seq">): void =>
      emit("chat", { runId, sessionKey: req.sessionKey, seq: ++chatSeq, ...p });
    agentEvent("lifecycle", { phase: "start", startedAt });
    let finished: Extract<TurnEvent, { type: "finished" }> | undefined;
    let endedAt = 0;
    // Ends the run for observers: exactly one lifecycle end/error and one terminal chat event.
    const announce = (f: Extract<TurnEvent, { type: "finished" }>): void => {
      finished = f;
      endedAt = Date.now();
      if (f.outcome === "ok") {
        agentEvent("lifecycle", { phase: "end", endedAt });
        // A silent answer (NO_REPLY) ends the run with nothing to show; the transcript keeps it.
        const shaped = shapeReply(f.reply);
        chatEvent({
          state: "final",
          message: shaped.silent ? { ...f.message, content: [] } : f.message,
          ...(f.message?.usage ? { usage: f.message.usage } : {}),
          stopReason: f.message?.stopReason ?? "stop",
        });
      } else if (f.outcome === "aborted") {
        agentEvent("lifecycle", { phase: "end", endedAt, aborted: true });
        chatEvent({ state: "aborted", ...(f.message ? { message: f.message } : {}) });
      } else {
        agentEvent("lifecycle", { phase: "error", endedAt, error: f.errorMessage });
        chatEvent({ state: "error", errorMessage: f.errorMessage ?? "the run failed" });
      }
    };
    try {
      const turn = runSessionTurn(
        {
          runId,
          sessionKey: req.sessionKey,
          agentId: req.agentId,
          text: req.text,
          channel: req.channel,
          signal,
        },
        {
          config: this.#deps.config(),
          stateDir: this.#deps.stateDir,
          env: this.#deps.env,
          log,
          now: () => new Date(),
          registerSecret: this.#deps.registerSecret,
          ...(this.#deps.exec ? { exec: this.#deps.exec } : {}),
        },
      );
      for await (const ev of turn) {
        if (ev.type === "text") {
          agentEvent("assistant", { text: ev.text, delta: ev.delta });
          chatEvent({
            state: "delta",
            message: { role: "assistant", content: [{ type: "text", text: ev.text }], timestamp: Date.now() },
          });
        } else if (ev.type === "tool") {
          agentEvent("tool", {
            phase: ev.phase,
            toolCallId: ev.callId,
            name: ev.name,
            ...(ev.isError !== undefined ? { isError: ev.isError } : {}),
          });
        } else if (ev.type === "compaction") {
          agentEvent("compaction", { phase: ev.phase, ...(ev.ok !== undefined ? { ok: ev.ok } : {}) });
        } else if (ev.type === "finished") {
          announce(ev); // the turn still updates the session index after this
        }
      }
    } catch (err) {
      log.error("run failed", { runId, err });
      // Announced already: the answer stands; only the bookkeeping after it failed (logged).
      if (!finished) {
        announce({
          type: "finished",
          outcome: "error",
          reply: "",
          message: undefined,
          errorMessage: "internal error: the run failed; see the gateway log",
          sessionId: "",
        });
      }
    }
    const f = finished!;
    return {
      runId,
      sessionKey: req.sessionKey,
      status: f.outcome,
      startedAt,
      endedAt,
      reply: f.outcome === "ok" ? shapeReply(f.reply).text : f.reply,
      ...(f.errorMessage ? { error: f.errorMessage } : {}),
      ...(f.message ? { message: f.message } : {}),
    };
  }

  #prune(now: number): void {
    for (const [k, v] of this.#byIdempotency) if (now - v.at > DEDUPE_TTL_MS) this.#byIdempotency.delete(k);
    for (const [k, v] of this.#finished) if (now - v.at > DEDUPE_TTL_MS) this.#finished.delete(k);
    while (this.#byIdempotency.size > DEDUPE_MAX)
      this.#byIdempotency.delete(this.#byIdempotency.keys().next().value!);
    while (this.#finished.size > DEDUPE_MAX) this.#finished.delete(this.#finished.keys().next().value!);
  }
}

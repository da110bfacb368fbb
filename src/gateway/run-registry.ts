import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { AssistantMessage } from "@earendil-works/pi-ai";
import { runSessionTurn, type TurnEvent } from "../agents/session-turn.ts";
import type { OpenClawConfig } from "../config/schema.ts";
import type { Logger } from "../infra/logger.ts";
import type { AgentEventPayload, ChatEventPayload } from "../protocol/chat.ts";
import { SessionLanes } from "../sessions/lane.ts";

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

  constructor(deps: RunRegistryDeps) {
    this.#deps = deps;
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
    const done = this.#lanes.run(req.sessionKey, () =>
      this.#execute(runId, req, controller.signal, startedAt),
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

  /** Aborts the given run, or every active run of the session. Returns the run ids aborted. */
  abort(sessionKey: string, runId?: string): string[] {
    const hit = [...this.#active.values()].filter(
      (r) => r.sessionKey === sessionKey && (!runId || r.runId === runId),
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
        chatEvent({
          state: "final",
          message: f.message,
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
      reply: f.reply,
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

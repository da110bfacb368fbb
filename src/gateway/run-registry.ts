import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import type { AssistantMessage } from "@earendil-works/pi-ai";
import { reasoningMessage, toolBubble } from "../agents/progress-text.ts";
import { shapeReply } from "../agents/reply-directives.ts";
import { runSessionTurn, type TurnEvent, type TurnRequest } from "../agents/session-turn.ts";
import type { OpenClawConfig } from "../config/schema.ts";
import type { Logger } from "../infra/logger.ts";
import type { AgentEventPayload, ChatEventPayload } from "../protocol/chat.ts";
import { isAbortTrigger } from "../routing/commands/abort-words.ts";
import type { CommandSender } from "../routing/commands/authorize.ts";
import { DebugOverrides } from "../routing/commands/debug-command.ts";
import {
  extractDirectives,
  type InlineHints,
  inlineHints,
  normalizeLevel,
  type ThinkLevel,
} from "../routing/commands/directives.ts";
import { type ParsedCommand, parseCommand } from "../routing/commands/parse.ts";
import { type CommandOutcome, runCommand } from "../routing/commands/run-command.ts";
import { GlobalLanes, laneCap, resolveGlobalLane } from "../sessions/global-lanes.ts";
import { SessionLanes } from "../sessions/lane.ts";
import { decideArrival } from "../sessions/queue/decide.ts";
import type { FollowupTurn, QueuedItem } from "../sessions/queue/followup-queue.ts";
import { SessionQueues } from "../sessions/queue/session-queues.ts";
import { type QueueSettings, resolveQueueSettings } from "../sessions/queue/settings.ts";
import { readSessionStore, sessionStorePath } from "../sessions/store.ts";
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
  /**
   * Set when this message got no run of its own (reference-agent §3.7): `merged` into a collect
   * turn or `steered` into the active run (both answered by `answeredBy`), or `dropped` at the cap.
   */
  queued?: "merged" | "steered" | "dropped";
  answeredBy?: string;
  /** For a merged or steered message: settles once `answeredBy`'s reply was handed over. */
  answered?: Promise<void>;
  /**
   * For a run that also answers other messages, when its request asked for `awaitDelivery`: the
   * caller reports that the reply was handed over (sent, or given up), which settles theirs.
   */
  delivered?: () => void;
}

/** A submitted message or command, from `start` until its result. */
interface ActiveRun {
  runId: string;
  req: StartRunRequest;
  controller: AbortController;
  startedAt: number;
  done: Promise<RunResult>;
  settle(result: RunResult): void;
}

/** A message waiting in its session's followup backlog. */
interface Waiting extends QueuedItem {
  run: ActiveRun;
}

/** The turn a session is executing, as queue modes see it. */
interface LiveTurn {
  carrier: ActiveRun;
  /** In the model loop, so a steering message reaches the model (set on the turn's `started`). */
  steerable: boolean;
  /** Steered texts not yet handed to the loop; `rider` is the message the turn then answers. */
  steered: { text: string; rider?: ActiveRun; settings: QueueSettings }[];
  /** Messages this turn answers besides its carrier. */
  riders: Rider[];
}

interface Rider {
  run: ActiveRun;
  how: "merged" | "steered";
}

export interface StartRunRequest {
  sessionKey: string;
  agentId: string;
  text: string;
  channel: string;
  idempotencyKey: string;
  /**
   * Where the reply goes (channel, account, chat, thread); only messages of one route are merged
   * into one turn. Defaults to the channel.
   */
  route?: string;
  /** The caller delivers the reply and reports it through `RunResult.delivered` (channels do). */
  awaitDelivery?: boolean;
  /**
   * The chat sender, for command authorization (reference-agent §3.9). Absent for protocol
   * clients, which are authorised and the owner. Unauthorised: `/…` and directives are text.
   */
  sender?: CommandSender;
  /**
   * Messages for the chat besides the answer, in order (`/verbose` tool calls, `/reasoning`).
   * Channels pass it; must not throw.
   */
  progress?: (text: string) => void;
  /** Told when the turn's loop starts and as its answer streams (typing indicators); must not throw. */
  activity?: (ev: { type: "started" } | { type: "text"; text: string }) => void;
  /** A one-shot thinking level for this message (`chat.send`/`agent` `thinking`). */
  thinking?: string;
  /**
   * A chat message (a channel's, WebChat's): on a busy session its queue mode applies. Otherwise
   * (the `agent` method, as OpenClaw's agent command) the run just waits its turn in the lane.
   */
  queueModes?: boolean;
  /** Pictures attached to the message (channel media, `chat.send` attachments). */
  images?: TurnRequest["images"];
  /**
   * The global lane the turn queues on after the session's lane (reference-agent §3.6): `main`
   * when absent; `subagent`, `cron` or any other name (a lane of its own) through `agent`.
   */
  lane?: string;
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
  /** The config file (`/config` edits it through the config writer). */
  configPath?: string;
  /** Restarts the gateway in-process (`/restart`). */
  requestRestart?: (reason: string) => void;
}

/** Idempotency window and size (reference-gateway §2: TTL 5 min, at most 1000 entries). */
const DEDUPE_TTL_MS = 5 * 60_000;
const DEDUPE_MAX = 1000;

/**
 * Owns agent runs started over the protocol and by channels: one lane per session, queue modes
 * for messages that arrive while a session is busy (reference-agent §3.7), abort by session or run
 * id, idempotent starts, and projection of turn events onto `chat` and `agent` gateway events.
 */
export class RunRegistry {
  readonly #deps: RunRegistryDeps;
  readonly #lanes = new SessionLanes();
  readonly #queues: SessionQueues<Waiting>;
  readonly #active = new Map<string, ActiveRun>();
  readonly #live = new Map<string, LiveTurn>();
  /** Per session, the tail of arrivals being admitted: each decides after the one before it. */
  readonly #admissions = new Map<string, Promise<void>>();
  readonly #finished = new Map<string, { result: RunResult; at: number }>();
  readonly #byIdempotency = new Map<string, { runId: string; at: number }>();

  /** Turns across all sessions, per global lane (`main` is agents.defaults.maxConcurrent). */
  readonly #global: GlobalLanes;

  /** `/debug` overrides, laid over the config every run and command of this gateway reads. */
  readonly #debug = new DebugOverrides();

  constructor(deps: RunRegistryDeps) {
    this.#deps = { ...deps, config: () => this.#debug.apply(deps.config()) };
    this.#global = new GlobalLanes((lane) => laneCap(deps.config(), lane));
    this.#queues = new SessionQueues<Waiting>({
      lanes: this.#lanes,
      log: deps.log,
      runFollowup: (_key, turn) => this.#runFollowup(turn),
    });
  }

  get activeCount(): number {
    return this.#active.size;
  }

  /**
   * Submits a message (or command) for a session, or returns the existing run for a repeated
   * idempotency key (PROTO-13). `done` resolves with the message's outcome: its own run's result,
   * or (`queued`) how another run answered it or why none will.
   */
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
    const startedAt = Date.now();
    // An unauthorised sender's `/…` is plain text (reference-agent §3.9).
    const command = req.sender?.authorized === false ? undefined : parseCommand(req.text);
    const busy = [...this.#active.values()].some(
      (r) => r.req.sessionKey === req.sessionKey && !r.controller.signal.aborted,
    );
    let settle!: (result: RunResult) => void;
    const done = new Promise<RunResult>((resolve) => {
      settle = resolve;
    });
    const run: ActiveRun = { runId, req, controller: new AbortController(), startedAt, done, settle };
    this.#active.set(runId, run);
    this.#byIdempotency.set(req.idempotencyKey, { runId, at: startedAt });
    void done.then((result) => {
      this.#active.delete(runId);
      this.#finished.set(runId, { result, at: Date.now() });
    });
    // `/stop` (or an abort word while a run is busy) must not wait behind the run it stops: it
    // skips the session's lane and its queue.
    if (command?.name === "stop" || (busy && !command && isAbortTrigger(req.text))) {
      void this.#stop(runId, req, startedAt).then(settle);
    } else {
      this.#admit(req.sessionKey, () =>
        this.#arrive(run, command).catch((err: unknown) => this.#settleFailed(run, err)),
      );
    }
    return { runId, duplicate: false, done };
  }

  /** Aborts the given run, or every active run of the session. Returns the run ids it stopped. */
  abort(sessionKey: string, runId?: string): string[] {
    // A run already told to stop is finishing (writing its last state): not stopped again.
    const hit = [...this.#active.values()].filter(
      (r) => r.req.sessionKey === sessionKey && (!runId || r.runId === runId) && !r.controller.signal.aborted,
    );
    for (const r of hit) r.controller.abort(new Error("aborted by user"));
    // Stopping a session also clears what waited for its next turn.
    for (const w of this.#queues.remove(sessionKey, (w) => w.run.controller.signal.aborted))
      this.#settleAborted(w.run);
    return hit.map((r) => r.runId);
  }

  abortAll(): void {
    for (const r of this.#active.values()) r.controller.abort(new Error("gateway shutting down"));
    for (const w of this.#queues.close()) this.#settleAborted(w.run);
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

  /** Runs `fn` after every earlier arrival of the session was admitted (arrival order holds). */
  #admit(sessionKey: string, fn: () => Promise<void>): void {
    const prev = this.#admissions.get(sessionKey) ?? Promise.resolve();
    const next = prev.then(fn).catch((err: unknown) => {
      this.#deps.log.error("cannot admit a message", { sessionKey, err });
    });
    this.#admissions.set(sessionKey, next);
    void next.then(() => {
      if (this.#admissions.get(sessionKey) === next) this.#admissions.delete(sessionKey);
    });
  }

  /**
   * Places one arrival. Commands bypass the queue (reference-agent §3.9): `/queue` at once, since
   * it only changes what the next arrivals do, the others in the session's lane. A message runs
   * now on an idle session; on a busy one its queue mode decides.
   */
  async #arrive(run: ActiveRun, command: ParsedCommand | undefined): Promise<void> {
    const { req } = run;
    const signal = run.controller.signal;
    if (command?.name === "queue") {
      run.settle(await this.#executeCommand(run.runId, req, command, signal, run.startedAt));
      return;
    }
    if (command) {
      void this.#lanes
        .run(req.sessionKey, () => this.#executeCommand(run.runId, req, command, signal, run.startedAt))
        .then(run.settle);
      return;
    }
    const key = req.sessionKey;
    const isBusy = (): boolean => this.#lanes.isBusy(key) || this.#queues.isWaiting(key);
    if (!req.queueModes || !isBusy()) {
      this.#runTurn(run, req.text, []);
      return;
    }
    const settings = await this.#queueSettings(req);
    if (signal.aborted) return this.#settleAborted(run);
    const live = this.#live.get(key);
    const steerable = live?.steerable === true && !live.carrier.controller.signal.aborted;
    const decision = decideArrival(settings.mode, { busy: isBusy(), steerable });
    this.#deps.log.info("message arrived while the session is busy", {
      sessionKey: key,
      runId: run.runId,
      mode: settings.mode,
      decision: decision.type,
    });
    switch (decision.type) {
      case "run":
        this.#runTurn(run, req.text, []);
        return;
      case "steer":
        if (decision.backlog) {
          live!.steered.push({ text: req.text, settings });
          this.#enqueue(run, settings);
        } else {
          live!.steered.push({ text: req.text, rider: run, settings });
        }
        return;
      case "enqueue":
        this.#enqueue(run, settings);
        return;
      case "interrupt":
        live?.carrier.controller.abort(new Error("interrupted by a newer message"));
        this.#runTurn(run, req.text, []);
        return;
    }
  }

  /** The session's queue settings: its `/queue` override, then `messages.queue` (§3.7). */
  async #queueSettings(req: StartRunRequest): Promise<QueueSettings> {
    const store = await readSessionStore(sessionStorePath(this.#deps.stateDir, req.agentId));
    return resolveQueueSettings(this.#deps.config().messages?.queue, req.channel, store[req.sessionKey]);
  }

  #enqueue(run: ActiveRun, settings: QueueSettings): void {
    const { sessionKey } = run.req;
    const item: Waiting = { text: run.req.text, route: run.req.route ?? run.req.channel, run };
    const result = this.#queues.enqueue(sessionKey, item, settings);
    for (const d of result.dropped) this.#settleQueued(d.run, "dropped");
    const fields = {
      sessionKey,
      runId: run.runId,
      waiting: this.#queues.waitingCount(sessionKey),
      cap: settings.cap,
      drop: settings.drop,
      ...(result.dropped.length > 0 ? { droppedOlder: result.dropped.length } : {}),
    };
    if (result.accepted) {
      this.#deps.log.info("message queued for a followup turn", fields);
    } else {
      this.#settleQueued(run, "dropped");
      this.#deps.log.info("message dropped: the session's queue is full", fields);
    }
  }

  /** A followup turn off the backlog: its carrier runs it; the others ride along. */
  #runFollowup(turn: FollowupTurn<Waiting>): Promise<void> {
    // Messages stopped while they waited have settled already; they must not run.
    const runs = [...turn.riders, turn.carrier].map((w) => w.run).filter((r) => !r.controller.signal.aborted);
    const carrier = runs.pop();
    if (!carrier) return Promise.resolve();
    return this.#runTurn(
      carrier,
      turn.text,
      runs.map((run) => ({ run, how: "merged" })),
    );
  }

  /**
   * Runs one turn for `carrier` with `text` in the session's lane, and settles the carrier with its
   * result and each rider as answered by it. Enters the lane before it first awaits.
   */
  #runTurn(carrier: ActiveRun, text: string, riders: Rider[]): Promise<void> {
    const key = carrier.req.sessionKey;
    return this.#lanes.run(key, async () => {
      // Live from the moment it holds the lane, so an interrupt also reaches a turn that still
      // waits for a global slot.
      const turn: LiveTurn = { carrier, steerable: false, steered: [], riders: [...riders] };
      this.#live.set(key, turn);
      let result: RunResult;
      try {
        result = await this.#global.run(resolveGlobalLane(carrier.req.lane), () =>
          this.#execute(
            carrier.runId,
            { ...carrier.req, text },
            carrier.controller.signal,
            carrier.startedAt,
            {
              onStarted: () => {
                turn.steerable = true;
              },
              steering: () => {
                const taken = turn.steered.splice(0);
                const texts: string[] = [];
                for (const s of taken) {
                  // Stopped before the loop took it: it never reaches the model.
                  if (s.rider?.controller.signal.aborted) this.#settleAborted(s.rider);
                  else {
                    if (s.rider) turn.riders.push({ run: s.rider, how: "steered" });
                    texts.push(s.text);
                  }
                }
                return texts;
              },
            },
          ),
        );
      } finally {
        turn.steerable = false;
        if (this.#live.get(key) === turn) this.#live.delete(key);
      }
      // Steered after the loop last asked: those wait for a followup turn instead.
      for (const s of turn.steered) if (s.rider) this.#enqueue(s.rider, s.settings);
      this.#settleTurn(carrier, turn.riders, result);
    });
  }

  /**
   * Settles a finished turn. The riders' outcome waits for the carrier's reply to be handed over
   * when its caller delivers it (a channel), so a channel marks a merged message handled only once
   * the answer that covers it went out.
   */
  #settleTurn(carrier: ActiveRun, riders: Rider[], result: RunResult): void {
    let handedOver!: () => void;
    const answered = new Promise<void>((resolve) => {
      handedOver = resolve;
    });
    const awaited = riders.length > 0 && carrier.req.awaitDelivery === true;
    if (!awaited) handedOver();
    carrier.settle(awaited ? { ...result, delivered: handedOver } : result);
    for (const rider of riders) this.#settleRider(rider, result, answered);
  }

  /**
   * Ends a message that got no turn of its own (answered by another run, dropped at the cap,
   * unqueueable, aborted while waiting): its terminal `chat` event, and a result with no reply.
   */
  #settleWithoutTurn(
    run: ActiveRun,
    status: RunResult["status"],
    extra: Omit<Partial<RunResult>, "runId" | "sessionKey" | "status" | "startedAt" | "reply"> = {},
  ): void {
    const errorMessage = status === "error" ? (extra.error ?? "the run failed") : undefined;
    this.#deps.emit("chat", {
      runId: run.runId,
      sessionKey: run.req.sessionKey,
      seq: 1,
      state: status === "ok" ? "final" : status,
      ...(errorMessage ? { errorMessage } : {}),
    });
    run.settle({
      runId: run.runId,
      sessionKey: run.req.sessionKey,
      status,
      startedAt: run.startedAt,
      endedAt: Date.now(),
      reply: "",
      ...extra,
    });
  }

  /** Ends a message another run answered (merged or steered): it settles with that run's outcome. */
  #settleRider({ run: rider, how }: Rider, by: RunResult, answered: Promise<void>): void {
    this.#settleWithoutTurn(rider, by.status, {
      endedAt: by.endedAt,
      ...(by.error ? { error: by.error } : {}),
      queued: how,
      answeredBy: by.runId,
      answered,
    });
  }

  /** Ends a message the queue dropped at its cap: nothing answers it. */
  #settleQueued(run: ActiveRun, queued: "dropped"): void {
    this.#settleWithoutTurn(run, "ok", { queued });
  }

  /** A message that could not be placed (its session's index unreadable, say): it ends in error. */
  #settleFailed(run: ActiveRun, err: unknown): void {
    this.#deps.log.error("cannot queue a message", { sessionKey: run.req.sessionKey, runId: run.runId, err });
    this.#settleWithoutTurn(run, "error", {
      error: "internal error: the message could not be queued; see the gateway log",
    });
  }

  #settleAborted(run: ActiveRun): void {
    this.#settleWithoutTurn(run, "aborted");
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
        busy: [...this.#active.values()].some(
          (r) => r.req.sessionKey === req.sessionKey && r.runId !== runId,
        ),
        channel: req.channel,
        ...(this.#deps.exec ? { execApprovals: this.#deps.exec.approvals } : {}),
        ...(req.sender ? { sender: req.sender } : {}),
        ...(this.#deps.configPath ? { configPath: this.#deps.configPath } : {}),
        ...(this.#deps.requestRestart ? { requestRestart: this.#deps.requestRestart } : {}),
        debugOverrides: this.#debug,
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
    hooks: { onStarted?: () => void; steering?: () => string[] } = {},
  ): Promise<RunResult> {
    const { emit, log } = this.#deps;
    let chatSeq = 0;
    let agentSeq = 0;
    const agentEvent = (stream: AgentEventPayload["stream"], data: Record<string, unknown>): void =>
      emit("agent", { runId, seq: ++agentSeq, stream, ts: Date.now(), data, sessionKey: req.sessionKey });
    const chatEvent = (p: Omit<ChatEventPayload, "runId" | "sessionKey" | "seq">): void =>
      emit("chat", { runId, sessionKey: req.sessionKey, seq: ++chatSeq, ...p });
    agentEvent("lifecycle", { phase: "start", startedAt });
    // Directives inside a normal message are one-shot hints, stripped before the model sees it.
    const hints = messageHints(req);
    const show = req.progress
      ? await chatDisplay(this.#deps.config(), this.#deps.stateDir, req, hints).catch((err: unknown) => {
          log.warn("cannot read the session's display levels; showing the answer only", { err });
          return undefined;
        })
      : undefined;
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
          message: shaped.silent ? { ...f.message, content: [] } : (f.display ?? f.message),
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
          text: hints.text,
          channel: req.channel,
          signal,
          ...(hints.thinking ? { thinking: hints.thinking } : {}),
          ...(req.images?.length ? { images: req.images } : {}),
          ...(hooks.steering ? { steering: hooks.steering } : {}),
          // Channel messages are replayed after a crash; their turns carry the message's key.
          ...(req.awaitDelivery ? { inboundKey: req.idempotencyKey } : {}),
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
        if (ev.type === "started") {
          hooks.onStarted?.();
          req.activity?.({ type: "started" });
        } else if (ev.type === "text") {
          req.activity?.({ type: "text", text: ev.text });
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
          if (ev.phase === "start" && show?.verbose) req.progress?.(toolBubble(ev.name, ev.args));
        } else if (ev.type === "compaction") {
          agentEvent("compaction", { phase: ev.phase, ...(ev.ok !== undefined ? { ok: ev.ok } : {}) });
        } else if (ev.type === "finished") {
          const reasoning = show?.reasoning && ev.outcome === "ok" ? reasoningMessage(ev.message) : undefined;
          if (reasoning) req.progress?.(reasoning);
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

/** The text a turn runs on and its one-shot levels; an unauthorised sender's text stays as it is. */
function messageHints(req: StartRunRequest): InlineHints & { text: string } {
  // A level the request names that is not one is ignored, as an unknown `/think` word is.
  const level = req.thinking === undefined ? undefined : normalizeLevel("think", req.thinking);
  const given = level ? { thinking: level as ThinkLevel } : {};
  if (req.sender?.authorized === false) return { text: req.text, ...given };
  const found = extractDirectives(req.text);
  return { text: found.rest, ...given, ...inlineHints(found.directives) };
}

/**
 * What a chat sees besides the answer (reference-agent §1.6): tool calls with `/verbose on|full`,
 * the model's reasoning with `/reasoning on|stream`. Hint, then session, then the agent's and the
 * global `verboseDefault`.
 */
async function chatDisplay(
  config: OpenClawConfig,
  stateDir: string,
  req: StartRunRequest,
  hints: InlineHints,
): Promise<{ verbose: boolean; reasoning: boolean }> {
  const entry = (await readSessionStore(sessionStorePath(stateDir, req.agentId)))[req.sessionKey];
  const agent = config.agents?.list?.find((a) => a.id.toLowerCase() === req.agentId.toLowerCase());
  const verbose =
    hints.verbose ?? entry?.verboseLevel ?? agent?.verboseDefault ?? config.agents?.defaults?.verboseDefault;
  const reasoning = hints.reasoning ?? entry?.reasoningLevel;
  return {
    verbose: verbose === "on" || verbose === "full",
    reasoning: reasoning === "on" || reasoning === "stream",
  };
}

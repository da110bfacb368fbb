import os from "node:os";
import path from "node:path";
import type { AssistantMessage, Message, UserMessage } from "@earendil-works/pi-ai";
import { withReplyMedia } from "../channels/media/reply-display.ts";
import type { OpenClawConfig } from "../config/schema.ts";
import { errorMessage } from "../infra/errors.ts";
import type { Logger } from "../infra/logger.ts";
import type { ResolvedModel } from "../models/catalog.ts";
import { describeModelError } from "../models/errors.ts";
import { createFailoverStream } from "../models/failover.ts";
import { formatModelRef, resolveModelRef } from "../models/model-ref.ts";
import { failedAssistantMessage } from "../models/stream.ts";
import { branchMessages, modelContextMessages } from "../sessions/history.ts";
import { findInboundTurn, inboundMarker } from "../sessions/inbound-marker.ts";
import { resetSession } from "../sessions/reset.ts";
import { isSessionStale, resetRuleFor, sessionKindOf } from "../sessions/reset-policy.ts";
import { sessionStorePath, sessionsDir, transcriptPath } from "../sessions/store.ts";
import {
  createTranscript,
  currentBranch,
  readTranscript,
  TRANSCRIPT_VERSION,
} from "../sessions/transcript.ts";
import { repairUnansweredToolCalls } from "../sessions/transcript-repair.ts";
import { type EntryBody, TranscriptWriter } from "../sessions/transcript-writer.ts";
import { createCoreTools, toolSummaryLines } from "../tools/core-tools.ts";
import type { ExecRuntime } from "../tools/exec/exec-runtime.ts";
import { resolveExecSettings } from "../tools/exec/exec-settings.ts";
import { resolveAllowedTools } from "../tools/policy.ts";
import type { AgentTool } from "../tools/types.ts";
import { type ResolvedAgent, resolveAgent } from "./agent-config.ts";
import { type CompactOutcome, compactSession } from "./compact-session.ts";
import { needsCompaction } from "./compaction.ts";
import { pruneForRequest } from "./context-pruning.ts";
import { envelopeText, hostTimeZone } from "./envelope.ts";
import { type MemoryFlushPlan, planMemoryFlush, recordMemoryFlush } from "./memory-flush.ts";
import { systemPromptReport } from "./prompt-report.ts";
import { assistantText, runModelLoop } from "./run-loop.ts";
import { ensureSessionEntry, recordTurn } from "./session-entry.ts";
import { composeSystemPrompt } from "./system-prompt.ts";
import { resolveThinkingLevel, thinkingDefaults } from "./thinking-level.ts";
import {
  cooldownPolicy,
  failoverHooks,
  selectForImages,
  selectionContext,
  type TurnImage,
} from "./turn-failover.ts";
import { ensureWorkspace, loadBootstrapFiles } from "./workspace.ts";

export interface TurnRequest {
  runId: string;
  sessionKey: string;
  agentId: string;
  text: string;
  channel: string;
  signal: AbortSignal;
  /**
   * Texts of messages steered into this run (queue mode `steer`), each handed over once; the
   * model loop asks at every tool boundary and after every answer. Must not throw.
   */
  steering?: () => string[];
  /** Pictures attached to the message (channel media, `chat.send` attachments). */
  images?: TurnImage[];
  /** A `/think` hint on this message (one-shot; reference-agent §1.6); else the session's level. */
  thinking?: string;
  /**
   * Set on the silent pre-compaction turn (reference-agent §3.4): its system prompt gets the
   * flush instructions, and it neither flushes nor compacts itself.
   */
  memoryFlush?: MemoryFlushPlan;
  /**
   * The channel message this turn answers (its idempotency key). A replay after a crash whose
   * first attempt wrote the message but no answer reuses that line instead of writing it again.
   */
  inboundKey?: string;
}

export interface TurnDeps {
  config: OpenClawConfig;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  log: Logger;
  now: () => Date;
  /** Told the credential a turn resolved (the gateway's log redactor); optional for one-shot CLI runs. */
  registerSecret?: (secret: string) => void;
  /** The gateway's background exec jobs and approvals; absent for one-shot CLI runs. */
  exec?: ExecRuntime;
}

export type TurnEvent =
  | { type: "started"; sessionId: string; model: string }
  | { type: "text"; delta: string; text: string }
  | {
      type: "tool";
      phase: "start" | "end";
      callId: string;
      name: string;
      isError?: boolean;
      /** The call's arguments (start only), for `/verbose` tool bubbles. */
      args?: Record<string, unknown>;
    }
  | { type: "compaction"; phase: "start" | "end"; ok?: boolean }
  | {
      type: "finished";
      outcome: "ok" | "error" | "aborted";
      reply: string;
      message: AssistantMessage | undefined;
      /**
       * The answer as WebChat shows it when it has `MEDIA:` lines: those removed, pictures
       * inlined as image parts (`message` stays as the transcript has it).
       */
      display?: Record<string, unknown>;
      errorMessage?: string;
      sessionId: string;
    };

/** The failed-attempt message for a turn whose model may not even have resolved. */
function errorAssistantMessage(
  model: ResolvedModel | undefined,
  ref: string,
  text: string,
  at: number,
): AssistantMessage {
  const [provider = "", id = ""] = ref.split(/\/(.*)/s);
  return failedAssistantMessage(model ?? { api: "openai-completions", provider, id }, text, at);
}

/**
 * One agent turn on one session, end to end: the user message is recorded before the model is
 * called, every produced message is appended as it completes, and the session entry is updated at
 * the end. Ends with exactly one `finished` event; failures (no key, provider down) are events too.
 * Callers serialize turns per session key.
 */
export async function* runSessionTurn(req: TurnRequest, deps: TurnDeps): AsyncGenerator<TurnEvent> {
  const { config, stateDir, env, log } = deps;
  const agent = resolveAgent(config, req.agentId, stateDir, env);
  const dir = sessionsDir(stateDir, agent.id);
  const storeFile = sessionStorePath(stateDir, agent.id);
  const started = deps.now();
  const caps = {
    maxChars: config.agents?.defaults?.bootstrapMaxChars ?? 20_000,
    totalMaxChars: config.agents?.defaults?.bootstrapTotalMaxChars ?? 150_000,
  };
  const [, existing] = await Promise.all([
    ensureWorkspace(agent.workspaceDir, { skipBootstrap: config.agents?.defaults?.skipBootstrap === true }),
    ensureSessionEntry(storeFile, req.sessionKey, dir, req.channel, started.getTime()),
  ]);
  // Expiry is decided lazily, on the next message (reference-agent §3.3): a stale session starts
  // over with a new id, and its transcript stays on disk.
  const rule = resetRuleFor(config.session, sessionKindOf(req.sessionKey), req.channel);
  const entry = isSessionStale(rule, existing.updatedAt, started)
    ? (await resetSession(stateDir, agent.id, req.sessionKey, started)).next
    : existing;
  if (entry !== existing)
    log.info("session expired; starting a new one", { sessionKey: req.sessionKey, mode: rule.mode });
  // The bootstrap files are read beside the transcript work (a turn is mostly small file reads).
  // A failure surfaces where they are awaited; a turn that ends before needing them drops it,
  // hence the handler that only marks the promise handled.
  const pendingFiles = loadBootstrapFiles(agent.workspaceDir, caps);
  pendingFiles.catch(() => undefined);
  const file = transcriptPath(entry, dir);
  // Chosen before the user message is written (the transcript records the model's API), but a
  // failure only ends the turn after that message is safely on disk. Images may move the turn
  // to `imageModel` (reference-agent §6.1).
  const routed = await selectForImages(
    selectionContext(config, agent, entry, stateDir, env, () => deps.now().getTime()),
    config,
    agent.id,
    req.images ?? [],
  );
  const { selection, tried, first } = routed;
  const model = "error" in first ? undefined : first.model;
  const ref = model
    ? { provider: model.provider, model: model.id }
    : resolveModelRef(selection.chain[0] ?? "");
  const refLabel = ref ? formatModelRef(ref) : (selection.chain[0] ?? "");
  const thinking = resolveThinkingLevel({
    inline: req.thinking,
    session: entry.thinkingLevel,
    ...thinkingDefaults(config, agent.id),
    reasoningModel: model?.reasoning === true,
  });

  await createTranscript(file, {
    type: "session",
    version: TRANSCRIPT_VERSION,
    id: entry.sessionId,
    timestamp: started.toISOString(),
    cwd: agent.workspaceDir,
  });
  let transcript = await readTranscript(file);
  if (transcript.tornTail) log.warn("transcript ended with a torn line; it is ignored", { file });
  if (transcript.badLines.length > 0)
    log.warn("transcript has unreadable lines; they are skipped", { file, lines: transcript.badLines });
  // A crash between a tool call and its result leaves the call unanswered (reference-agent §3.2).
  const repair = await repairUnansweredToolCalls(file, transcript, started);
  transcript = repair.read;
  if (repair.repaired.length > 0)
    log.warn("tool calls left without a result by an interrupted run got an error result", {
      sessionKey: req.sessionKey,
      calls: repair.repaired.map((r) => r.toolCallId),
    });
  const timeZone = config.agents?.defaults?.userTimezone ?? hostTimeZone();
  const flush =
    model && !req.memoryFlush
      ? planMemoryFlush(config, {
          promptTokens: lastPromptTokens(branchMessages(transcript.entries)),
          contextWindow: model.contextWindow,
          entry,
          now: started,
          timeZone,
        })
      : undefined;
  if (flush) {
    // Silent: its events stay here and its answer (NO_REPLY, usually) is never delivered.
    for await (const ev of runSessionTurn(
      { ...req, text: flush.prompt, memoryFlush: flush, steering: undefined },
      deps,
    )) {
      if (ev.type === "finished" && ev.outcome !== "ok")
        log.warn("memory flush before compaction failed", {
          sessionKey: req.sessionKey,
          error: ev.errorMessage,
        });
    }
    await recordMemoryFlush(storeFile, req.sessionKey, deps.now());
    transcript = await readTranscript(file);
  }
  // Near the context window, older turns are summarized first (reference-agent §3.4, SES-8).
  if (
    model &&
    !req.memoryFlush &&
    needsCompaction(lastPromptTokens(branchMessages(transcript.entries)), model.contextWindow, config)
  ) {
    yield { type: "compaction", phase: "start" };
    const compacted = await compactSession(
      {
        config,
        stateDir,
        env,
        agentId: agent.id,
        sessionKey: req.sessionKey,
        now: deps.now,
        signal: req.signal,
      },
      { entry, entries: transcript.entries },
    ).catch((err: unknown): CompactOutcome => ({ ok: false, message: errorMessage(err) }));
    if (compacted.ok) transcript = await readTranscript(file);
    else
      log.warn("automatic compaction failed; continuing with the full history", {
        sessionKey: req.sessionKey,
        error: compacted.message,
      });
    yield { type: "compaction", phase: "end", ok: compacted.ok };
  }
  const writer = new TranscriptWriter(file, transcript.entries);
  const earlier = branchMessages(transcript.entries);
  // A channel message replayed after a crash: its earlier attempt is in the transcript already.
  const replay = req.inboundKey ? findInboundTurn(transcript.entries, req.inboundKey) : undefined;
  if (replay?.state === "answered") {
    log.info("a replayed message was answered before the restart; delivering that answer", {
      sessionKey: req.sessionKey,
    });
    yield { type: "started", sessionId: entry.sessionId, model: refLabel };
    const reply = assistantText(replay.answer);
    yield { type: "finished", outcome: "ok", reply, message: replay.answer, sessionId: entry.sessionId };
    return;
  }
  const resumed = replay?.message;
  const lastModel = [...currentBranch(transcript.entries)].reverse().find((e) => e.type === "model_change");
  // Opening entries in 2026.2.26's order: model_change, thinking_level_change (new sessions
  // only), then the model-snapshot that records the wire API.
  const intro: EntryBody[] = [];
  const modelChanged =
    ref && (lastModel?.["provider"] !== ref.provider || lastModel?.["modelId"] !== ref.model);
  if (ref && modelChanged) intro.push({ type: "model_change", provider: ref.provider, modelId: ref.model });
  if (transcript.entries.length === 0) intro.push({ type: "thinking_level_change", thinkingLevel: thinking });
  if (ref && modelChanged && model) {
    const data = {
      timestamp: started.getTime(),
      provider: ref.provider,
      modelApi: model.api,
      modelId: ref.model,
    };
    intro.push({ type: "custom", customType: "model-snapshot", data });
  }

  const userMessage: UserMessage = resumed ?? {
    role: "user",
    content: [
      {
        type: "text",
        text: envelopeText(routed.note ? `${req.text}\n${routed.note}` : req.text, started, timeZone),
      },
      ...routed.images,
    ],
    timestamp: started.getTime(),
  };
  if (resumed) {
    log.info("answering a message whose turn was cut short; it is in the transcript already", {
      sessionKey: req.sessionKey,
    });
    if (intro.length > 0) await writer.append(started, ...intro);
  } else {
    const marker = req.inboundKey ? [inboundMarker(req.inboundKey)] : [];
    await writer.append(started, ...intro, ...marker, { type: "message", message: userMessage });
  }
  yield { type: "started", sessionId: entry.sessionId, model: refLabel };

  if ("error" in first) {
    const text = first.error;
    log.warn("turn cannot start", { sessionKey: req.sessionKey, error: text });
    const failed = errorAssistantMessage(model, refLabel, text, deps.now().getTime());
    await writer.append(deps.now(), { type: "message", message: failed });
    yield {
      type: "finished",
      outcome: "error",
      reply: "",
      message: failed,
      errorMessage: text,
      sessionId: entry.sessionId,
    };
    await recordTurn(storeFile, req.sessionKey, entry, {
      now: deps.now(),
      channel: req.channel,
      aborted: false,
    });
    return;
  }

  const files = await pendingFiles;
  const tools = agentTools(config, agent, first.model, log, {
    sessionKey: req.sessionKey,
    stateDir,
    env,
    ...(deps.exec ? { runtime: deps.exec } : {}),
  });
  const prompt = composeSystemPrompt({
    agentId: agent.id,
    workspaceDir: agent.workspaceDir,
    files,
    toolLines: toolSummaryLines(tools),
    runtime: {
      agentId: agent.id,
      host: os.hostname(),
      os: os.type().toLowerCase(),
      arch: os.arch(),
      node: process.version,
      model: refLabel,
      defaultModel: agent.modelRef,
      ...(env["SHELL"] ? { shell: path.basename(env["SHELL"]) } : {}),
      channel: req.channel,
      thinking,
      timeZone,
    },
  });
  // Old tool output is trimmed in the request only (reference-agent §3.5); the transcript keeps it.
  const context = pruneForRequest(modelContextMessages(earlier), config, first.model, deps.now().getTime());
  if (context.pruned) log.debug("old tool results pruned from the request", { sessionKey: req.sessionKey });
  // A resumed turn's message (and any tool steps after it) are in `earlier` already.
  const history: Message[] = resumed ? context.messages : [...context.messages, userMessage];
  deps.registerSecret?.(first.credential.apiKey);
  const failover = createFailoverStream(
    selection,
    tried,
    failoverHooks({
      agentDir: agent.agentDir,
      writer,
      log,
      now: deps.now,
      sessionKey: req.sessionKey,
      policy: cooldownPolicy(config),
      registerSecret: deps.registerSecret,
    }),
    first,
    entry.sessionId,
    thinking === "off" ? undefined : thinking,
  );
  const timeoutSeconds = config.agents?.defaults?.timeoutSeconds ?? 600;
  // 0 means no limit; a never-aborting signal keeps the rest of the turn the same.
  const deadline =
    timeoutSeconds > 0 ? AbortSignal.timeout(timeoutSeconds * 1000) : new AbortController().signal;
  const signal = AbortSignal.any([req.signal, deadline]);
  let usage = { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 };
  let last: AssistantMessage | undefined;
  let outcome: "done" | "aborted" | "error" = "error";
  try {
    const steering = req.steering;
    const steered = steering
      ? () =>
          steering().map((text): UserMessage => {
            const at = deps.now();
            return {
              role: "user",
              content: [{ type: "text", text: envelopeText(text, at, timeZone) }],
              timestamp: at.getTime(),
            };
          })
      : undefined;
    const systemText = req.memoryFlush ? `${prompt.text}\n\n${req.memoryFlush.systemPrompt}` : prompt.text;
    const loop = runModelLoop(systemText, history, tools, failover.streamFn, signal, steered);
    for await (const ev of loop) {
      if (ev.type === "text_delta") yield { type: "text", delta: ev.delta, text: ev.text };
      else if (ev.type === "tool_start")
        yield { type: "tool", phase: "start", callId: ev.callId, name: ev.name, args: ev.args };
      else if (ev.type === "tool_end")
        yield { type: "tool", phase: "end", callId: ev.callId, name: ev.name, isError: ev.isError };
      else if (ev.type === "message") {
        await writer.append(deps.now(), { type: "message", message: ev.message });
        if (ev.message.role === "assistant") {
          last = ev.message;
          const u = ev.message.usage;
          usage = {
            input: usage.input + u.input,
            output: usage.output + u.output,
            cacheRead: usage.cacheRead + u.cacheRead,
            cacheWrite: usage.cacheWrite + u.cacheWrite,
            total: usage.total + u.totalTokens,
          };
        }
      } else if (ev.type === "loop_end") {
        outcome = ev.outcome;
        last = ev.final;
      }
    }
  } catch (err) {
    // Only our own code throws here (a disk error, say); the provider's failures are events.
    log.error("turn failed", { sessionKey: req.sessionKey, err });
    last = errorAssistantMessage(
      (failover.current() ?? first).model,
      refLabel,
      `internal error: ${errorMessage(err)}`,
      deps.now().getTime(),
    );
    await writer.append(deps.now(), { type: "message", message: last }).catch(() => undefined);
    outcome = "error";
  }
  const served = failover.current() ?? first;
  // Only the user stops a run; the per-turn deadline firing is a failure to report as such.
  const timedOut = outcome !== "done" && deadline.aborted && !req.signal.aborted;
  const aborted = !timedOut && (outcome === "aborted" || (req.signal.aborted && outcome !== "done"));
  let finished: Extract<TurnEvent, { type: "finished" }>;
  if (outcome === "done" && last) {
    const display = await withReplyMedia(
      last,
      { workspaceDir: agent.workspaceDir, stateDir },
      req.signal,
    ).catch((err: unknown) => {
      log.warn("reply attachments could not be prepared for display", { sessionKey: req.sessionKey, err });
      return undefined;
    });
    finished = {
      type: "finished",
      outcome: "ok",
      reply: assistantText(last),
      message: last,
      ...(display ? { display } : {}),
      sessionId: entry.sessionId,
    };
  } else if (aborted) {
    const reply = last ? assistantText(last) : "";
    finished = { type: "finished", outcome: "aborted", reply, message: last, sessionId: entry.sessionId };
  } else {
    const text = timedOut
      ? `${refLabel}: the model did not answer in time; the run was stopped after ${timeoutSeconds} s (agents.defaults.timeoutSeconds).`
      : last?.errorMessage?.startsWith("All models failed")
        ? routed.imageModel
          ? last.errorMessage.replace("All models failed", "All image models failed")
          : last.errorMessage
        : describeModelError(last?.errorMessage, served.model, served.credential.source);
    log.warn("model request failed", {
      sessionKey: req.sessionKey,
      model: refLabel,
      error: last?.errorMessage,
    });
    finished = {
      type: "finished",
      outcome: "error",
      reply: "",
      message: last,
      errorMessage: text,
      sessionId: entry.sessionId,
    };
  }
  // The answer is already in the transcript: the user sees it first, then the index catches up
  // (before the lane lets the next turn of this session in).
  yield finished;
  await recordTurn(storeFile, req.sessionKey, entry, {
    now: deps.now(),
    channel: req.channel,
    aborted,
    model: served.model,
    credential: served.credential,
    usage,
    report: systemPromptReport({
      at: started.getTime(),
      sessionId: entry.sessionId,
      sessionKey: req.sessionKey,
      provider: served.model.provider,
      model: served.model.id,
      workspaceDir: agent.workspaceDir,
      caps,
      promptChars: prompt.text.length,
      projectContextChars: prompt.projectContextChars,
      files,
      toolLines: toolSummaryLines(tools),
      tools: tools.map((t) => t.definition),
    }),
  });
}

/**
 * The tools this agent's model is offered: the core file tools in its workspace and `exec`/`process`
 * (host commands behind exec approvals), narrowed by the tool policy (reference-agent §2.2–§2.4).
 * `apply_patch` is opt-in (`tools.exec.applyPatch.enabled`,
 * optionally limited to `allowModels`), as in OpenClaw. A denied tool is never sent to the model.
 */
function agentTools(
  config: OpenClawConfig,
  agent: ResolvedAgent,
  model: ResolvedModel,
  log: Logger,
  exec: { sessionKey: string; stateDir: string; env: NodeJS.ProcessEnv; runtime?: ExecRuntime },
): AgentTool[] {
  const patch = config.tools?.exec?.applyPatch;
  const policy = { config, agentId: agent.id, provider: model.provider, modelId: model.id };
  const patchAllowed =
    patch?.enabled === true &&
    (!patch.allowModels?.length ||
      patch.allowModels.some((m) => m === model.id || m === `${model.provider}/${model.id}`));
  const all = createCoreTools({
    workspaceDir: agent.workspaceDir,
    workspaceOnly: config.tools?.fs?.workspaceOnly ?? true,
    applyPatchWorkspaceOnly: patch?.workspaceOnly ?? true,
    exec: {
      agentId: agent.id,
      sessionKey: exec.sessionKey,
      workspaceDir: agent.workspaceDir,
      stateDir: exec.stateDir,
      env: exec.env,
      settings: resolveExecSettings(config, agent.id, exec.sessionKey),
      ...(exec.runtime ? { runtime: exec.runtime } : {}),
      // Without `process`, exec never yields to the background (reference-agent §2.7).
      processAllowed: resolveAllowedTools(["process"], policy).allowed.length > 0,
      log,
    },
  }).filter((t) => patchAllowed || t.definition.name !== "apply_patch");
  const { allowed, warnings } = resolveAllowedTools(
    all.map((t) => t.definition.name),
    policy,
  );
  for (const w of warnings) log.warn(w);
  return all.filter((t) => allowed.includes(t.definition.name));
}

/** The size of the last prompt the model saw, as the provider counted it. */
function lastPromptTokens(messages: Message[]): number | undefined {
  const last = messages.findLast((m): m is AssistantMessage => m.role === "assistant" && m.usage.input > 0);
  return last ? last.usage.input + last.usage.cacheRead + last.usage.cacheWrite : undefined;
}

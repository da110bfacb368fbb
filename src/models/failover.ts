import type { AssistantMessageEvent, AssistantMessageEventStream, Context } from "@earendil-works/pi-ai";
import { classifyFailure, type FailureReason, rotates } from "./failure.ts";
import {
  type Attempt,
  credentialKey,
  type SelectionContext,
  selectAttempt,
  type Tried,
} from "./model-selection.ts";
import { currentCredential, OAuthRefreshError } from "./oauth/refresh.ts";
import { failedAssistantMessage, type ReasoningEffort, streamModel } from "./stream.ts";

export interface FailoverHooks {
  /** A credential or model failed before producing anything; the next candidate is tried after this resolves. */
  onFailure(attempt: Attempt, reason: FailureReason, errorMessage: string): Promise<void>;
  /**
   * A failed attempt is followed by another one: record it (the transcript keeps failed attempts).
   * The last failure of a turn is not reported here: it ends the turn and is recorded as its result.
   */
  onRetry(failed: Attempt, errorMessage: string): Promise<void>;
  /** A request completed; `attempt` served it. */
  onSuccess(attempt: Attempt): Promise<void>;
}

export interface FailoverStream {
  /** A `ModelStreamFn`: one model call with profile rotation and model fallback behind it. */
  streamFn(context: Context, signal: AbortSignal): Promise<AssistantMessageEventStream>;
  /** The attempt that served the last call (or failed it last). */
  current(): Attempt | undefined;
}

async function eventStream(): Promise<AssistantMessageEventStream> {
  const { createAssistantMessageEventStream } = await import("@earendil-works/pi-ai/utils/event-stream");
  return createAssistantMessageEventStream();
}

/**
 * Wraps model calls in failover (reference-agent §6.6): when a request fails before producing
 * anything (HTTP errors arrive as a lone `error` event), a failure that rotates moves on to the next
 * credential, then the next model of the chain. A failure after output started is final: what
 * the user already saw cannot be taken back. Ends with `All models failed (n): …` when nothing is left.
 */
export function createFailoverStream(
  ctx: SelectionContext,
  tried: Tried,
  hooks: FailoverHooks,
  first: Attempt,
  sessionId?: string,
  reasoning?: ReasoningEffort,
): FailoverStream {
  let current: Attempt = first;
  let reuseFirst = true;
  let lastFailure: AssistantMessageEvent | undefined;
  let failures = 0;
  // OAuth profiles already re-issued after a 401 in this turn: one refresh per profile, then rotate.
  const reissued = new Set<string>();
  return {
    current: () => current,
    async streamFn(context, signal) {
      for (;;) {
        if (!reuseFirst) {
          const next = await selectAttempt(ctx, tried);
          if ("error" in next) {
            const out = await eventStream();
            // When one attempt was all there was, its own failure says most (the caller words it).
            out.push(
              failures === 1 && tried.notes.length === 1 && lastFailure
                ? lastFailure
                : {
                    type: "error",
                    reason: "error",
                    error: failedAssistantMessage(current.model, next.error, Date.now()),
                  },
            );
            return out;
          }
          if (lastFailure?.type === "error")
            await hooks.onRetry(current, lastFailure.error.errorMessage ?? "failed");
          current = next;
        }
        reuseFirst = false;
        const attempt = current;
        const stream = await streamModel(attempt.model, context, {
          apiKey: attempt.credential.apiKey,
          signal,
          ...(sessionId ? { sessionId } : {}),
          ...(reasoning ? { reasoning } : {}),
          ...(attempt.credential.projectId ? { projectId: attempt.credential.projectId } : {}),
          ...(attempt.credential.awsRegion ? { awsRegion: attempt.credential.awsRegion } : {}),
        });
        const it = stream[Symbol.asyncIterator]();
        const head = await it.next();
        const ev = head.done ? undefined : head.value;
        if (ev?.type === "error" && ev.reason === "error" && !signal.aborted) {
          const reason = classifyFailure(ev.error.errorMessage);
          let message = ev.error.errorMessage ?? reason;
          const { profileId, type } = attempt.credential;
          if (reason === "auth" && type === "oauth" && profileId && !reissued.has(profileId)) {
            // The access token was revoked or expired early: refresh once and retry the same
            // profile before blaming it (reference-agent §6.7).
            reissued.add(profileId);
            try {
              current = { ...attempt, credential: await currentCredential(ctx, attempt.credential, true) };
              reuseFirst = true;
              continue;
            } catch (err) {
              if (!(err instanceof OAuthRefreshError)) throw err;
              message = err.message;
            }
          }
          if (rotates(reason)) {
            tried.credentials.add(credentialKey(attempt.ref, attempt.credential));
            if (reason === "model_not_found") tried.models.add(attempt.ref);
            tried.notes.push(
              `${attempt.ref}${profileId ? ` (${profileId})` : ""}: ${message === ev.error.errorMessage ? reason : message}`,
            );
            await hooks.onFailure(attempt, reason, message);
            lastFailure =
              message === ev.error.errorMessage
                ? ev
                : { ...ev, error: { ...ev.error, errorMessage: message } };
            failures++;
            continue;
          }
        }
        reuseFirst = true; // the next model call of this turn starts with the attempt that answered
        return relay(ev, it, attempt, hooks);
      }
    },
  };
}

/** Re-emits a stream whose first event was already read, reporting success when it completes. */
async function relay(
  first: AssistantMessageEvent | undefined,
  rest: AsyncIterator<AssistantMessageEvent>,
  attempt: Attempt,
  hooks: FailoverHooks,
): Promise<AssistantMessageEventStream> {
  const out = await eventStream();
  if (first) out.push(first);
  if (first?.type === "done") await hooks.onSuccess(attempt);
  void (async () => {
    for (let r = await rest.next(); !r.done; r = await rest.next()) {
      // Success is recorded before the turn sees the end, so its bookkeeping is done when the turn is.
      if (r.value.type === "done") await hooks.onSuccess(attempt);
      out.push(r.value);
    }
  })().catch((err: unknown) => {
    // pi-ai streams never throw; a throwing hook must still end the stream for the loop.
    out.push({
      type: "error",
      reason: "error",
      error: failedAssistantMessage(attempt.model, String(err), Date.now()),
    });
  });
  return out;
}

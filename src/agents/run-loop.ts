import type {
  AssistantMessage,
  AssistantMessageEventStream,
  Context,
  Message,
  ToolResultMessage,
  UserMessage,
} from "@earendil-works/pi-ai";
import type { AgentTool } from "../tools/types.ts";

/** The tool contract lives with the tools; the loop treats a throw as an error tool result. */
export type { AgentTool } from "../tools/types.ts";

/** Streams one model call for a context; failures come back inside the stream (pi-ai contract). */
export type ModelStreamFn = (context: Context, signal: AbortSignal) => Promise<AssistantMessageEventStream>;

export type LoopEvent =
  | { type: "text_delta"; delta: string; text: string }
  | { type: "message"; message: AssistantMessage | ToolResultMessage | UserMessage }
  | { type: "tool_start"; callId: string; name: string; args: Record<string, unknown> }
  | { type: "tool_end"; callId: string; name: string; isError: boolean }
  | { type: "loop_end"; outcome: "done" | "aborted" | "error"; final: AssistantMessage };

/**
 * Hands over the user messages that arrived for this run since the last call (queue mode `steer`),
 * each exactly once. Must not throw.
 */
export type SteeringSource = () => UserMessage[];

/** The result a tool call gets when a steering message cancels it (pi-agent-core's wording). */
export const SKIPPED_FOR_STEERING = "Skipped due to queued user message.";

/** Hard stop for a model that keeps calling tools: one turn never loops forever. */
export const MAX_MODEL_CALLS_PER_TURN = 50;

/**
 * Runs model ⇄ tools until the model answers without tool calls. Yields every text delta and every
 * message to persist, and ends with exactly one `loop_end`, also when aborted or failed. Never throws
 * for model or tool failures; those are events.
 *
 * Steering (reference-agent §3.7): after each tool call and after each answer, `steering` is asked
 * for messages that arrived meanwhile. If there are any, the calls left in that batch are not run
 * (each gets an error result saying so), the messages join the conversation, and the model is called
 * again, so even a finished answer is followed by one that has seen them.
 */
export async function* runModelLoop(
  systemPrompt: string,
  history: Message[],
  tools: AgentTool[],
  streamFn: ModelStreamFn,
  signal: AbortSignal,
  steering?: SteeringSource,
): AsyncGenerator<LoopEvent> {
  const messages = [...history];
  const byName = new Map(tools.map((t) => [t.definition.name, t]));
  let final: AssistantMessage | undefined;
  for (let call = 0; call < MAX_MODEL_CALLS_PER_TURN; call++) {
    const context: Context = {
      systemPrompt,
      messages,
      ...(tools.length ? { tools: tools.map((t) => t.definition) } : {}),
    };
    const stream = await streamFn(context, signal);
    let text = "";
    for await (const ev of stream) {
      if (ev.type === "text_delta") {
        text += ev.delta;
        yield { type: "text_delta", delta: ev.delta, text };
      }
    }
    final = await stream.result();
    messages.push(final);
    yield { type: "message", message: final };
    if (final.stopReason === "error" || final.stopReason === "aborted") {
      yield { type: "loop_end", outcome: final.stopReason === "aborted" ? "aborted" : "error", final };
      return;
    }
    const calls = final.content.filter((b) => b.type === "toolCall");
    let steered: UserMessage[] = [];
    for (const c of calls) {
      yield { type: "tool_start", callId: c.id, name: c.name, args: c.arguments };
      const result =
        steered.length > 0
          ? { text: SKIPPED_FOR_STEERING, isError: true }
          : await executeTool(byName.get(c.name), c.name, c.arguments, signal);
      const message: ToolResultMessage = {
        role: "toolResult",
        toolCallId: c.id,
        toolName: c.name,
        content: [{ type: "text", text: result.text }],
        isError: result.isError ?? false,
        timestamp: Date.now(),
      };
      messages.push(message);
      yield { type: "message", message };
      yield { type: "tool_end", callId: c.id, name: c.name, isError: message.isError };
      if (steered.length === 0 && !signal.aborted) steered = steering?.() ?? [];
    }
    if (calls.length === 0) {
      steered = steering?.() ?? [];
      if (steered.length === 0) {
        yield { type: "loop_end", outcome: "done", final };
        return;
      }
    } else if (signal.aborted) {
      yield { type: "loop_end", outcome: "aborted", final };
      return;
    }
    for (const message of steered) {
      messages.push(message);
      yield { type: "message", message };
    }
  }
  // Still calling tools at the cap: the turn has no answer, which is an error, not an empty reply.
  yield {
    type: "loop_end",
    outcome: "error",
    final: {
      ...final!,
      stopReason: "error",
      errorMessage: `stopped after ${MAX_MODEL_CALLS_PER_TURN} model calls in one turn; the model kept calling tools`,
    },
  };
}

async function executeTool(
  tool: AgentTool | undefined,
  name: string,
  args: Record<string, unknown>,
  signal: AbortSignal,
): Promise<{ text: string; isError?: boolean }> {
  if (!tool) return { text: `Tool ${name} is not available in this session.`, isError: true };
  try {
    return await tool.execute(args, signal);
  } catch (err) {
    return {
      text: `Tool ${name} failed: ${err instanceof Error ? err.message : String(err)}`,
      isError: true,
    };
  }
}

/** The visible text of an assistant message. */
export function assistantText(message: AssistantMessage): string {
  return message.content
    .filter((b) => b.type === "text")
    .map((b) => b.text)
    .join("");
}

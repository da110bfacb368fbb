import type {
  Api,
  AssistantMessage,
  AssistantMessageEvent,
  Model,
  TextContent,
  ThinkingContent,
  ToolCall,
} from "@earendil-works/pi-ai";
import { mapStopReasonString, retainThoughtSignature } from "@earendil-works/pi-ai/api/google-shared";
import { z } from "zod";

/**
 * One SSE event of `streamGenerateContent`: a Gemini `GenerateContentResponse` wrapped in
 * `response`, with the request's `traceId` (Gemini CLI's `CaGenerateContentResponse`). Loose:
 * fields we do not read (safety ratings, citations, grounding) pass through.
 */
const Part = z.looseObject({
  text: z.string().optional(),
  thought: z.boolean().optional(),
  thoughtSignature: z.string().optional(),
  functionCall: z
    .looseObject({
      id: z.string().optional(),
      name: z.string().optional(),
      args: z.record(z.string(), z.unknown()).nullish(),
    })
    .optional(),
});
export const CodeAssistChunk = z.looseObject({
  traceId: z.string().optional(),
  response: z
    .looseObject({
      candidates: z
        .array(
          z.looseObject({
            content: z.looseObject({ parts: z.array(Part).optional() }).optional(),
            finishReason: z.string().optional(),
          }),
        )
        .optional(),
      usageMetadata: z
        .looseObject({
          promptTokenCount: z.number().optional(),
          candidatesTokenCount: z.number().optional(),
          thoughtsTokenCount: z.number().optional(),
          cachedContentTokenCount: z.number().optional(),
          totalTokenCount: z.number().optional(),
        })
        .optional(),
      modelVersion: z.string().optional(),
      responseId: z.string().optional(),
    })
    .optional(),
});
export type CodeAssistChunk = z.infer<typeof CodeAssistChunk>;

export interface ResponseFolder {
  /** Folds one chunk into `output`, emitting the events it implies. */
  apply(chunk: CodeAssistChunk): void;
  /** Closes the open text or thinking block; call once the stream has ended. */
  finish(): void;
}

/**
 * Turns the chunks of one response into pi-ai's event sequence, with the contract of its own
 * Google implementation: consecutive text (or `thought: true`) parts grow one block; a function
 * call closes the open block and arrives whole as start/delta/end; `finishReason` sets the stop
 * reason (`toolUse` when the answer called tools); usage is the last `usageMetadata` seen, with
 * thoughts counted as output and cached tokens split out of input.
 */
export function createResponseFolder(
  model: Model<Api>,
  output: AssistantMessage,
  push: (event: AssistantMessageEvent) => void,
): ResponseFolder {
  let open: TextContent | ThinkingContent | undefined;
  const index = () => output.content.length - 1;
  const close = () => {
    if (!open) return;
    if (open.type === "text")
      push({ type: "text_end", contentIndex: index(), content: open.text, partial: output });
    else push({ type: "thinking_end", contentIndex: index(), content: open.thinking, partial: output });
    open = undefined;
  };
  const addText = (text: string, thought: boolean, signature: string | undefined) => {
    const kind = thought ? "thinking" : "text";
    if (open?.type !== kind) {
      close();
      open = thought ? { type: "thinking", thinking: "" } : { type: "text", text: "" };
      output.content.push(open);
      push({ type: thought ? "thinking_start" : "text_start", contentIndex: index(), partial: output });
    }
    if (open.type === "thinking") {
      open.thinking += text;
      const sig = retainThoughtSignature(open.thinkingSignature, signature);
      if (sig) open.thinkingSignature = sig;
      push({ type: "thinking_delta", contentIndex: index(), delta: text, partial: output });
    } else {
      open.text += text;
      const sig = retainThoughtSignature(open.textSignature, signature);
      if (sig) open.textSignature = sig;
      push({ type: "text_delta", contentIndex: index(), delta: text, partial: output });
    }
  };
  const addCall = (
    call: NonNullable<z.infer<typeof Part>["functionCall"]>,
    signature: string | undefined,
  ) => {
    close();
    const taken = (id: string) => output.content.some((b) => b.type === "toolCall" && b.id === id);
    // Gemini 2.x leaves ids out; ids must be unique within the message for the tool results.
    let id = call.id;
    for (let n = output.content.length; !id || taken(id); n++) id = `${call.name ?? "call"}_${n}`;
    const toolCall: ToolCall = {
      type: "toolCall",
      id,
      name: call.name ?? "",
      arguments: (call.args ?? {}) as ToolCall["arguments"],
      ...(signature ? { thoughtSignature: signature } : {}),
    };
    output.content.push(toolCall);
    push({ type: "toolcall_start", contentIndex: index(), partial: output });
    push({
      type: "toolcall_delta",
      contentIndex: index(),
      delta: JSON.stringify(toolCall.arguments),
      partial: output,
    });
    push({ type: "toolcall_end", contentIndex: index(), toolCall, partial: output });
  };
  return {
    apply(chunk) {
      const response = chunk.response;
      output.responseId ||= response?.responseId ?? chunk.traceId;
      if (response?.modelVersion) output.responseModel = response.modelVersion;
      const candidate = response?.candidates?.[0];
      for (const part of candidate?.content?.parts ?? []) {
        if (part.text !== undefined) addText(part.text, part.thought === true, part.thoughtSignature);
        if (part.functionCall) addCall(part.functionCall, part.thoughtSignature);
      }
      if (candidate?.finishReason) {
        output.rawStopReason = candidate.finishReason;
        output.stopReason = mapStopReasonString(candidate.finishReason);
        if (output.stopReason === "stop" && output.content.some((b) => b.type === "toolCall"))
          output.stopReason = "toolUse";
      }
      const usage = response?.usageMetadata;
      if (usage) {
        const cached = usage.cachedContentTokenCount ?? 0;
        const thoughts = usage.thoughtsTokenCount ?? 0;
        const u = output.usage;
        u.input = (usage.promptTokenCount ?? 0) - cached;
        u.output = (usage.candidatesTokenCount ?? 0) + thoughts;
        u.cacheRead = cached;
        u.cacheWrite = 0;
        u.reasoning = thoughts;
        u.totalTokens = usage.totalTokenCount ?? u.input + u.output + cached;
        const rate = model.cost;
        u.cost.input = (rate.input * u.input) / 1e6;
        u.cost.output = (rate.output * u.output) / 1e6;
        u.cost.cacheRead = (rate.cacheRead * u.cacheRead) / 1e6;
        u.cost.cacheWrite = 0;
        u.cost.total = u.cost.input + u.cost.output + u.cost.cacheRead;
      }
    },
    finish: close,
  };
}

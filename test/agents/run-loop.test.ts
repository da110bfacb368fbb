import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type {
  AssistantMessage,
  AssistantMessageEvent,
  Context,
  Message,
  ToolCall,
  ToolResultMessage,
} from "@earendil-works/pi-ai";
import { createAssistantMessageEventStream } from "@earendil-works/pi-ai/utils/event-stream";
import {
  type AgentTool,
  type LoopEvent,
  MAX_MODEL_CALLS_PER_TURN,
  type ModelStreamFn,
  runModelLoop,
} from "../../src/agents/run-loop.ts";

const USER: Message = { role: "user", content: [{ type: "text", text: "hi" }], timestamp: 1 };

function assistant(
  content: AssistantMessage["content"],
  stopReason: AssistantMessage["stopReason"],
  errorMessage?: string,
): AssistantMessage {
  return {
    role: "assistant",
    content,
    api: "openai-completions",
    provider: "fixture",
    model: "m1",
    usage: {
      input: 10,
      output: 5,
      cacheRead: 0,
      cacheWrite: 0,
      totalTokens: 15,
      cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 },
    },
    stopReason,
    ...(errorMessage ? { errorMessage } : {}),
    timestamp: 2,
  };
}

/** The events a provider streams for a text answer, one delta per chunk. */
function textReply(...chunks: string[]): AssistantMessageEvent[] {
  const final = assistant([{ type: "text", text: chunks.join("") }], "stop");
  const partial = assistant([], "stop");
  let sofar = "";
  return [
    { type: "start", partial },
    { type: "text_start", contentIndex: 0, partial },
    ...chunks.map((delta): AssistantMessageEvent => {
      sofar += delta;
      return { type: "text_delta", contentIndex: 0, delta, partial };
    }),
    { type: "text_end", contentIndex: 0, content: sofar, partial },
    { type: "done", reason: "stop", message: final },
  ];
}

function toolCallReply(...calls: ToolCall[]): AssistantMessageEvent[] {
  const final = assistant(calls, "toolUse");
  return [
    { type: "start", partial: assistant([], "toolUse") },
    ...calls.map(
      (toolCall, i): AssistantMessageEvent => ({
        type: "toolcall_end",
        contentIndex: i,
        toolCall,
        partial: final,
      }),
    ),
    { type: "done", reason: "toolUse", message: final },
  ];
}

function failedReply(reason: "error" | "aborted", errorMessage: string): AssistantMessageEvent[] {
  return [{ type: "error", reason, error: assistant([], reason, errorMessage) }];
}

const call = (id: string, name: string, args: ToolCall["arguments"] = {}): ToolCall => ({
  type: "toolCall",
  id,
  name,
  arguments: args,
});

/** A model that answers each request with the next scripted reply, recording what it was sent. */
function scriptedModel(...replies: AssistantMessageEvent[][]): {
  streamFn: ModelStreamFn;
  contexts: Context[];
} {
  const contexts: Context[] = [];
  const streamFn: ModelStreamFn = async (context) => {
    contexts.push({ ...context, messages: [...context.messages] });
    const reply = replies[contexts.length - 1];
    assert.ok(
      reply,
      `the model was called ${contexts.length} times; only ${replies.length} replies are scripted`,
    );
    const stream = createAssistantMessageEventStream();
    // Delivered after the loop starts reading, as a network stream would be.
    setImmediate(() => {
      for (const ev of reply) stream.push(ev);
    });
    return stream;
  };
  return { streamFn, contexts };
}

function tool(name: string, execute: AgentTool["execute"]): AgentTool {
  return {
    definition: {
      name,
      description: `the ${name} tool`,
      parameters: { type: "object", properties: {} } as never,
    },
    execute,
  };
}

/** Runs the loop to the end and checks the one invariant every run keeps: exactly one loop_end, last. */
async function run(
  streamFn: ModelStreamFn,
  tools: AgentTool[] = [],
  signal = new AbortController().signal,
): Promise<{ events: LoopEvent[]; end: Extract<LoopEvent, { type: "loop_end" }> }> {
  const events: LoopEvent[] = [];
  for await (const ev of runModelLoop("system prompt", [USER], tools, streamFn, signal)) events.push(ev);
  const ends = events.filter((e) => e.type === "loop_end");
  assert.equal(ends.length, 1, "exactly one loop_end");
  assert.equal(events.at(-1)?.type, "loop_end", "loop_end comes last");
  return { events, end: ends[0] as Extract<LoopEvent, { type: "loop_end" }> };
}

const toolResults = (events: LoopEvent[]): ToolResultMessage[] =>
  events.flatMap((e) => (e.type === "message" && e.message.role === "toolResult" ? [e.message] : []));

const resultText = (m: ToolResultMessage): string =>
  m.content.map((b) => (b.type === "text" ? b.text : "")).join("");

describe("runModelLoop", () => {
  test("text deltas accumulate and the answer ends the loop as done", async () => {
    const { streamFn, contexts } = scriptedModel(textReply("Herons ", "fish ", "at dawn."));
    const { events, end } = await run(streamFn);
    assert.deepEqual(
      events.filter((e) => e.type === "text_delta"),
      [
        { type: "text_delta", delta: "Herons ", text: "Herons " },
        { type: "text_delta", delta: "fish ", text: "Herons fish " },
        { type: "text_delta", delta: "at dawn.", text: "Herons fish at dawn." },
      ],
    );
    assert.equal(end.outcome, "done");
    assert.deepEqual(end.final.content, [{ type: "text", text: "Herons fish at dawn." }]);
    assert.equal(contexts.length, 1);
    assert.equal(contexts[0]?.systemPrompt, "system prompt");
    assert.deepEqual(contexts[0]?.messages, [USER]);
    assert.equal(contexts[0]?.tools, undefined, "no tools, no tools field");
  });

  test("a tool call runs the tool, sends its result back, and loops until the answer", async () => {
    const seen: Record<string, unknown>[] = [];
    const echo = tool("echo", async (args) => {
      seen.push(args);
      return { text: `echo: ${String(args["text"])}` };
    });
    const { streamFn, contexts } = scriptedModel(
      toolCallReply(call("c1", "echo", { text: "heron" })),
      textReply("The tool said heron."),
    );
    const { events, end } = await run(streamFn, [echo]);
    assert.deepEqual(seen, [{ text: "heron" }]);
    assert.deepEqual(
      events
        .filter((e) => e.type !== "text_delta")
        .map((e) => (e.type === "message" ? `message:${e.message.role}` : e.type)),
      ["message:assistant", "tool_start", "message:toolResult", "tool_end", "message:assistant", "loop_end"],
    );
    assert.equal(end.outcome, "done");
    assert.equal(contexts.length, 2);
    assert.deepEqual(contexts[0]?.tools, [echo.definition]);
    const second = contexts[1]!.messages;
    assert.deepEqual(
      second.map((m) => m.role),
      ["user", "assistant", "toolResult"],
    );
    const result = second[2] as ToolResultMessage;
    assert.equal(result.toolCallId, "c1");
    assert.equal(result.toolName, "echo");
    assert.equal(result.isError, false);
    assert.equal(resultText(result), "echo: heron");
  });

  test("several calls in one answer run in order, each with its own result", async () => {
    const order: string[] = [];
    const note = tool("note", async (args) => {
      order.push(String(args["n"]));
      return { text: `noted ${String(args["n"])}` };
    });
    const { streamFn } = scriptedModel(
      toolCallReply(call("c1", "note", { n: 1 }), call("c2", "note", { n: 2 })),
      textReply("ok"),
    );
    const { events } = await run(streamFn, [note]);
    assert.deepEqual(order, ["1", "2"]);
    assert.deepEqual(
      toolResults(events).map((r) => [r.toolCallId, resultText(r)]),
      [
        ["c1", "noted 1"],
        ["c2", "noted 2"],
      ],
    );
  });

  test("an unknown tool yields an error result and the loop goes on", async () => {
    const { streamFn, contexts } = scriptedModel(toolCallReply(call("c1", "teleport")), textReply("Sorry."));
    const { events, end } = await run(streamFn, [tool("echo", async () => ({ text: "" }))]);
    const [result] = toolResults(events);
    assert.equal(result?.isError, true);
    assert.equal(result?.toolName, "teleport");
    assert.match(resultText(result!), /teleport/);
    assert.deepEqual(
      events.filter((e) => e.type === "tool_end"),
      [{ type: "tool_end", callId: "c1", name: "teleport", isError: true }],
    );
    assert.equal(contexts.length, 2);
    assert.equal(end.outcome, "done");
  });

  test("a throwing tool becomes an error result carrying its message", async () => {
    const broken = tool("write", async () => {
      throw new Error("EACCES: permission denied, open 'herons.md'");
    });
    const { streamFn, contexts } = scriptedModel(toolCallReply(call("c1", "write")), textReply("It failed."));
    const { events, end } = await run(streamFn, [broken]);
    const [result] = toolResults(events);
    assert.equal(result?.isError, true);
    assert.match(resultText(result!), /EACCES: permission denied/);
    assert.equal((contexts[1]!.messages[2] as ToolResultMessage).isError, true);
    assert.equal(end.outcome, "done");
  });

  test("a tool may report an error itself", async () => {
    const picky = tool("read", async () => ({ text: "no such file", isError: true }));
    const { streamFn } = scriptedModel(toolCallReply(call("c1", "read")), textReply("Not there."));
    const { events } = await run(streamFn, [picky]);
    assert.equal(toolResults(events)[0]?.isError, true);
  });

  test("an error final message ends the loop with outcome error, without another call", async () => {
    const { streamFn, contexts } = scriptedModel(
      failedReply("error", "429 Rate limit exceeded for this API key. Please slow down."),
    );
    const { events, end } = await run(streamFn);
    assert.equal(end.outcome, "error");
    assert.equal(end.final.stopReason, "error");
    assert.equal(end.final.errorMessage, "429 Rate limit exceeded for this API key. Please slow down.");
    assert.deepEqual(
      events.map((e) => e.type),
      ["message", "loop_end"],
      "the failed attempt is still a message to persist",
    );
    assert.equal(contexts.length, 1);
  });

  test("an error after a tool round ends the loop with outcome error", async () => {
    const { streamFn } = scriptedModel(
      toolCallReply(call("c1", "echo")),
      failedReply("error", "500 Internal Server Error"),
    );
    const { end } = await run(streamFn, [tool("echo", async () => ({ text: "x" }))]);
    assert.equal(end.outcome, "error");
  });

  test("an aborted stream ends the loop with outcome aborted", async () => {
    const { streamFn } = scriptedModel(failedReply("aborted", "Request was aborted"));
    const { end } = await run(streamFn);
    assert.equal(end.outcome, "aborted");
  });

  test("an abort during a tool round stops before the next model call", async () => {
    const controller = new AbortController();
    const stopper = tool("stop", async (_args, signal) => {
      controller.abort();
      assert.equal(signal.aborted, true, "the tool gets the run's signal");
      return { text: "stopping" };
    });
    const { streamFn, contexts } = scriptedModel(toolCallReply(call("c1", "stop")), textReply("never"));
    const { events, end } = await run(streamFn, [stopper], controller.signal);
    assert.equal(end.outcome, "aborted");
    assert.equal(contexts.length, 1);
    assert.equal(toolResults(events).length, 1, "the tool's result is still recorded");
  });

  test("a model that never stops calling tools is cut off with exactly one loop_end", async () => {
    const replies = Array.from({ length: MAX_MODEL_CALLS_PER_TURN }, (_, i) =>
      toolCallReply(call(`c${i}`, "echo")),
    );
    const { streamFn, contexts } = scriptedModel(...replies);
    const { end } = await run(streamFn, [tool("echo", async () => ({ text: "again" }))]);
    assert.equal(contexts.length, MAX_MODEL_CALLS_PER_TURN);
    assert.equal(end.outcome, "error", "a turn without an answer is not done");
    assert.equal(end.final.stopReason, "error");
    assert.match(end.final.errorMessage ?? "", /stopped after 50 model calls/);
  });
});

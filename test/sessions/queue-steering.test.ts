// Steering (queue modes `steer` and `steer-backlog`, reference-agent §3.7) as the model loop sees
// it: a message handed over mid-run reaches the next model call, and the tool calls left in the
// batch where it arrived are not run.
import assert from "node:assert/strict";
import { test } from "node:test";
import type {
  AssistantMessage,
  AssistantMessageEvent,
  Context,
  ToolCall,
  UserMessage,
} from "@earendil-works/pi-ai";
import { createAssistantMessageEventStream } from "@earendil-works/pi-ai/utils/event-stream";
import {
  type AgentTool,
  type LoopEvent,
  type ModelStreamFn,
  runModelLoop,
  SKIPPED_FOR_STEERING,
} from "../../src/agents/run-loop.ts";

const user = (text: string): UserMessage => ({
  role: "user",
  content: [{ type: "text", text }],
  timestamp: 1,
});

function assistant(content: AssistantMessage["content"], stopReason: AssistantMessage["stopReason"]) {
  const usage = { input: 1, output: 1, cacheRead: 0, cacheWrite: 0, totalTokens: 2 };
  return {
    role: "assistant",
    content,
    api: "openai-completions",
    provider: "fixture",
    model: "m1",
    usage: { ...usage, cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0, total: 0 } },
    stopReason,
    timestamp: 2,
  } satisfies AssistantMessage;
}

const text = (t: string): AssistantMessageEvent[] => [
  { type: "done", reason: "stop", message: assistant([{ type: "text", text: t }], "stop") },
];
const calls = (...c: ToolCall[]): AssistantMessageEvent[] => [
  { type: "done", reason: "toolUse", message: assistant(c, "toolUse") },
];
const call = (id: string): ToolCall => ({ type: "toolCall", id, name: "probe", arguments: {} });

function scripted(...replies: AssistantMessageEvent[][]): { streamFn: ModelStreamFn; contexts: Context[] } {
  const contexts: Context[] = [];
  const streamFn: ModelStreamFn = async (context) => {
    contexts.push({ ...context, messages: [...context.messages] });
    const reply = replies[contexts.length - 1];
    assert.ok(reply, `model call ${contexts.length} is not scripted`);
    const stream = createAssistantMessageEventStream();
    setImmediate(() => {
      for (const ev of reply) stream.push(ev);
    });
    return stream;
  };
  return { streamFn, contexts };
}

async function collect(loop: AsyncGenerator<LoopEvent>): Promise<LoopEvent[]> {
  const events: LoopEvent[] = [];
  for await (const ev of loop) events.push(ev);
  return events;
}

const lastUserText = (c: Context): string => {
  const m = c.messages.findLast((x) => x.role === "user");
  const content = m?.content;
  return typeof content === "string"
    ? content
    : (content?.map((b) => ("text" in b ? b.text : "")).join("") ?? "");
};

test("a message steered at a tool boundary cancels the calls left in that batch", async () => {
  const { streamFn, contexts } = scripted(calls(call("a"), call("b")), text("done"));
  const ran: string[] = [];
  const pending = [user("use the other file")];
  const probe: AgentTool = {
    definition: { name: "probe", description: "probe", parameters: { type: "object" } as never },
    execute: async () => {
      ran.push("probe");
      return { text: "probed" };
    },
  };
  const events = await collect(
    runModelLoop("sys", [user("hi")], [probe], streamFn, new AbortController().signal, () =>
      pending.splice(0),
    ),
  );
  assert.deepEqual(ran, ["probe"], "only the first call ran");
  const results = events.flatMap((e) =>
    e.type === "message" && e.message.role === "toolResult" ? [e.message] : [],
  );
  assert.deepEqual(
    results.map((r) => [r.toolCallId, r.isError, r.content[0]?.type === "text" ? r.content[0].text : ""]),
    [
      ["a", false, "probed"],
      ["b", true, SKIPPED_FOR_STEERING],
    ],
  );
  assert.equal(contexts.length, 2);
  assert.equal(lastUserText(contexts[1]!), "use the other file");
  assert.equal(events.at(-1)?.type, "loop_end");
});

test("a message steered during a final answer gets another model call", async () => {
  const { streamFn, contexts } = scripted(text("first answer"), text("second answer"));
  let handed = false;
  const events = await collect(
    runModelLoop("sys", [user("hi")], [], streamFn, new AbortController().signal, () => {
      if (handed) return [];
      handed = true;
      return [user("also this")];
    }),
  );
  assert.equal(contexts.length, 2);
  assert.equal(lastUserText(contexts[1]!), "also this");
  const end = events.at(-1);
  assert.ok(end?.type === "loop_end" && end.outcome === "done");
  assert.equal(end.final.content[0]?.type === "text" && end.final.content[0].text, "second answer");
  // The steered message is persisted in order, between the two answers.
  const roles = events.flatMap((e) => (e.type === "message" ? [e.message.role] : []));
  assert.deepEqual(roles, ["assistant", "user", "assistant"]);
});

test("without steering the loop ends after the answer", async () => {
  const { streamFn, contexts } = scripted(text("only"));
  await collect(runModelLoop("sys", [user("hi")], [], streamFn, new AbortController().signal, () => []));
  assert.equal(contexts.length, 1);
});

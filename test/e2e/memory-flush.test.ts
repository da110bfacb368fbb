import assert from "node:assert/strict";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import type { RecordedRequest } from "../fakes/http-server.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { chatTurn, collectEvents } from "../harness/events.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { gatewayWithClient } from "../harness/gateway.ts";

const FLUSH_SYSTEM = "Session nearing compaction. Store durable memories now.";
const isFlush = (req: RecordedRequest): boolean => JSON.stringify(req.body).includes(FLUSH_SYSTEM);
const isSummary = (req: RecordedRequest): boolean =>
  JSON.stringify(req.body).includes("You summarize a conversation");
/** A request whose latest message is the flush turn's tool result (the flush's second call). */
const afterFlushWrite = (req: RecordedRequest): boolean =>
  isFlush(req) && (req.body.messages as { role: string }[]).at(-1)?.role === "tool";

function config(baseUrl: string) {
  return fakeModelConfig(baseUrl, {
    models: [{ id: "m1", contextWindow: 12_000 }],
    defaults: {
      userTimezone: "UTC",
      // Flush from 12000 − 2000 − 2000 = 8000 prompt tokens; compact past 12000 − 2000 = 10000.
      compaction: {
        reserveTokensFloor: 2000,
        keepRecentTokens: 100,
        memoryFlush: { softThresholdTokens: 2000 },
      },
    },
  });
}

async function sessionEntry(stateDir: string): Promise<Record<string, unknown>> {
  const store = JSON.parse(await readFile(path.join(stateDir, "agents/main/sessions/sessions.json"), "utf8"));
  return store["agent:main:main"];
}

test("near compaction a silent memory-flush turn runs first, once per cycle, and is never delivered", async (t) => {
  const llm = await startFakeOpenAI();
  const today = new Date().toISOString().slice(0, 10);
  llm.setDefault((req) => {
    if (isSummary(req)) return { kind: "text", text: "SUMMARY: heron counts." };
    if (afterFlushWrite(req)) return { kind: "text", text: "NO_REPLY" };
    if (isFlush(req))
      return {
        kind: "toolCalls",
        calls: [
          { name: "write", arguments: { path: `memory/${today}.md`, content: "- Wendell is a heron\n" } },
        ],
      };
    return { kind: "text", text: "ok" };
  });
  const { gw, client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  const chat = collectEvents(client, "chat");
  const long = "heron ".repeat(2500); // ~15 KB, ~3,750 tokens a turn

  const replies: string[] = [];
  let turns = 0;
  while (!llm.requests.some(isSummary) && turns < 8) {
    replies.push((await chatTurn(client, `turn ${++turns}: ${long}`)).text);
  }
  assert.ok(llm.requests.some(isSummary), "the session reached compaction");
  assert.deepEqual(
    replies,
    replies.map(() => "ok"),
    "every turn the user started got its answer",
  );

  // The flush ran once, before the compaction, with the configured prompts.
  const flushAt = llm.requests.findIndex(isFlush);
  const summaryAt = llm.requests.findIndex(isSummary);
  assert.ok(flushAt >= 0 && flushAt < summaryAt, "the flush comes before the compaction");
  assert.equal(llm.requests.filter((r) => isFlush(r) && !afterFlushWrite(r)).length, 1, "once per cycle");
  const flushText = JSON.stringify(llm.requests[flushAt]!.body.messages.at(-1));
  assert.match(flushText, new RegExp(`Write any lasting notes to memory/${today}\\.md`));
  assert.equal(
    await readFile(path.join(gw.home.stateDir, "workspace/memory", `${today}.md`), "utf8"),
    "- Wendell is a heron\n",
  );

  // Nothing of the flush reached the chat.
  const delivered = JSON.stringify(chat.seen.map((e) => e.payload));
  assert.doesNotMatch(delivered, /NO_REPLY/);
  assert.doesNotMatch(delivered, /Write any lasting notes/);

  const entry = await sessionEntry(gw.home.stateDir);
  assert.equal(entry["memoryFlushCompactionCount"], 0, "flushed in cycle 0");
  assert.equal(typeof entry["memoryFlushAt"], "number");
  assert.equal(entry["compactionCount"], 1);
  assert.ok((await readdir(path.join(gw.home.stateDir, "workspace/memory"))).length === 1);
});

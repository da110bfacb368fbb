import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeAnthropic } from "../fakes/anthropic.ts";
import { chatTurn } from "../harness/events.ts";
import { createTestHome, gatewayWithClient } from "../harness/gateway.ts";

/** The text of every tool_result block Anthropic was sent in the last request. */
function toolResultTexts(body: { messages: { content: unknown }[] }): string[] {
  return body.messages.flatMap((m) =>
    Array.isArray(m.content)
      ? m.content
          .filter((b: { type: string }) => b.type === "tool_result")
          .map((b: { content: unknown }) => JSON.stringify(b.content))
      : [],
  );
}

test("cache-ttl pruning trims an old tool result in the request only; the transcript keeps it", async (t) => {
  const llm = await startFakeAnthropic();
  const home = await createTestHome({
    config: {
      models: {
        providers: {
          ant: {
            baseUrl: llm.baseUrl,
            api: "anthropic-messages",
            apiKey: "sk-ant-test",
            models: [{ id: "claude-test", contextWindow: 20_000 }],
          },
        },
      },
      agents: {
        defaults: {
          model: { primary: "ant/claude-test" },
          // Any earlier call counts as expired, so the next request is pruned.
          contextPruning: { mode: "cache-ttl", ttl: "1ms", keepLastAssistants: 2 },
        },
      },
    },
  });
  const workspace = path.join(home.stateDir, "workspace");
  await mkdir(workspace, { recursive: true });
  const log = `BEGIN-LOG\n${"heron sighted at the north marsh\n".repeat(1000)}END-LOG\n`; // ~33 KB
  await writeFile(path.join(workspace, "sightings.log"), log);
  llm.enqueue(
    { kind: "toolCalls", calls: [{ name: "read", arguments: { path: "sightings.log" } }] },
    { kind: "text", text: "Lots of herons." },
  );
  llm.setDefault({ kind: "text", text: "noted" });
  const { client } = await gatewayWithClient(t, { home }, llm);

  await chatTurn(client, "read my sightings log");
  const whole = toolResultTexts(llm.requests[1]!.body);
  assert.match(whole[0]!, /END-LOG/, "within the turn the result is sent whole");
  await chatTurn(client, "thanks");
  await chatTurn(client, "one more thing");

  const pruned = toolResultTexts(llm.requests.at(-1)!.body);
  assert.equal(pruned.length, 1);
  assert.match(pruned[0]!, /^"BEGIN-LOG/);
  assert.match(
    pruned[0]!,
    /\[Tool result trimmed: kept first 1500 chars and last 1500 chars of \d+ chars\.\]/,
  );
  assert.ok(pruned[0]!.length < 4000, "only head and tail are sent");

  const sessions = path.join(home.stateDir, "agents/main/sessions");
  const store = JSON.parse(await readFile(path.join(sessions, "sessions.json"), "utf8"));
  const transcript = await readFile(
    path.join(sessions, `${store["agent:main:main"].sessionId}.jsonl`),
    "utf8",
  );
  assert.ok(transcript.includes("END-LOG"), "the transcript on disk is unchanged");
  assert.doesNotMatch(transcript, /Tool result trimmed/);
});

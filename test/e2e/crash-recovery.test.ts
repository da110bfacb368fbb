import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { SYNTHETIC_TOOL_RESULT_TEXT } from "../../src/sessions/history.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { chatTurn } from "../harness/events.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { gatewayWithClient, spawnGateway } from "../harness/gateway.ts";

function config(baseUrl: string) {
  return { ...fakeModelConfig(baseUrl), tools: { exec: { security: "full", ask: "off" } } };
}

/** Resolves once `file` holds a complete line (written by the command the model started). */
async function waitForLine(file: string, timeoutMs = 20_000): Promise<string> {
  // Polled: the file is written by a shell the gateway spawned, and no event tells us when.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(file, "utf8").catch(() => "");
    if (text.endsWith("\n")) return text;
    if (Date.now() > deadline) throw new Error(`${file} never got a line`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

interface WireMessage {
  role: string;
  content: unknown;
  tool_calls?: { id: string; function: { name: string } }[];
  tool_call_id?: string;
}

/** Every assistant tool call is answered by the tool messages right after it, in order. */
function assertPaired(messages: WireMessage[]): void {
  messages.forEach((m, i) => {
    if (m.role !== "assistant" || !m.tool_calls?.length) return;
    const answers = messages.slice(i + 1, i + 1 + m.tool_calls.length);
    assert.deepEqual(
      answers.map((a) => [a.role, a.tool_call_id]),
      m.tool_calls.map((c) => ["tool", c.id]),
      `tool calls at message ${i} are answered right after it`,
    );
  });
}

test("kill -9 while a tool runs: after a restart the next request pairs the call with an error result", async (t) => {
  const llm = await startFakeOpenAI();
  llm.enqueue({
    kind: "toolCalls",
    calls: [
      { id: "call_sleep", name: "exec", arguments: { command: "echo $$ > sleeper.pid; exec sleep 30" } },
    ],
  });
  llm.setDefault({ kind: "text", text: "back and listening" });
  const { gw, client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  const workspace = path.join(gw.home.stateDir, "workspace");

  const { runId } = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "sleep on it",
    idempotencyKey: "crash-1",
  });
  assert.ok(runId);
  const pid = Number((await waitForLine(path.join(workspace, "sleeper.pid"))).trim());
  client.close();
  await gw.kill9();
  try {
    process.kill(pid, "SIGKILL"); // the tool's shell outlives a gateway killed with -9
  } catch {
    // already gone with its parent
  }

  const sessions = path.join(gw.home.stateDir, "agents/main/sessions");
  const store = JSON.parse(await readFile(path.join(sessions, "sessions.json"), "utf8"));
  const file = path.join(sessions, `${store["agent:main:main"].sessionId}.jsonl`);
  const lastBefore = JSON.parse((await readFile(file, "utf8")).trim().split("\n").at(-1)!);
  assert.equal(lastBefore.message.role, "assistant", "the crash left the tool call without a result");

  const again = await spawnGateway({ home: gw.home });
  t.after(() => again.stop());
  const c2 = await again.connect();
  t.after(() => c2.close());
  const turn = await chatTurn(c2, "are you still there?");
  assert.equal(turn.state, "final");
  assert.equal(turn.text, "back and listening");

  const sent = llm.requests.at(-1)!.body.messages as WireMessage[];
  assertPaired(sent);
  const callAt = sent.findIndex((m) => m.tool_calls?.some((c) => c.id === "call_sleep"));
  assert.ok(callAt > 0, "the interrupted call is in the history");
  assert.equal(sent[callAt + 1]?.tool_call_id, "call_sleep");
  assert.match(String(sent[callAt + 1]?.content), /missing tool result in session history/);
  assert.equal(sent.at(-1)?.role, "user");
  assert.match(String(JSON.stringify(sent.at(-1)?.content)), /are you still there\?/);

  // The repair is on disk, so every later read sees the same history.
  const entries = (await readFile(file, "utf8"))
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  const repaired = entries.find(
    (e) => e.message?.role === "toolResult" && e.message.toolCallId === "call_sleep",
  );
  assert.equal(repaired?.message.isError, true);
  assert.equal(repaired?.message.content[0].text, SYNTHETIC_TOOL_RESULT_TEXT);
});

import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { collectEvents } from "../harness/events.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { fileExists, gatewayWithClient } from "../harness/gateway.ts";

function config(baseUrl: string, extra: Record<string, unknown> = {}) {
  return { ...fakeModelConfig(baseUrl), ...extra };
}

test("the model writes then reads a workspace file through the tools, as in the 2026.2.26 fixture", async (t) => {
  const llm = await startFakeOpenAI();
  const content = "# Heron log\n- Wendell, great blue heron, north marsh\n- two juveniles by the reeds\n";
  llm.enqueue(
    {
      kind: "toolCalls",
      calls: [{ id: "call_a1", name: "write", arguments: { path: "herons.md", content } }],
    },
    { kind: "toolCalls", calls: [{ id: "call_a2", name: "read", arguments: { path: "herons.md" } }] },
    { kind: "text", text: "I wrote herons.md and read it back." },
  );
  const { gw, client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  const chat = collectEvents(client, "chat");
  const tools = collectEvents(client, "agent");
  const run = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "log my herons",
    idempotencyKey: "t1",
  });
  const final = await chat.until(
    (p) => p["runId"] === run.runId && (p["state"] === "final" || p["state"] === "error"),
  );
  assert.equal(final["state"], "final", String(final["errorMessage"]));

  assert.equal(await readFile(path.join(gw.home.stateDir, "workspace", "herons.md"), "utf8"), content);
  const offered = (llm.requests[0]!.body.tools as { function: { name: string } }[]).map(
    (x) => x.function.name,
  );
  assert.deepEqual(offered.sort(), ["edit", "exec", "process", "read", "write"], "apply_patch is opt-in");
  const toolResults = (llm.requests[2]!.body.messages as { role: string; content: string }[]).filter(
    (m) => m.role === "tool",
  );
  assert.deepEqual(
    toolResults.map((m) => m.content),
    ["Successfully wrote 82 bytes to herons.md", content],
  );
  const phases = tools.seen
    .map((e) => e.payload as { stream: string; data: { phase?: string; name?: string } })
    .filter((p) => p.stream === "tool")
    .map((p) => `${p.data.phase}:${p.data.name}`);
  assert.deepEqual(phases, ["start:write", "end:write", "start:read", "end:read"]);
  const history = await client.request<{ messages: { role: string }[] }>("chat.history", {
    sessionKey: "main",
  });
  assert.deepEqual(
    history.messages.map((m) => m.role),
    ["user", "assistant", "toolResult", "assistant", "toolResult", "assistant"],
  );
});

test("a path outside the workspace is refused, and a denied tool is never offered", async (t) => {
  const llm = await startFakeOpenAI();
  llm.enqueue(
    { kind: "toolCalls", calls: [{ name: "write", arguments: { path: "../escape.txt", content: "x" } }] },
    { kind: "text", text: "could not" },
  );
  const { gw, client } = await gatewayWithClient(
    t,
    { config: config(llm.baseUrl, { tools: { deny: ["edit"] } }) },
    llm,
  );
  const chat = collectEvents(client, "chat");
  const run = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "escape",
    idempotencyKey: "t2",
  });
  await chat.until((p) => p["runId"] === run.runId && p["state"] === "final");
  assert.equal(await fileExists(path.join(gw.home.stateDir, "escape.txt")), false);
  const result = (llm.requests[1]!.body.messages as { role: string; content: string }[]).find(
    (m) => m.role === "tool",
  );
  assert.match(String(result?.content), /outside the workspace/i);
  const offered = (llm.requests[0]!.body.tools as { function: { name: string } }[]).map(
    (x) => x.function.name,
  );
  assert.deepEqual(offered.sort(), ["exec", "process", "read", "write"]);
});

import assert from "node:assert/strict";
import { test } from "node:test";
import type { ResolvedModel } from "../../src/models/catalog.ts";
import { streamModel } from "../../src/models/stream.ts";

const MODEL = {
  id: "llama3",
  name: "llama3",
  api: "ollama",
  provider: "local",
  baseUrl: "http://127.0.0.1:11434",
  reasoning: false,
  input: ["text"],
  cost: { input: 0, output: 0, cacheRead: 0, cacheWrite: 0 },
  contextWindow: 8192,
  maxTokens: 4096,
} as ResolvedModel;

test("an API we cannot drive fails inside the stream, never as a throw", async () => {
  const stream = await streamModel(
    MODEL,
    { systemPrompt: "s", messages: [{ role: "user", content: "hi", timestamp: 1 }] },
    { apiKey: "k", signal: new AbortController().signal },
  );
  const events = [];
  for await (const ev of stream) events.push(ev.type);
  assert.deepEqual(events, ["error"]);
  const final = await stream.result();
  assert.equal(final.stopReason, "error");
  assert.equal(final.errorMessage, 'model API "ollama" is not supported (provider local)');
  assert.deepEqual([final.provider, final.model, final.api], ["local", "llama3", "ollama"]);
  assert.deepEqual(final.content, []);
});

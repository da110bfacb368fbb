/**
 * The lean-prompt figures (agent-runtime issue): bytes of the first model request of a default
 * agent on a fresh workspace, and whether the system prompt plus tool list stay byte-identical from
 * one turn of a session to the next (so provider prompt caches hit). Prints, asserts nothing.
 */
import { startFakeOpenAI } from "../test/fakes/openai.ts";
import { collectEvents } from "../test/harness/events.ts";
import { spawnGateway } from "../test/harness/gateway.ts";

const llm = await startFakeOpenAI({ reply: "ok" });
const gw = await spawnGateway({
  config: {
    models: {
      providers: {
        fake: { baseUrl: llm.baseUrl, api: "openai-completions", apiKey: "sk-bench", models: [{ id: "m1" }] },
      },
    },
    agents: { defaults: { model: { primary: "fake/m1" } } },
  },
});
const client = await gw.connect();
const chat = collectEvents(client, "chat");
for (const [i, text] of ["hello", "and again"].entries()) {
  const run = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: text,
    idempotencyKey: `p${i}`,
  });
  await chat.until((p) => p["runId"] === run.runId && p["state"] === "final");
}
const [first, second] = llm.requests;
if (!first || !second) throw new Error("the fake saw fewer than two requests");
const bytes = Buffer.byteLength(JSON.stringify(first.body));
const stable = (r: typeof first) =>
  JSON.stringify([(r.body.messages as { role: string }[])[0], r.body.tools]);
console.log(`first model request of a default agent: ${(bytes / 1024).toFixed(1)} KB (target ≤ 20 KB)`);
console.log(
  `system prompt + tools identical between turns: ${stable(first) === stable(second) ? "yes" : "no"}`,
);
client.close();
await gw.stop();
await gw.home.cleanup();
await llm.close();

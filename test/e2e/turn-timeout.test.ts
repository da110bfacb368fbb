import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { chatTurn } from "../harness/events.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { gatewayWithClient } from "../harness/gateway.ts";

test("a turn running past agents.defaults.timeoutSeconds is stopped and reported; the session goes on", async (t) => {
  const llm = await startFakeOpenAI();
  llm.enqueue({ kind: "hang" });
  llm.setDefault({ kind: "text", text: "awake now" });
  const { gw, client } = await gatewayWithClient(
    t,
    {
      config: fakeModelConfig(llm.baseUrl, { defaults: { timeoutSeconds: 1 } }),
    },
    llm,
  );

  const stuck = await chatTurn(client, "are you there?");
  assert.equal(stuck.state, "error");
  assert.equal(
    stuck.payload["errorMessage"],
    "fake/m1: the model did not answer in time; the run was stopped after 1 s (agents.defaults.timeoutSeconds).",
  );
  const store = JSON.parse(
    await readFile(path.join(gw.home.stateDir, "agents/main/sessions/sessions.json"), "utf8"),
  );
  assert.equal(store["agent:main:main"].abortedLastRun, false, "a timeout is not a user abort");

  const next = await chatTurn(client, "and now?");
  assert.equal(next.state, "final");
  assert.equal(next.text, "awake now");
  assert.doesNotMatch(JSON.stringify(llm.requests.at(-1)?.body.messages), /previous agent run was aborted/);
});

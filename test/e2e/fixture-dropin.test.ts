import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { readdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { collectEvents } from "../harness/events.ts";
import {
  copyFixtureState,
  createTestHome,
  disposeGateway,
  FIXTURE_STATE,
  spawnGateway,
} from "../harness/gateway.ts";

const MAIN_SESSION = "ea0d621f-c8b6-4090-8907-4237a0da586e";
const NOTES_SESSION = "4081804e-9494-41be-8ad1-2e460af615db";

async function hashTree(
  dir: string,
  base = dir,
  out = new Map<string, string>(),
): Promise<Map<string, string>> {
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) await hashTree(p, base, out);
    else
      out.set(
        path.relative(base, p),
        createHash("sha256")
          .update(await readFile(p))
          .digest("hex"),
      );
  }
  return out;
}

/**
 * Drop-in on a real installation: a state dir written by OpenClaw 2026.2.26 (see the fixture's
 * README) is read and continued, and nothing the turn had no reason to touch changes.
 */
test("an OpenClaw 2026.2.26 state dir is read and continued in place", async (t) => {
  const llm = await startFakeOpenAI();
  llm.setDefault({ kind: "text", text: "Wendell is still your favourite heron." });
  const home = await createTestHome();
  const fakePort = new URL(llm.baseUrl).port;
  await copyFixtureState(home.home, { "127.0.0.1:41881": `127.0.0.1:${fakePort}` });
  // The fixture's sessions were last used on 2026-11-25; sessions reset daily at 04:00, so a run
  // on a later day would rightly start them over. Make them "used today" to test continuation.
  for (const agent of ["main", "work"]) {
    const file = path.join(home.stateDir, "agents", agent, "sessions/sessions.json");
    const store = JSON.parse(await readFile(file, "utf8")) as Record<string, { updatedAt: number }>;
    for (const entry of Object.values(store)) entry.updatedAt = Date.now();
    await writeFile(file, JSON.stringify(store, null, 2));
  }
  const before = await hashTree(home.stateDir);
  const mainTranscript = path.join(home.stateDir, "agents/main/sessions", `${MAIN_SESSION}.jsonl`);
  const transcriptBefore = await readFile(mainTranscript, "utf8");

  const gw = await spawnGateway({ home, env: { OPENCLAW_GATEWAY_TOKEN: "unused" } });
  t.after(async () => {
    await disposeGateway(gw);
    await llm.close();
  });
  assert.doesNotMatch(gw.output(), /WARN|ERROR|unknown key/, "starts without complaint");
  const client = await gw.connect({ token: "fixture-a-gateway-token" });
  t.after(() => client.close());

  const list = await client.request<{ sessions: { key: string; sessionId: string }[] }>("sessions.list", {});
  assert.deepEqual(list.sessions.map((s) => s.key).sort(), [
    "agent:main:heron-notes",
    "agent:main:main",
    "agent:work:main",
  ]);

  const history = await client.request<{
    messages: { role: string; stopReason?: string; content: unknown[] }[];
  }>("chat.history", {
    sessionKey: "agent:main:main",
  });
  assert.equal(history.messages.length, 13);
  assert.equal(history.messages.filter((m) => m.role === "assistant" && m.stopReason === "error").length, 4);
  const notes = await client.request<{
    messages: { role: string; content: { type: string; name?: string }[] }[];
  }>("chat.history", {
    sessionKey: "agent:main:heron-notes",
  });
  assert.deepEqual(
    notes.messages.map((m) => m.role),
    ["user", "assistant", "toolResult", "assistant", "toolResult", "assistant"],
  );
  assert.equal(notes.messages[1]?.content[0]?.type, "toolCall");
  assert.equal(notes.messages[1]?.content[0]?.name, "write");

  const chat = collectEvents(client, "chat");
  const ack = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "agent:main:main",
    message: "What is my favourite heron called?",
    idempotencyKey: "fixture-turn-1",
  });
  await chat.until((p) => p["runId"] === ack.runId && p["state"] === "final");

  const req = llm.requests.at(-1)!;
  assert.equal(req.apiKey, "sk-fixture-a", "the configured auth profile's key is used");
  const sent = req.body.messages as { role: string; content: unknown }[];
  const sentText = JSON.stringify(sent);
  assert.match(sentText, /my favourite blue heron is called Wendell/, "the earlier conversation is sent");
  assert.match(sentText, /How tall does a great blue heron get/);
  assert.doesNotMatch(sentText, /Rate limit exceeded/, "failed attempts are not replayed to the model");
  assert.match(sentText, /What is my favourite heron called\?/);

  const transcriptAfter = await readFile(mainTranscript, "utf8");
  assert.ok(transcriptAfter.startsWith(transcriptBefore), "the turn appends to the same transcript file");
  const added = transcriptAfter
    .slice(transcriptBefore.length)
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    added.map((e) => [e.type, e.message?.role]),
    [
      ["message", "user"],
      ["message", "assistant"],
    ],
  );
  assert.equal(added[0].parentId, "61a87f06", "the new turn continues the fixture's branch");
  assert.equal(added[1].parentId, added[0].id);
  assert.equal(added[1].message.content[0].text, "Wendell is still your favourite heron.");

  await gw.stop();
  const after = await hashTree(home.stateDir);
  const changed = [...after]
    .filter(([f, h]) => before.get(f) !== h)
    .map(([f]) => f)
    .sort();
  assert.deepEqual(changed, [
    "agents/main/agent/auth-profiles.json",
    "agents/main/sessions/ea0d621f-c8b6-4090-8907-4237a0da586e.jsonl",
    "agents/main/sessions/sessions.json",
  ]);
  // The auth store records the use of the profile (as 2026.2.26's markAuthProfileUsed does) and
  // nothing else: profiles and the other profile's stats are as they were.
  const fixtureAuth = JSON.parse(
    await readFile(path.join(FIXTURE_STATE, "agents/main/agent/auth-profiles.json"), "utf8"),
  );
  const auth = JSON.parse(
    await readFile(path.join(home.stateDir, "agents/main/agent/auth-profiles.json"), "utf8"),
  );
  assert.deepEqual(auth.profiles, fixtureAuth.profiles);
  assert.deepEqual(auth.usageStats["fixture:b"], fixtureAuth.usageStats["fixture:b"]);
  assert.equal(auth.usageStats["fixture:a"].errorCount, 0);
  assert.equal(auth.usageStats["fixture:a"].cooldownUntil, undefined, "success clears the expired cooldown");
  assert.ok(auth.usageStats["fixture:a"].lastUsed > fixtureAuth.usageStats["fixture:a"].lastUsed);
  assert.deepEqual(auth.lastGood, { fixture: "fixture:a" });
  const created = [...after.keys()].filter((f) => !before.has(f));
  assert.deepEqual(created, [], "no new files in the state dir");
  const store = JSON.parse(
    await readFile(path.join(home.stateDir, "agents/main/sessions/sessions.json"), "utf8"),
  );
  assert.equal(store["agent:main:main"].sessionId, MAIN_SESSION);
  assert.ok(store["agent:main:main"].skillsSnapshot, "fields we do not use survive the rewrite");
  assert.equal(store["agent:main:heron-notes"].sessionId, NOTES_SESSION);
});

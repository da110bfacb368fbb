import assert from "node:assert/strict";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import type { RecordedRequest } from "../fakes/http-server.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { chatTurn } from "../harness/events.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { gatewayWithClient, runCli } from "../harness/gateway.ts";

const isSummaryRequest = (req: RecordedRequest): boolean =>
  JSON.stringify(req.body).includes("You summarize a conversation");

function config(baseUrl: string) {
  return fakeModelConfig(baseUrl, { models: [{ id: "m1" }, { id: "m2" }] });
}

interface Preview {
  key: string;
  status: string;
  items: { role: string; text: string }[];
}

async function storeOf(stateDir: string): Promise<Record<string, Record<string, unknown>>> {
  return JSON.parse(await readFile(path.join(stateDir, "agents/main/sessions/sessions.json"), "utf8"));
}

test("sessions.preview, sessions.patch and sessions.compact over the protocol", async (t) => {
  const llm = await startFakeOpenAI();
  let answer = 0;
  llm.setDefault((req) => ({
    kind: "text",
    text: isSummaryRequest(req) ? "SUMMARY: herons." : `answer number ${++answer} with some extra words`,
  }));
  const { gw, client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  await chatTurn(client, "first question about herons");
  await chatTurn(client, "second question about egrets");
  await chatTurn(client, "third question about storks");

  const preview = await client.request<{ ts: number; previews: Preview[] }>("sessions.preview", {
    keys: ["main", "agent:main:nothing-here"],
    limit: 3,
    maxChars: 20,
  });
  const [main, missing] = preview.previews;
  assert.equal(main?.key, "main");
  assert.equal(main?.status, "ok");
  assert.deepEqual(
    main?.items.map((i) => i.role),
    ["assistant", "user", "assistant"],
  );
  assert.equal(main?.items[2]?.text, "answer number 3 wit…", "cut to maxChars (20, the ellipsis included)");
  assert.deepEqual(missing, { key: "agent:main:nothing-here", status: "missing", items: [] });
  await assert.rejects(client.request("sessions.preview", { keys: [] }), /keys/);

  // Overrides land on the session entry and steer the next turn.
  const patched = await client.request<{
    ok: boolean;
    key: string;
    entry: Record<string, unknown>;
    resolved: { modelProvider: string; model: string };
  }>("sessions.patch", { key: "main", label: "Birds", thinkingLevel: "high", model: "fake/m2" });
  assert.equal(patched.key, "agent:main:main");
  assert.deepEqual(patched.resolved, { modelProvider: "fake", model: "m2" });
  let entry = (await storeOf(gw.home.stateDir))["agent:main:main"]!;
  assert.equal(entry["label"], "Birds");
  assert.equal(entry["thinkingLevel"], "high");
  assert.equal(entry["modelOverride"], "m2");
  const before = llm.requests.length;
  await chatTurn(client, "fourth question");
  assert.equal(llm.requests[before]?.body.model, "m2");

  await assert.rejects(
    client.request("sessions.patch", { key: "main", thinkingLevel: "loud" }),
    /thinkingLevel/,
  );
  await assert.rejects(client.request("sessions.patch", { key: "main", colour: "red" }), /colour/);
  await assert.rejects(
    client.request("sessions.patch", { key: "agent:main:other", label: "Birds" }),
    /label already in use: Birds/,
  );
  await assert.rejects(
    client.request("sessions.patch", { key: "main", model: "nope/none" }),
    /nope\/none|Unknown model/,
  );
  const cleared = await client.request<{ resolved: { model: string } }>("sessions.patch", {
    key: "main",
    model: null,
    thinkingLevel: null,
  });
  assert.equal(cleared.resolved.model, "m1");
  entry = (await storeOf(gw.home.stateDir))["agent:main:main"]!;
  assert.equal("modelOverride" in entry, false);
  assert.equal("thinkingLevel" in entry, false);
  assert.equal(entry["label"], "Birds", "fields not named stay");

  const compacted = await client.request<Record<string, unknown>>("sessions.compact", { key: "main" });
  assert.equal(compacted["ok"], true);
  assert.equal(compacted["compacted"], true);
  assert.ok(llm.requests.some(isSummaryRequest), "the session's model wrote the summary");
  entry = (await storeOf(gw.home.stateDir))["agent:main:main"]!;
  assert.equal(entry["compactionCount"], 1);
  const lines = (await readFile(String(entry["sessionFile"]), "utf8")).trim().split("\n");
  assert.equal(JSON.parse(lines[0]!).type, "session", "the transcript keeps its header");
  assert.equal(JSON.parse(lines.at(-1)!).type, "compaction");
  assert.deepEqual(await client.request("sessions.compact", { key: "agent:main:nothing-here" }), {
    ok: true,
    key: "agent:main:nothing-here",
    compacted: false,
    reason: "no sessionId",
  });
});

test("`openclaw sessions` lists the store with --json and --active, with or without a gateway", async (t) => {
  const llm = await startFakeOpenAI({ reply: "fine" });
  const { gw, client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  await chatTurn(client, "hello");
  await gw.stop();

  // An old session beside the fresh one: idle for two hours.
  const storeFile = path.join(gw.home.stateDir, "agents/main/sessions/sessions.json");
  const store = await storeOf(gw.home.stateDir);
  store["agent:main:telegram:group:-100"] = {
    sessionId: "0b5a1a5e-0000-4000-8000-000000000001",
    updatedAt: Date.now() - 2 * 3_600_000,
    chatType: "group",
    inputTokens: 1200,
    outputTokens: 300,
    totalTokens: 1500,
    contextTokens: 200_000,
  };
  await writeFile(storeFile, JSON.stringify(store, null, 2));

  const all = await runCli(["sessions", "--json"], gw.home.env);
  assert.equal(all.code, 0, all.stderr);
  const listed = JSON.parse(all.stdout) as {
    path: string;
    count: number;
    activeMinutes: number | null;
    sessions: { key: string; kind: string; model: string; totalTokens?: number; ageMs: number }[];
  };
  assert.equal(listed.path, storeFile);
  assert.equal(listed.count, 2);
  assert.equal(listed.activeMinutes, null);
  assert.deepEqual(
    listed.sessions.map((s) => [s.key, s.kind]),
    [
      ["agent:main:main", "direct"],
      ["agent:main:telegram:group:-100", "group"],
    ],
    "newest first",
  );
  assert.equal(listed.sessions[0]?.model, "fake/m1");
  assert.equal(listed.sessions[1]?.totalTokens, 1500);

  const active = JSON.parse((await runCli(["sessions", "--active", "30", "--json"], gw.home.env)).stdout) as {
    count: number;
    activeMinutes: number;
    sessions: { key: string }[];
  };
  assert.equal(active.activeMinutes, 30);
  assert.deepEqual(
    active.sessions.map((s) => s.key),
    ["agent:main:main"],
  );

  const human = await runCli(["sessions"], gw.home.env);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, new RegExp(`^Session store: ${storeFile}\\nSessions listed: 2\\n`));
  assert.match(human.stdout, /Kind +Key +Age +Model +Tokens \(ctx %\)/);
  assert.match(human.stdout, /group +agent:main:telegram:group:-100 +2h ago +fake\/m1 +1\.5k\/200k \(1%\)/);

  const bad = await runCli(["sessions", "--active", "soon"], gw.home.env);
  assert.equal(bad.code, 1);
  assert.match(bad.stderr, /--active must be a positive number of minutes/);
  const unknown = await runCli(["sessions", "--agent", "ghost"], gw.home.env);
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /Unknown agent "ghost"/);
});

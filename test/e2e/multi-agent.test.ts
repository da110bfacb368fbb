import assert from "node:assert/strict";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import type { RecordedRequest } from "../fakes/http-server.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { type FakeTelegram, startFakeTelegram } from "../fakes/telegram.ts";
import { createTestHome, disposeGateway, runCli, spawnGateway, type TestHome } from "../harness/gateway.ts";

type FakeLlm = Awaited<ReturnType<typeof startFakeOpenAI>>;

/** Two agents: `main` (default, model m1) and `work` (model m2), each with its own workspace. */
function twoAgents(llm: FakeLlm, tg?: FakeTelegram) {
  return {
    models: {
      providers: {
        fake: {
          baseUrl: llm.baseUrl,
          api: "openai-completions",
          apiKey: "sk-test-key",
          models: [
            { id: "m1", name: "Fake M1" },
            { id: "m2", name: "Fake M2" },
          ],
        },
      },
    },
    agents: {
      defaults: { model: { primary: "fake/m1" } },
      list: [
        { id: "main", workspace: "~/ws-main" },
        {
          id: "work",
          workspace: "~/ws-work",
          model: "fake/m2",
          groupChat: { mentionPatterns: ["\\bworky\\b"] },
        },
      ],
    },
    bindings: [
      { agentId: "work", match: { channel: "telegram", peer: { kind: "direct", id: "77" } } },
      { agentId: "work", match: { channel: "telegram", peer: { kind: "group", id: "-100900" } } },
    ],
    ...(tg
      ? {
          channels: {
            telegram: {
              botToken: tg.token,
              apiRoot: tg.apiRoot,
              dmPolicy: "allowlist",
              allowFrom: ["42", "77"],
              groupPolicy: "open",
            },
          },
        }
      : {}),
  };
}

/** Each workspace says who it belongs to, so the prompt shows which one a turn used. */
async function seedWorkspaces(home: TestHome): Promise<void> {
  for (const id of ["main", "work"]) {
    const dir = path.join(home.home, `ws-${id}`);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "AGENTS.md"), `# Rules\nWORKSPACE-MARKER-${id.toUpperCase()}\n`);
  }
}

function requestText(r: RecordedRequest): string {
  return JSON.stringify(r.body);
}

async function readStore(home: TestHome, agentId: string): Promise<Record<string, unknown>> {
  const file = path.join(home.stateDir, "agents", agentId, "sessions", "sessions.json");
  return JSON.parse(await readFile(file, "utf8")) as Record<string, unknown>;
}

test("two agents bound to different Telegram peers each answer from their own workspace, model and sessions", async (t) => {
  const tg = await startFakeTelegram();
  const llm = await startFakeOpenAI({ reply: "ok" });
  const home = await createTestHome({ config: twoAgents(llm, tg) });
  await seedWorkspaces(home);
  const gw = await spawnGateway({ home });
  t.after(async () => {
    await disposeGateway(gw);
    await Promise.all([tg.close(), llm.close()]);
  });

  llm.enqueue({ kind: "text", text: "main here" });
  tg.userSends({ fromId: 42, chatId: 42, text: "who are you?" });
  assert.equal((await tg.nextBotMessage({ chatId: 42 })).text, "main here");
  const mainReq = await llm.nextRequest();
  assert.equal(mainReq.body.model, "m1");
  assert.match(requestText(mainReq), /WORKSPACE-MARKER-MAIN/);
  assert.doesNotMatch(requestText(mainReq), /WORKSPACE-MARKER-WORK/);
  assert.match(requestText(mainReq), /agent=main/);

  llm.enqueue({ kind: "text", text: "work here" });
  tg.userSends({ fromId: 77, chatId: 77, text: "who are you?" });
  assert.equal((await tg.nextBotMessage({ chatId: 77 })).text, "work here");
  const workReq = await llm.nextRequest();
  assert.equal(workReq.body.model, "m2", "the work agent's own model");
  assert.match(requestText(workReq), /WORKSPACE-MARKER-WORK/);
  assert.doesNotMatch(requestText(workReq), /WORKSPACE-MARKER-MAIN/);
  assert.match(requestText(workReq), /agent=work/);
  assert.doesNotMatch(requestText(workReq), /who are you\?.*who are you\?/, "no history from main's session");

  // The group bound to `work` passes mention gating with work's own pattern (main has none).
  llm.enqueue({ kind: "text", text: "group answer" });
  tg.userSends({ fromId: 42, chatId: -100900, chatType: "supergroup", text: "hey worky, status?" });
  assert.equal((await tg.nextBotMessage({ chatId: -100900 })).text, "group answer");
  assert.match(requestText(await llm.nextRequest()), /WORKSPACE-MARKER-WORK/);

  const mainStore = await readStore(home, "main");
  const workStore = await readStore(home, "work");
  assert.deepEqual(Object.keys(mainStore), ["agent:main:main"]);
  assert.deepEqual(Object.keys(workStore).sort(), ["agent:work:main", "agent:work:telegram:group:-100900"]);

  const listed = await gw.cli(["sessions", "--all-agents", "--json"]);
  assert.equal(listed.code, 0, listed.stderr);
  const all = JSON.parse(listed.stdout) as {
    allAgents: boolean;
    count: number;
    sessions: { key: string; agentId: string; kind: string; model: string }[];
  };
  assert.equal(all.allAgents, true);
  assert.equal(all.count, 3);
  const byKey = Object.fromEntries(all.sessions.map((s) => [s.key, s]));
  assert.equal(byKey["agent:main:main"]?.agentId, "main");
  assert.equal(byKey["agent:main:main"]?.model, "fake/m1");
  assert.equal(byKey["agent:work:main"]?.model, "fake/m2");
  assert.equal(byKey["agent:work:telegram:group:-100900"]?.kind, "group");

  const workOnly = JSON.parse((await gw.cli(["sessions", "--agent", "work", "--json"])).stdout) as {
    path: string;
    sessions: { key: string }[];
  };
  assert.equal(workOnly.path, path.join(home.stateDir, "agents/work/sessions/sessions.json"));
  assert.deepEqual(workOnly.sessions.map((s) => s.key).sort(), [
    "agent:work:main",
    "agent:work:telegram:group:-100900",
  ]);
});

test("`openclaw agent --agent work` runs in work's session and workspace, through the gateway and --local", async (t) => {
  const llm = await startFakeOpenAI({ reply: "from work" });
  const home = await createTestHome({ config: twoAgents(llm) });
  await seedWorkspaces(home);
  const gw = await spawnGateway({ home });
  t.after(async () => {
    await disposeGateway(gw);
    await llm.close();
  });

  const viaGateway = await gw.cli(["agent", "--agent", "work", "--message", "hello", "--json"]);
  assert.equal(viaGateway.code, 0, viaGateway.stderr);
  assert.equal((JSON.parse(viaGateway.stdout) as { reply: string }).reply, "from work");
  const first = await llm.nextRequest();
  assert.equal(first.body.model, "m2");
  assert.match(requestText(first), /WORKSPACE-MARKER-WORK/);
  assert.ok("agent:work:main" in (await readStore(home, "work")));

  const typoGw = await gw.cli(["agent", "--agent", "wrok", "--message", "hi"]);
  assert.notEqual(typoGw.code, 0, "an unknown agent id never creates that agent's sessions");
  assert.match(typoGw.stderr, /Unknown agent "wrok"\. Agents: main, work/);

  await gw.stop();
  const local = await runCli(["agent", "--local", "--agent", "work", "--message", "again"], home.env);
  assert.equal(local.code, 0, local.stderr);
  assert.equal(local.stdout, "from work\n");
  const second = await llm.nextRequest();
  assert.equal(second.body.model, "m2");
  assert.match(requestText(second), /WORKSPACE-MARKER-WORK/);
  assert.match(requestText(second), /hello/, "the same session: the earlier turn is in the history");

  const typo = await runCli(["agent", "--local", "--agent", "wrok", "--message", "hi"], home.env);
  assert.equal(typo.code, 1);
  assert.match(typo.stderr, /Unknown agent "wrok"\. Agents: main, work/);
});

test("agents add, list and delete (--json) edit the config and the agent's files", async (t) => {
  const home = await createTestHome({
    config: { agents: { defaults: { model: "anthropic/claude-opus-4-6" } } },
  });
  t.after(() => home.cleanup());
  const cli = (args: string[]) => runCli(args, home.env);

  const added = await cli([
    "agents",
    "add",
    "Work",
    "--workspace",
    "~/ws-work",
    "--model",
    "openai/gpt-5",
    "--bind",
    "telegram:ops",
    "--json",
  ]);
  assert.equal(added.code, 0, added.stderr);
  const workspace = path.join(home.home, "ws-work");
  const agentDir = path.join(home.stateDir, "agents/work/agent");
  assert.deepEqual(JSON.parse(added.stdout), {
    agentId: "work",
    name: "Work",
    workspace,
    agentDir,
    model: "openai/gpt-5",
    bindings: { added: ["telegram accountId=ops"], skipped: [], conflicts: [] },
  });
  const cfg = JSON.parse(await readFile(home.configPath, "utf8"));
  // The implicit default agent is listed first so that it stays the default.
  assert.deepEqual(cfg.agents.list, [
    { id: "main" },
    { id: "work", name: "Work", workspace, agentDir, model: "openai/gpt-5" },
  ]);
  assert.deepEqual(cfg.bindings, [{ agentId: "work", match: { channel: "telegram", accountId: "ops" } }]);
  assert.match(await readFile(path.join(workspace, "AGENTS.md"), "utf8"), /\S/, "workspace seeded");

  const again = await cli(["agents", "add", "work", "--workspace", "~/elsewhere"]);
  assert.equal(again.code, 1);
  assert.match(again.stderr, /Agent "work" already exists\./);
  const reserved = await cli(["agents", "add", "main", "--workspace", "~/x"]);
  assert.equal(reserved.code, 1);
  assert.match(reserved.stderr, /"main" is reserved/);
  const badBind = await cli(["agents", "add", "ops", "--bind", "nochannel"]);
  assert.equal(badBind.code, 1);
  assert.match(badBind.stderr, /Unknown channel "nochannel"/);

  await writeFile(
    path.join(workspace, "IDENTITY.md"),
    "# IDENTITY.md\n\n- **Name:** Worky\n- **Emoji:** 🛠️\n",
  );
  const list = await cli(["agents", "list", "--json", "--bindings"]);
  assert.equal(list.code, 0, list.stderr);
  const agents = JSON.parse(list.stdout) as {
    id: string;
    isDefault: boolean;
    model?: string;
    bindings: number;
    bindingDetails?: string[];
    identityName?: string;
    identityEmoji?: string;
    identitySource?: string;
  }[];
  assert.deepEqual(
    agents.map((a) => [a.id, a.isDefault, a.model, a.bindings]),
    [
      ["main", true, "anthropic/claude-opus-4-6", 0],
      ["work", false, "openai/gpt-5", 1],
    ],
  );
  assert.deepEqual(agents[1]?.bindingDetails, ["telegram accountId=ops"]);
  assert.deepEqual(
    [agents[1]?.identityName, agents[1]?.identityEmoji, agents[1]?.identitySource],
    ["Worky", "🛠️", "identity"],
  );
  const human = await cli(["agents", "list"]);
  assert.match(human.stdout, /^Agents:\n- main \(default\)\n/);
  assert.match(human.stdout, /- work \(Work\)\n {2}Identity: 🛠️ Worky \(IDENTITY\.md\)\n {2}Workspace: /);

  const noMain = await cli(["agents", "delete", "main", "--force"]);
  assert.equal(noMain.code, 1);
  assert.match(noMain.stderr, /"main" cannot be deleted\./);
  const noForce = await cli(["agents", "delete", "work"]);
  assert.equal(noForce.code, 1);
  assert.match(noForce.stderr, /Non-interactive session\. Re-run with --force\./);

  const deleted = await cli(["agents", "delete", "work", "--force", "--json"]);
  assert.equal(deleted.code, 0, deleted.stderr);
  const out = JSON.parse(deleted.stdout) as Record<string, unknown>;
  assert.equal(out["agentId"], "work");
  assert.equal(out["removedBindings"], 1);
  assert.deepEqual(out["trashed"], [workspace, agentDir, path.join(home.stateDir, "agents/work/sessions")]);
  const after = JSON.parse(await readFile(home.configPath, "utf8"));
  assert.deepEqual(after.agents.list, [{ id: "main" }]);
  assert.equal(after.bindings, undefined);
  // The files went to the user's Trash (freedesktop.org layout), not into oblivion.
  const trash = path.join(home.home, ".local/share/Trash");
  assert.match(await readFile(path.join(trash, "files/ws-work/AGENTS.md"), "utf8"), /\S/);
  assert.match(
    await readFile(path.join(trash, "info/ws-work.trashinfo"), "utf8"),
    new RegExp(`Path=${workspace}\\n`),
  );
  const missing = await cli(["agents", "delete", "work", "--force"]);
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /Agent "work" not found\./);
});

test("agents bind upgrades a channel binding to an account, bindings lists, unbind removes", async (t) => {
  const home = await createTestHome({
    config: {
      agents: { list: [{ id: "main" }, { id: "work" }] },
      bindings: [{ agentId: "main", match: { channel: "discord", accountId: "*" } }],
    },
  });
  t.after(() => home.cleanup());
  const cli = (args: string[]) => runCli(args, home.env);
  const bindings = async () => JSON.parse(await readFile(home.configPath, "utf8")).bindings;

  const first = await cli(["agents", "bind", "--agent", "work", "--bind", "telegram", "--json"]);
  assert.equal(first.code, 0, first.stderr);
  assert.deepEqual(JSON.parse(first.stdout), {
    agentId: "work",
    added: ["telegram"],
    updated: [],
    skipped: [],
    conflicts: [],
  });
  const upgrade = await cli(["agents", "bind", "--agent", "work", "--bind", "telegram:ops", "--json"]);
  assert.deepEqual(JSON.parse(upgrade.stdout).updated, ["telegram accountId=ops"]);
  assert.deepEqual(await bindings(), [
    { agentId: "main", match: { channel: "discord", accountId: "*" } },
    { agentId: "work", match: { channel: "telegram", accountId: "ops" } },
  ]);
  const taken = await cli(["agents", "bind", "--agent", "work", "--bind", "discord:*"]);
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, /discord accountId=\* \(agent=main\)/);

  const listed = JSON.parse((await cli(["agents", "bindings", "--agent", "work", "--json"])).stdout);
  assert.deepEqual(listed, [
    {
      agentId: "work",
      match: { channel: "telegram", accountId: "ops" },
      description: "telegram accountId=ops",
    },
  ]);
  assert.equal(
    (await cli(["agents", "bindings"])).stdout,
    "Routing bindings:\n- main <- discord accountId=*\n- work <- telegram accountId=ops\n",
  );

  const both = await cli(["agents", "unbind", "--agent", "work", "--all", "--bind", "telegram:ops"]);
  assert.equal(both.code, 1);
  assert.match(both.stderr, /either --all or one or more --bind values, not both/);
  const removed = await cli(["agents", "unbind", "--agent", "work", "--bind", "telegram:ops", "--json"]);
  assert.deepEqual(JSON.parse(removed.stdout), {
    agentId: "work",
    removed: ["telegram accountId=ops"],
    missing: [],
    conflicts: [],
  });
  assert.deepEqual(await bindings(), [{ agentId: "main", match: { channel: "discord", accountId: "*" } }]);
  const all = await cli(["agents", "unbind", "--all", "--json"]);
  assert.deepEqual(JSON.parse(all.stdout).removed, ["discord accountId=*"]);
  assert.equal(await bindings(), undefined);
  const ghost = await cli(["agents", "bind", "--agent", "ghost", "--bind", "telegram"]);
  assert.match(ghost.stderr, /Agent "ghost" not found\./);
});

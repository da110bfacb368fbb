import assert from "node:assert/strict";
import { mkdir, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { chatTurn } from "../harness/events.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { createTestHome, gatewayWithClient } from "../harness/gateway.ts";

test("/context list, detail and json show what went into the system prompt, with sizes", async (t) => {
  const llm = await startFakeOpenAI({ reply: "ok" });
  const home = await createTestHome({
    config: {
      ...fakeModelConfig(llm.baseUrl, { defaults: { bootstrapMaxChars: 1000 } }),
      tools: { exec: { security: "full", ask: "off" } },
    },
  });
  const workspace = path.join(home.stateDir, "workspace");
  await mkdir(workspace, { recursive: true });
  await writeFile(path.join(workspace, "AGENTS.md"), `# Rules\n${"Count herons carefully. ".repeat(200)}`);
  await writeFile(path.join(workspace, "USER.md"), "Ada, birder.\n");
  const { client } = await gatewayWithClient(t, { home }, llm);

  const help = await chatTurn(client, "/context");
  assert.match(help.text, /^🧠 \/context/);
  assert.match(help.text, /\/context detail/);
  const early = await chatTurn(client, "/context list");
  assert.match(early.text, /No context report yet/);

  await chatTurn(client, "hello");
  const list = (await chatTurn(client, "/context list")).text;
  assert.match(list, /^🧠 Context breakdown\n/);
  assert.match(list, new RegExp(`Workspace: ${workspace.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}`));
  assert.match(list, /Bootstrap max\/file: 1,000 chars/);
  assert.match(list, /- AGENTS\.md: TRUNCATED \| raw 4,807 chars \(~1,202 tok\) \| injected \d[\d,]* chars/);
  assert.match(list, /- USER\.md: OK \| raw 12 chars \(~3 tok\) \| injected 12 chars \(~3 tok\)/);
  assert.match(list, /System prompt \(run\): [\d,]+ chars \(~[\d,]+ tok\) \(Project Context [\d,]+ chars/);
  assert.match(list, /Tool list \(system prompt text\): [1-9][\d,]* chars/);
  assert.match(list, /Tool schemas \(JSON\): [1-9][\d,]* chars/);
  assert.match(list, /Tools: .*\bexec\b/);
  assert.match(list, /Session tokens \(cached\): [\d,]+ total \/ ctx=\d+/);
  assert.doesNotMatch(list, /Top tools/);

  const detail = (await chatTurn(client, "/context detail")).text;
  assert.match(detail, /^🧠 Context breakdown \(detailed\)/);
  assert.match(detail, /Top tools \(schema size\):\n- \w+: [1-9][\d,]* chars/);
  assert.match(detail, /Tools \(param count\):[\s\S]*- exec: [1-9]\d* params/);

  const json = JSON.parse((await chatTurn(client, "/context json")).text);
  const exec = json.report.tools.entries.find((e: { name: string }) => e.name === "exec");
  assert.ok(exec.schemaChars > 0 && exec.summaryChars > 0 && exec.propertiesCount > 0);
  assert.equal(json.report.source, "run");
  const agents = json.report.injectedWorkspaceFiles.find((f: { name: string }) => f.name === "AGENTS.md");
  assert.deepEqual([agents.rawChars, agents.truncated], [4807, true]);
  assert.equal(llm.requests.length, 1, "only the normal message reached the model");
});

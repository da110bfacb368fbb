import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { test } from "node:test";
import type { RecordedRequest } from "../fakes/http-server.ts";
import { startFakeOpenAI } from "../fakes/openai.ts";
import { chatTurn, collectEvents } from "../harness/events.ts";
import { fakeModelConfig } from "../harness/fake-model.ts";
import { createTestHome, fileExists, gatewayWithClient } from "../harness/gateway.ts";

function config(baseUrl: string, exec: Record<string, unknown> = {}) {
  return { ...fakeModelConfig(baseUrl), tools: { exec } };
}

/** Tool results the model was sent in one request, in order. */
function toolResults(req: RecordedRequest | undefined): string[] {
  return ((req?.body.messages ?? []) as { role: string; content: string }[])
    .filter((m) => m.role === "tool")
    .map((m) => String(m.content));
}

/** Resolves once `file` exists with a complete last line (written by a command we started). */
async function waitForLine(file: string, timeoutMs = 20_000): Promise<string> {
  // Polled: a watcher started after a first read misses a write landing between the two.
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(file, "utf8").catch(() => "");
    if (text.endsWith("\n")) return text;
    if (Date.now() > deadline) throw new Error(`${file} never got a line`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * Whether a process is still running. A killed process whose parent already exited stays a
 * zombie until init reaps it; that counts as gone.
 */
function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false; // gone between the two checks
  }
}

test("write, read, then exec in the workspace: exec and process are offered and run there", async (t) => {
  const llm = await startFakeOpenAI();
  llm.enqueue(
    {
      kind: "toolCalls",
      calls: [{ name: "write", arguments: { path: "birds.txt", content: "heron\negret\n" } }],
    },
    { kind: "toolCalls", calls: [{ name: "read", arguments: { path: "birds.txt" } }] },
    {
      kind: "toolCalls",
      calls: [{ name: "exec", arguments: { command: "pwd && sort -r birds.txt | head -n 1" } }],
    },
    { kind: "text", text: "heron is last" },
  );
  const { gw, client } = await gatewayWithClient(
    t,
    { config: config(llm.baseUrl, { security: "full", ask: "off" }) },
    llm,
  );
  const turn = await chatTurn(client, "sort my birds");
  assert.equal(turn.state, "final");
  const offered = (llm.requests[0]!.body.tools as { function: { name: string } }[]).map(
    (x) => x.function.name,
  );
  assert.ok(offered.includes("exec") && offered.includes("process"), offered.join(","));
  assert.match(llm.requests[0]!.body.messages[0].content, /exec: /, "the system prompt lists exec");
  const workspace = path.join(gw.home.stateDir, "workspace");
  assert.deepEqual(toolResults(llm.requests[3]).slice(1), ["heron\negret\n", `${workspace}\nheron`]);
});

test("a command the approvals file denies is reported to the model and never runs", async (t) => {
  const home = await createTestHome();
  const llm = await startFakeOpenAI();
  await writeFile(
    path.join(home.stateDir, "exec-approvals.json"),
    JSON.stringify({ version: 1, defaults: { security: "deny" } }),
  );
  await writeFile(home.configPath, JSON.stringify(config(llm.baseUrl, { security: "full", ask: "off" })));
  llm.enqueue(
    { kind: "toolCalls", calls: [{ name: "exec", arguments: { command: "touch pwned.txt" } }] },
    { kind: "text", text: "it was refused" },
  );
  const { gw, client } = await gatewayWithClient(t, { home }, llm);
  const turn = await chatTurn(client, "touch it");
  assert.equal(turn.text, "it was refused");
  const [result] = toolResults(llm.requests[1]);
  assert.match(String(result), /Exec denied: .*security=deny.*The command was not run/);
  assert.equal(await fileExists(path.join(gw.home.stateDir, "workspace", "pwned.txt")), false);
});

test("approval-pending, then /approve allow-once runs exactly the approved command", async (t) => {
  const llm = await startFakeOpenAI();
  // Quotes, doubled spaces and a redirection: none of it may change between approval and run.
  const command = `printf '%s|' "a  b" 'c"d' > marker.txt; echo >> marker.txt`;
  llm.enqueue(
    { kind: "toolCalls", calls: [{ name: "exec", arguments: { command } }] },
    { kind: "text", text: "waiting for your approval" },
  );
  const { gw, client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  const requested = collectEvents(client, "exec.approval.requested");
  const resolved = collectEvents(client, "exec.approval.resolved");
  const turn = await chatTurn(client, "write the marker");
  assert.equal(turn.text, "waiting for your approval");
  const pending = JSON.parse(toolResults(llm.requests[1])[0]!);
  assert.equal(pending.status, "approval-pending");
  assert.equal(pending.command, command);
  assert.deepEqual(pending.argv.slice(1), ["-c", command]);
  const marker = path.join(gw.home.stateDir, "workspace", "marker.txt");
  assert.equal(await fileExists(marker), false, "nothing ran before the decision");
  const event = await requested.until((p) => p["id"] === pending.approvalId);
  assert.equal((event["request"] as { command: string }).command, command);

  const unknown = await chatTurn(client, "/approve nope allow-once");
  assert.match(unknown.text, /Unknown or expired approval id/);
  const approved = await chatTurn(client, `/approve ${pending.approvalId} allow-once`);
  assert.match(approved.text, /Approved \(allow-once\)/);
  assert.equal(await waitForLine(marker), 'a  b|c"d|\n');
  const done = await resolved.until((p) => p["id"] === pending.approvalId);
  assert.equal(done["decision"], "allow-once");
  assert.equal(llm.requests.length, 2, "the approval itself never calls the model");
  const again = await chatTurn(client, `/approve ${pending.approvalId} allow-once`);
  assert.match(again.text, /Unknown or expired/, "one approval, one run");
});

test("exec.approval.resolve over the protocol: deny runs nothing", async (t) => {
  const llm = await startFakeOpenAI();
  llm.enqueue(
    { kind: "toolCalls", calls: [{ name: "exec", arguments: { command: "touch denied.txt" } }] },
    { kind: "text", text: "asked" },
  );
  const { gw, client } = await gatewayWithClient(t, { config: config(llm.baseUrl) }, llm);
  await chatTurn(client, "touch it");
  const pending = JSON.parse(toolResults(llm.requests[1])[0]!);
  const out = await client.request<{ decision: string }>("exec.approval.resolve", {
    id: pending.approvalId,
    decision: "deny",
  });
  assert.equal(out.decision, "deny");
  await assert.rejects(
    client.request("exec.approval.resolve", { id: pending.approvalId, decision: "allow-once" }),
    /unknown or expired/,
  );
  assert.equal(await fileExists(path.join(gw.home.stateDir, "workspace", "denied.txt")), false);
});

test("a background exec is fed through process write and followed with poll until it ends", async (t) => {
  const llm = await startFakeOpenAI();
  llm.enqueue({
    kind: "toolCalls",
    calls: [
      {
        name: "exec",
        arguments: { command: 'echo started; read -r line; echo "got $line"', background: true },
      },
    ],
  });
  let sessionId = "";
  let polls = 0;
  // The model answers the job's prompt, polls (waiting for news) while it runs, then reads its log.
  llm.setDefault((req) => {
    const text = toolResults(req).at(-1) ?? "{}";
    const last = (text.startsWith("{") ? JSON.parse(text) : {}) as Record<string, string>;
    if (!sessionId) {
      sessionId = last["sessionId"] ?? "";
      return {
        kind: "toolCalls",
        calls: [{ name: "process", arguments: { action: "write", sessionId, data: "heron\n", eof: true } }],
      };
    }
    if (text.startsWith("[lines")) return { kind: "text", text: `job log: ${text}` };
    if (last["status"] === "completed")
      return { kind: "toolCalls", calls: [{ name: "process", arguments: { action: "log", sessionId } }] };
    polls++;
    return {
      kind: "toolCalls",
      calls: [{ name: "process", arguments: { action: "poll", sessionId, timeout: 30_000 } }],
    };
  });
  const { client } = await gatewayWithClient(
    t,
    { config: config(llm.baseUrl, { security: "full", ask: "off" }) },
    llm,
  );
  const turn = await chatTurn(client, "run it in the background");
  assert.equal(turn.text, "job log: [lines 1-2 of 2]\nstarted\ngot heron");
  assert.ok(polls <= 5, `a waiting poll returns on news, not on a timer (${polls} polls)`);
  const started = JSON.parse(toolResults(llm.requests[1])[0]!);
  assert.equal(started.status, "running");
  assert.equal(started.sessionId, sessionId);
  assert.match(toolResults(llm.requests[2]).at(-1)!, /^Wrote 6 bytes to session \w+ and closed stdin\.$/);
});

test("/stop during a long foreground exec kills the command and ends the run aborted", async (t) => {
  const llm = await startFakeOpenAI({ reply: "after" });
  llm.enqueue({
    kind: "toolCalls",
    calls: [{ name: "exec", arguments: { command: "echo $$ > fg.pid; exec sleep 60", yieldMs: 60_000 } }],
  });
  const { gw, client } = await gatewayWithClient(
    t,
    { config: config(llm.baseUrl, { security: "full", ask: "off" }) },
    llm,
  );
  const chat = collectEvents(client, "chat");
  const { runId } = await client.request<{ runId: string }>("chat.send", {
    sessionKey: "main",
    message: "sleep a minute",
    idempotencyKey: "long-1",
  });
  const pid = Number(await waitForLine(path.join(gw.home.stateDir, "workspace", "fg.pid")));
  assert.ok(pidAlive(pid));
  const stop = await chatTurn(client, "/stop");
  assert.equal(stop.text, "⚙️ Agent was aborted.");
  await chat.until((p) => p["runId"] === runId && p["state"] === "aborted");
  await client.request("agent.wait", { runId });
  assert.equal(pidAlive(pid), false, "the command's process is gone");
  await stat(path.join(gw.home.stateDir, "workspace", "fg.pid"));
});

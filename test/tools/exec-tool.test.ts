import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { createCoreTools } from "../../src/tools/core-tools.ts";
import { createExecRuntime, type ExecRuntime } from "../../src/tools/exec/exec-runtime.ts";
import type { ExecSettings } from "../../src/tools/exec/exec-settings.ts";
import { createExecTool } from "../../src/tools/exec/exec-tool.ts";
import { createProcessTool } from "../../src/tools/process/process-tool.ts";
import type { AgentTool, ToolResult } from "../../src/tools/types.ts";

const noopLog = {
  trace() {},
  debug() {},
  info() {},
  warn() {},
  error() {},
  fatal() {},
  child() {
    return noopLog;
  },
} as unknown as Parameters<typeof createExecRuntime>[0]["log"];

interface Rig {
  root: string;
  ws: string;
  stateDir: string;
  exec: AgentTool;
  process: AgentTool | undefined;
  runtime: ExecRuntime | undefined;
  events: { event: string; payload: Record<string, unknown> }[];
  /** Resolves with the first event (seen or coming) that matches. */
  nextEvent(
    pred: (e: { event: string; payload: Record<string, unknown> }) => boolean,
  ): Promise<Rig["events"][number]>;
}

function settings(over: Partial<ExecSettings> = {}): ExecSettings {
  return {
    host: undefined,
    security: "full",
    ask: "off",
    pathPrepend: [],
    safeBins: [],
    safeBinTrustedDirs: ["/bin", "/usr/bin"],
    backgroundMs: 10_000,
    timeoutSec: 1800,
    sandboxed: false,
    elevatedEnabled: false,
    ...over,
  };
}

async function rig(
  t: { after(fn: () => unknown): void },
  opts: { settings?: Partial<ExecSettings>; runtime?: boolean; env?: Record<string, string> } = {},
): Promise<Rig> {
  const root = await mkdtemp(path.join(os.tmpdir(), "exec-tool-"));
  const ws = path.join(root, "workspace");
  const stateDir = path.join(root, "state");
  await mkdir(ws, { recursive: true });
  await mkdir(stateDir, { recursive: true });
  const events: Rig["events"] = [];
  const waiters = new Set<() => void>();
  const nextEvent: Rig["nextEvent"] = (pred) =>
    new Promise((resolve) => {
      const check = (): void => {
        const hit = events.find(pred);
        if (hit) {
          waiters.delete(check);
          resolve(hit);
        }
      };
      waiters.add(check);
      check();
    });
  const runtime =
    opts.runtime === false
      ? undefined
      : createExecRuntime({
          cleanupMs: () => 60_000,
          log: noopLog,
          emit: (event, payload) => {
            events.push({ event, payload });
            for (const w of [...waiters]) w();
          },
        });
  t.after(async () => {
    runtime?.dispose();
    await rm(root, { recursive: true, force: true });
  });
  const env = { PATH: process.env["PATH"] ?? "/usr/bin:/bin", HOME: root, SHELL: "/bin/bash", ...opts.env };
  const exec = createExecTool({
    agentId: "main",
    sessionKey: "agent:main:main",
    workspaceDir: ws,
    stateDir,
    env,
    settings: settings(opts.settings),
    ...(runtime ? { runtime } : {}),
    processAllowed: runtime !== undefined,
  });
  const proc = runtime ? createProcessTool({ agentId: "main", processes: runtime.processes }) : undefined;
  return { root, ws, stateDir, exec, process: proc, runtime, events, nextEvent };
}

const live = () => new AbortController().signal;
const json = (r: ToolResult) => JSON.parse(r.text) as Record<string, unknown>;

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

test("a foreground command runs in the workspace and returns its output", async (t) => {
  const r = await rig(t);
  const out = await r.exec.execute({ command: "pwd; echo hello >&2" }, live());
  assert.equal(out.isError, undefined);
  assert.equal(out.text, `${r.ws}\nhello`);
  const sub = await r.exec.execute({ command: "mkdir -p sub && cd sub && pwd", workdir: "." }, live());
  assert.equal(sub.text, path.join(r.ws, "sub"));
  const inSub = await r.exec.execute({ command: "pwd", workdir: "sub" }, live());
  assert.equal(inSub.text, path.join(r.ws, "sub"));
});

test("a failing command is an error result with its exit code", async (t) => {
  const r = await rig(t);
  const out = await r.exec.execute({ command: "echo oops; exit 3" }, live());
  assert.equal(out.isError, true);
  assert.equal(out.text, "oops\n\nCommand exited with code 3");
});

test("the timeout kills the whole process group", async (t) => {
  const r = await rig(t);
  const pidFile = path.join(r.ws, "child.pid");
  const out = await r.exec.execute(
    { command: `sleep 30 & echo $! > ${pidFile}; wait`, timeout: 0.5 },
    live(),
  );
  assert.equal(out.isError, true);
  assert.match(out.text, /timed out/);
  const pid = Number(await readFile(pidFile, "utf8"));
  assert.equal(pidAlive(pid), false, "the grandchild went with the shell");
});

test("aborting the turn kills the foreground command", async (t) => {
  const r = await rig(t);
  const pidFile = path.join(r.ws, "sleep.pid");
  const ac = new AbortController();
  const running = r.exec.execute({ command: `echo $$ > ${pidFile}; exec sleep 30` }, ac.signal);
  let pid = 0;
  while (!pid) {
    pid = Number(await readFile(pidFile, "utf8").catch(() => "0"));
    if (!pid) await new Promise((res) => setImmediate(res));
  }
  ac.abort();
  const out = await running;
  assert.equal(out.isError, true);
  assert.match(out.text, /aborted/);
  assert.equal(pidAlive(pid), false);
});

test("output beyond 200000 characters keeps the tail", async (t) => {
  const r = await rig(t);
  const out = await r.exec.execute({ command: "head -c 250000 /dev/zero | tr '\\0' a; echo END" }, live());
  assert.match(out.text, /^\[output truncated/);
  assert.ok(out.text.endsWith("aEND"));
  assert.ok(out.text.length < 200_200);
  const small = await rig(t, { env: { PI_BASH_MAX_OUTPUT_CHARS: "10" } });
  const capped = await small.exec.execute({ command: "head -c 5000 /dev/zero | tr '\\0' b" }, live());
  assert.equal(capped.text.split("\n")[1], "b".repeat(1000), "PI_BASH_MAX_OUTPUT_CHARS, clamped to 1000");
});

test("secrets and interpreter hooks of the gateway never reach the child", async (t) => {
  const r = await rig(t, {
    env: { OPENAI_API_KEY: "sk-secret", OPENCLAW_GATEWAY_TOKEN: "gw", BASH_ENV: "/nonexistent", KEEP: "yes" },
  });
  const out = await r.exec.execute({ command: "env" }, live());
  assert.doesNotMatch(out.text, /sk-secret|OPENCLAW_GATEWAY_TOKEN|BASH_ENV/);
  assert.match(out.text, /^KEEP=yes$/m);
  const withEnv = await r.exec.execute({ command: "env", env: { GREETING: "hi" } }, live());
  assert.match(withEnv.text, /^GREETING=hi$/m);
  const badPath = await r.exec.execute({ command: "env", env: { PATH: "/tmp" } }, live());
  assert.equal(badPath.isError, true);
  assert.match(badPath.text, /PATH/);
});

test("hosts: node has no node, explicit sandbox fails closed, elevated needs enabling", async (t) => {
  const r = await rig(t);
  assert.match(
    (await r.exec.execute({ command: "true", host: "node" }, live())).text,
    /no node is connected/,
  );
  assert.match(
    (await r.exec.execute({ command: "true", host: "sandbox" }, live())).text,
    /sandboxing is off/,
  );
  assert.match((await r.exec.execute({ command: "true", elevated: true }, live())).text, /elevated/);
  const viaConfig = await rig(t, { settings: { host: "sandbox" } });
  assert.equal((await viaConfig.exec.execute({ command: "true" }, live())).isError, true);
});

test("security=deny refuses and nothing runs", async (t) => {
  const r = await rig(t, { settings: { security: "deny" } });
  const marker = path.join(r.ws, "ran");
  const out = await r.exec.execute({ command: `touch ${marker}` }, live());
  assert.equal(out.isError, true);
  assert.match(out.text, /Exec denied/);
  await assert.rejects(stat(marker));
});

test("an allowlist miss with nobody to ask falls back to askFallback (deny)", async (t) => {
  const r = await rig(t, { settings: { security: "allowlist", ask: "on-miss" }, runtime: false });
  const out = await r.exec.execute({ command: "touch ran" }, live());
  assert.equal(out.isError, true);
  assert.match(out.text, /no approver/);
  await assert.rejects(stat(path.join(r.ws, "ran")));
});

test("an allowlisted command runs and its entry records the use", async (t) => {
  const r = await rig(t, { settings: { security: "allowlist", ask: "off" } });
  await writeFile(
    path.join(r.stateDir, "exec-approvals.json"),
    JSON.stringify({ version: 1, agents: { main: { allowlist: [{ id: "x", pattern: "/usr/bin/touch" }] } } }),
  );
  const out = await r.exec.execute({ command: "touch made" }, live());
  assert.equal(out.isError, undefined, out.text);
  await stat(path.join(r.ws, "made"));
  const file = JSON.parse(await readFile(path.join(r.stateDir, "exec-approvals.json"), "utf8"));
  assert.equal(file.agents.main.allowlist[0].lastUsedCommand, "touch made");
  const miss = await r.exec.execute({ command: "touch made && rm made" }, live());
  assert.equal(miss.isError, true, "every segment must pass");
  await stat(path.join(r.ws, "made"));
});

test("approval: pending, then allow-once runs exactly the stored command", async (t) => {
  const r = await rig(t, { settings: { security: "allowlist", ask: "on-miss" } });
  const out = await r.exec.execute({ command: "echo approved > marker.txt" }, live());
  const pending = json(out);
  assert.equal(pending["status"], "approval-pending");
  assert.deepEqual(pending["argv"], ["/bin/bash", "-c", "echo approved > marker.txt"]);
  const id = String(pending["approvalId"]);
  assert.equal(r.events[0]?.event, "exec.approval.requested");
  await assert.rejects(stat(path.join(r.ws, "marker.txt")), "nothing runs before the decision");

  const resolved = await r.runtime!.approvals.resolve(id, "allow-once", {
    agentId: "main",
    resolvedBy: "test",
  });
  assert.ok(resolved.ok);
  const job = r.runtime!.processes.get(id, "main")!.job;
  await job.exited;
  assert.equal(await readFile(path.join(r.ws, "marker.txt"), "utf8"), "approved\n");
  assert.deepEqual(job.spec.args, ["-c", "echo approved > marker.txt"]);
  assert.equal(r.events.at(-1)?.event, "exec.approval.resolved");
  const again = await r.runtime!.approvals.resolve(id, "allow-once", { resolvedBy: "test" });
  assert.equal(again.ok, false, "an approval is used once");
});

test("approval: deny runs nothing; allow-always adds the resolved program", async (t) => {
  const r = await rig(t, { settings: { security: "allowlist", ask: "on-miss" } });
  const denied = json(await r.exec.execute({ command: "touch no" }, live()));
  await r.runtime!.approvals.resolve(String(denied["approvalId"]), "deny", { resolvedBy: "test" });
  assert.equal(r.runtime!.processes.get(String(denied["approvalId"]), "main"), undefined);
  await assert.rejects(stat(path.join(r.ws, "no")));

  const always = json(await r.exec.execute({ command: "touch yes" }, live()));
  const wrongAgent = await r.runtime!.approvals.resolve(String(always["approvalId"]), "allow-always", {
    agentId: "other",
    resolvedBy: "test",
  });
  assert.equal(wrongAgent.ok, false, "another agent cannot answer it");
  await r.runtime!.approvals.resolve(String(always["approvalId"]), "allow-always", { resolvedBy: "test" });
  await r.runtime!.processes.get(String(always["approvalId"]), "main")!.job.exited;
  const file = JSON.parse(await readFile(path.join(r.stateDir, "exec-approvals.json"), "utf8"));
  assert.deepEqual(
    file.agents.main.allowlist.map((e: { pattern: string }) => e.pattern),
    ["/usr/bin/touch"],
  );
  const now = await r.exec.execute({ command: "touch again" }, live());
  assert.equal(now.isError, undefined, "the next touch needs no approval");
});

test("background jobs: yield, poll, log, write, kill, list, remove", async (t) => {
  const r = await rig(t);
  const proc = r.process!;
  const started = json(await r.exec.execute({ command: "echo one; cat; echo done", yieldMs: 10 }, live()));
  assert.equal(started["status"], "running");
  const id = String(started["sessionId"]);
  const listed = JSON.parse((await proc.execute({ action: "list" }, live())).text);
  assert.deepEqual(
    listed.map((j: { sessionId: string }) => j.sessionId),
    [id],
  );
  await proc.execute({ action: "write", sessionId: id, data: "two\n", eof: true }, live());
  await r.runtime!.processes.get(id, "main")!.job.exited;
  const polled = json(await proc.execute({ action: "poll", sessionId: id }, live()));
  assert.equal(polled["status"], "completed");
  assert.equal(polled["exitCode"], 0);
  assert.match(String(polled["output"]), /one\ntwo\ndone/);
  const log = await proc.execute({ action: "log", sessionId: id, offset: 1, limit: 1 }, live());
  assert.equal(log.text, "[lines 2-2 of 3]\ntwo");

  const bg = json(await r.exec.execute({ command: "exec sleep 30", background: true }, live()));
  const pid = Number(bg["pid"]);
  assert.ok(pidAlive(pid));
  assert.match(
    (await proc.execute({ action: "kill", sessionId: String(bg["sessionId"]) }, live())).text,
    /Killed/,
  );
  assert.equal(pidAlive(pid), false);
  await proc.execute({ action: "clear", sessionId: id }, live());
  assert.equal((await proc.execute({ action: "poll", sessionId: id }, live())).isError, true);
  const other = createProcessTool({ agentId: "other", processes: r.runtime!.processes });
  assert.equal((await other.execute({ action: "list" }, live())).text, "No background exec sessions.");
});

test("the approval's askFallback applies when nobody answers in time", async (t) => {
  const r = await rig(t, { settings: { security: "allowlist", ask: "always" } });
  await writeFile(
    path.join(r.stateDir, "exec-approvals.json"),
    JSON.stringify({
      version: 1,
      defaults: { askFallback: "allowlist" },
      agents: { main: { allowlist: [{ pattern: "/usr/bin/touch" }] } },
    }),
  );
  const pending = json(await r.exec.execute({ command: "touch late" }, live()));
  const approval = r.runtime!.approvals.get(String(pending["approvalId"]))!;
  // Re-request the same command with a short expiry to see the fallback without waiting 2 minutes.
  const quick = r.runtime!.approvals.request(
    {
      owner: approval.owner,
      spec: approval.spec,
      limits: approval.limits,
      resolvedPaths: approval.resolvedPaths,
      policy: approval.policy,
      allowlisted: approval.allowlisted,
      reason: approval.reason,
      approvalsFile: approval.approvalsFile,
    },
    20,
  );
  const resolved = await r.nextEvent(
    (e) => e.event === "exec.approval.resolved" && e.payload["id"] === quick.id,
  );
  assert.equal(resolved.payload["resolvedBy"], "timeout");
  assert.equal(resolved.payload["decision"], "allow-once");
  await r.runtime!.processes.get(quick.id, "main")!.job.exited;
  await stat(path.join(r.ws, "late"));
});

test("group:runtime in the core tool set: exec always, process only with the gateway's job registry", async (t) => {
  const r = await rig(t);
  const base = {
    agentId: "main",
    sessionKey: "agent:main:main",
    workspaceDir: r.ws,
    stateDir: r.stateDir,
    env: {},
    settings: settings(),
    processAllowed: true,
  };
  const names = (tools: { definition: { name: string } }[]) => tools.map((x) => x.definition.name);
  const withRuntime = createCoreTools({
    workspaceDir: r.ws,
    workspaceOnly: true,
    exec: { ...base, runtime: r.runtime! },
  });
  assert.deepEqual(names(withRuntime).slice(-2), ["exec", "process"]);
  assert.deepEqual(
    names(createCoreTools({ workspaceDir: r.ws, workspaceOnly: true, exec: base })).slice(-1),
    ["exec"],
  );
  assert.ok(!names(createCoreTools({ workspaceDir: r.ws, workspaceOnly: true })).includes("exec"));
});

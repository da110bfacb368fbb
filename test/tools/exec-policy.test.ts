import assert from "node:assert/strict";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { test } from "node:test";
import { buildChildEnv, checkEnvOverrides } from "../../src/tools/exec/child-env.ts";
import {
  addAllowlistPaths,
  agentView,
  readExecApprovals,
  recordAllowlistUse,
} from "../../src/tools/exec-approvals/approvals-file.ts";
import { decideExec, effectivePolicy, fallbackDecision } from "../../src/tools/exec-approvals/exec-policy.ts";

test("the effective policy is the stricter of config, file and the call", () => {
  const config = { security: "full" as const, ask: "off" as const };
  assert.deepEqual(effectivePolicy({ config, file: {} }), {
    security: "full",
    ask: "off",
    askFallback: "deny",
  });
  assert.equal(effectivePolicy({ config, file: { security: "allowlist" } }).security, "allowlist");
  assert.equal(
    effectivePolicy({ config: { security: "allowlist", ask: "on-miss" }, file: { security: "full" } })
      .security,
    "allowlist",
    "the file cannot loosen config",
  );
  assert.equal(effectivePolicy({ config, file: { ask: "always" } }).ask, "always");
  assert.equal(
    effectivePolicy({ config, file: { security: "bogus" } }).security,
    "deny",
    "unknown = strictest",
  );
  assert.equal(
    effectivePolicy({ config, file: {}, requested: { security: "full", ask: "off" } }).security,
    "full",
  );
  assert.equal(
    effectivePolicy({
      config: { security: "allowlist", ask: "on-miss" },
      file: {},
      requested: { security: "full" },
    }).security,
    "allowlist",
    "the model may only tighten",
  );
  assert.equal(effectivePolicy({ config, file: { askFallback: "full" } }).askFallback, "full");
  assert.equal(
    effectivePolicy({ config: { security: "allowlist", ask: "on-miss" }, file: { askFallback: "full" } })
      .askFallback,
    "allowlist",
    "the fallback is never looser than security",
  );
});

test("decisions per security and ask", () => {
  const p = (security: "deny" | "allowlist" | "full", ask: "off" | "on-miss" | "always") => ({
    security,
    ask,
    askFallback: "deny" as const,
  });
  assert.equal(decideExec(p("deny", "off"), true, "").type, "deny");
  assert.equal(decideExec(p("full", "off"), false, "").type, "allow");
  assert.equal(decideExec(p("full", "always"), true, "").type, "ask");
  assert.equal(decideExec(p("allowlist", "on-miss"), true, "").type, "allow");
  assert.equal(decideExec(p("allowlist", "on-miss"), false, "x").type, "ask");
  assert.equal(decideExec(p("allowlist", "off"), false, "x").type, "deny");
  assert.equal(decideExec(p("allowlist", "always"), true, "").type, "ask");
  assert.equal(fallbackDecision(p("allowlist", "on-miss"), true, "").type, "deny");
  assert.equal(
    fallbackDecision({ ...p("allowlist", "on-miss"), askFallback: "allowlist" }, true, "").type,
    "allow",
  );
  assert.equal(
    fallbackDecision({ ...p("allowlist", "on-miss"), askFallback: "allowlist" }, false, "").type,
    "deny",
  );
});

test("children never see provider keys, gateway tokens or interpreter hooks", () => {
  const env = buildChildEnv({
    base: {
      HOME: "/h",
      PATH: "/usr/bin",
      LANG: "C",
      OPENAI_API_KEY: "sk-x",
      ANTHROPIC_API_KEY: "sk-y",
      OPENCLAW_GATEWAY_TOKEN: "t",
      TELEGRAM_BOT_TOKEN: "123:abc",
      NODE_OPTIONS: "--require /tmp/x.js",
      NODE_PATH: "/tmp",
      PYTHONPATH: "/tmp",
      PYTHONSTARTUP: "/tmp/x.py",
      LD_PRELOAD: "/tmp/x.so",
      LD_LIBRARY_PATH: "/tmp",
      DYLD_INSERT_LIBRARIES: "/tmp/x.dylib",
      BASH_ENV: "/tmp/x",
      ENV: "/tmp/x",
      "BASH_FUNC_ls%%": "() { evil; }",
      PERL5OPT: "-Mx",
      RUBYOPT: "-rx",
      JAVA_TOOL_OPTIONS: "-javaagent:x",
      GIT_SSH_COMMAND: "evil",
      PROMPT_COMMAND: "evil",
      IFS: "x",
    },
    pathPrepend: ["/opt/tools/bin"],
  });
  assert.deepEqual(env, { HOME: "/h", PATH: "/opt/tools/bin:/usr/bin", LANG: "C" });
});

test("the call's env may not set PATH, LD_* or DYLD_*, nor code-loading variables outside full", () => {
  assert.equal(checkEnvOverrides({ FOO: "1" }, true).ok, true);
  assert.equal(checkEnvOverrides({ PATH: "/tmp" }, false).ok, false);
  assert.equal(checkEnvOverrides({ LD_PRELOAD: "/tmp/x" }, false).ok, false);
  assert.equal(checkEnvOverrides({ DYLD_LIBRARY_PATH: "/tmp" }, false).ok, false);
  assert.equal(checkEnvOverrides({ BASH_ENV: "/tmp/x" }, true).ok, false);
  assert.equal(checkEnvOverrides({ NODE_OPTIONS: "--require x" }, true).ok, false);
  assert.equal(checkEnvOverrides({ NODE_OPTIONS: "--max-old-space-size=100" }, false).ok, true);
  assert.equal(checkEnvOverrides({ "A-B": "1" }, false).ok, false);
});

test("the approvals file: legacy agents.default, * entries, usage and allow-always records", async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "exec-file-"));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const file = path.join(dir, "exec-approvals.json");
  assert.deepEqual(await readExecApprovals(file), { version: 1 }, "missing file: nothing allowlisted");
  await writeFile(
    file,
    JSON.stringify({
      version: 1,
      socket: { path: "~/.openclaw/exec-approvals.sock", token: "tok" },
      defaults: { security: "allowlist", ask: "on-miss", askFallback: "deny" },
      agents: {
        default: { allowlist: [{ id: "a", pattern: "/usr/bin/rg" }] },
        "*": { allowlist: [{ id: "b", pattern: "/usr/bin/uname" }] },
      },
    }),
  );
  const read = await readExecApprovals(file);
  const view = agentView(read, "main");
  assert.deepEqual(
    view.allowlist?.map((e) => e.pattern),
    ["/usr/bin/rg", "/usr/bin/uname"],
  );
  assert.equal(view.security, "allowlist");

  await recordAllowlistUse(
    file,
    "*",
    [{ pattern: "/usr/bin/uname", resolvedPath: "/usr/bin/uname" }],
    "uname -a",
    42,
  );
  await addAllowlistPaths(file, "main", ["/usr/bin/ls", "/usr/bin/ls"], "ls -la", 43);
  const onDisk = JSON.parse(await readFile(file, "utf8"));
  assert.equal(onDisk.socket.token, "tok", "unknown-to-us keys survive a rewrite");
  assert.equal(onDisk.agents["*"].allowlist[0].lastUsedAt, 42);
  assert.equal(onDisk.agents["*"].allowlist[0].lastUsedCommand, "uname -a");
  const main = onDisk.agents.main.allowlist;
  assert.equal(main.filter((e: { pattern: string }) => e.pattern === "/usr/bin/ls").length, 1);
  assert.equal(
    main.find((e: { pattern: string }) => e.pattern === "/usr/bin/ls").lastResolvedPath,
    "/usr/bin/ls",
  );

  await writeFile(file, "{ not json");
  await assert.rejects(readExecApprovals(file), /not valid JSON/, "a corrupt file is never read as empty");
});

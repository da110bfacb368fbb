import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  applyConfigEnvBlock,
  loadDotEnvFiles,
  parseDotEnv,
  startupEnvFiles,
} from "../../src/config/env-files.ts";
import { createTestHome, runCli } from "../harness/gateway.ts";

let root: string;
before(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), "openclaw-env-"));
});
after(() => rm(root, { recursive: true, force: true }));

describe("parseDotEnv", () => {
  test("reads KEY=value lines with export, quotes, comments and blanks", () => {
    const text = [
      "# a comment",
      "",
      "PLAIN=1",
      "export EXPORTED=two",
      'DOUBLE="has # inside"',
      "SINGLE='single quoted'",
      "TRAILING=value # comment",
      "EMPTY=",
      "EQUALS=a=b",
      'MULTI="line1',
      'line2"',
    ].join("\n");
    assert.deepEqual(parseDotEnv(text), {
      PLAIN: "1",
      EXPORTED: "two",
      DOUBLE: "has # inside",
      SINGLE: "single quoted",
      TRAILING: "value",
      EMPTY: "",
      EQUALS: "a=b",
      MULTI: "line1\nline2",
    });
  });
});

describe("loadDotEnvFiles", () => {
  test("sets only variables that are missing, and the first file wins over later ones", async () => {
    const cwdEnv = path.join(root, "cwd.env");
    const globalEnv = path.join(root, "global.env");
    await writeFile(cwdEnv, "FROM_CWD=cwd\nSHARED=cwd\nALREADY=cwd\n");
    await writeFile(globalEnv, "FROM_GLOBAL=global\nSHARED=global\nALREADY=global\nEMPTY_SET=global\n");
    const env: NodeJS.ProcessEnv = { ALREADY: "process", EMPTY_SET: "" };

    const loaded = await loadDotEnvFiles([cwdEnv, globalEnv], env);

    assert.deepEqual(env, {
      ALREADY: "process",
      EMPTY_SET: "",
      FROM_CWD: "cwd",
      SHARED: "cwd",
      FROM_GLOBAL: "global",
    });
    assert.deepEqual(loaded.sort(), ["FROM_CWD", "FROM_GLOBAL", "SHARED"]);
  });

  test("missing files are skipped", async () => {
    const env: NodeJS.ProcessEnv = {};
    assert.deepEqual(await loadDotEnvFiles([path.join(root, "nope.env")], env), []);
    assert.deepEqual(env, {});
  });

  test("a directory where a file should be is an error, not silence", async () => {
    await assert.rejects(loadDotEnvFiles([root], {}), { code: "EISDIR" });
  });
});

describe("applyConfigEnvBlock", () => {
  test("applies env.vars and the string shorthand, never overriding", () => {
    const env: NodeJS.ProcessEnv = { KEEP: "process" };
    const applied = applyConfigEnvBlock(
      {
        OPENROUTER_API_KEY: "or-1",
        KEEP: "block",
        vars: { GROQ_API_KEY: "gsk-1", KEEP: "vars" },
        shellEnv: { enabled: true, timeoutMs: 15000 },
      },
      env,
    );
    assert.deepEqual(env, { KEEP: "process", OPENROUTER_API_KEY: "or-1", GROQ_API_KEY: "gsk-1" });
    assert.deepEqual(applied.sort(), ["GROQ_API_KEY", "OPENROUTER_API_KEY"]);
  });

  test("shellEnv and non-string values are not variables", () => {
    const env: NodeJS.ProcessEnv = {};
    applyConfigEnvBlock({ shellEnv: { enabled: true }, NUM: 3, OBJ: { a: "b" } }, env);
    assert.deepEqual(env, {});
  });

  test("a missing block does nothing", () => {
    const env: NodeJS.ProcessEnv = {};
    assert.deepEqual(applyConfigEnvBlock(undefined, env), []);
    assert.deepEqual(env, {});
  });
});

describe("startupEnvFiles: a .env an agent could have written is never configuration", () => {
  async function setup() {
    const home = path.join(root, `home-${Math.random().toString(36).slice(2)}`);
    const stateDir = path.join(home, ".openclaw");
    const configPath = path.join(stateDir, "openclaw.json");
    const custom = path.join(home, "projects", "agent-two");
    await mkdir(custom, { recursive: true });
    await mkdir(stateDir, { recursive: true });
    await writeFile(configPath, `{ agents: { list: [{ id: "two", workspace: "~/projects/agent-two" }] } }`);
    const env = { HOME: home };
    return { home, stateDir, custom, paths: { home, stateDir, configPath, profile: undefined }, env };
  }

  test("loads the working directory's .env, then the state dir's, elsewhere", async () => {
    const s = await setup();
    const cwd = path.join(s.home, "code");
    assert.deepEqual(await startupEnvFiles(s.paths, s.env, cwd), {
      files: [path.join(cwd, ".env"), path.join(s.stateDir, ".env")],
    });
  });

  test("refuses it inside the default workspace, any state dir folder, and a configured workspace", async () => {
    const s = await setup();
    for (const cwd of [
      path.join(s.stateDir, "workspace"),
      path.join(s.stateDir, "workspace", "sub"),
      path.join(s.stateDir, "workspace-two"),
      s.custom,
      path.join(s.custom, "deep", "er"),
    ]) {
      assert.deepEqual(
        await startupEnvFiles(s.paths, s.env, cwd),
        { files: [path.join(s.stateDir, ".env")], refused: path.join(cwd, ".env") },
        cwd,
      );
    }
  });
});

test("the CLI run from inside a workspace ignores the .env there, and honours one elsewhere", async (t) => {
  const h = await createTestHome({ config: { agents: { defaults: { workspace: "~/ws" } } } });
  t.after(() => h.cleanup());
  const ws = path.join(h.home, "ws");
  const elsewhere = path.join(h.home, "elsewhere");
  for (const dir of [ws, elsewhere]) {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, ".env"), "OPENCLAW_GATEWAY_PORT=12345\n");
  }
  const target = async (cwd: string) => {
    const r = await runCli(["gateway", "status", "--json", "--timeout", "500"], h.env, { cwd });
    return (JSON.parse(r.stdout) as { probeTarget: string }).probeTarget;
  };
  assert.equal(await target(ws), "ws://127.0.0.1:18789");
  assert.equal(await target(elsewhere), "ws://127.0.0.1:12345");
});

import assert from "node:assert/strict";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { applyConfigEnvBlock, loadDotEnvFiles, parseDotEnv } from "../../src/config/env-files.ts";

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

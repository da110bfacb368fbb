import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import { applyProfileFlags, expandHome, resolvePaths } from "../../src/config/paths.ts";

const HOME = "/home/tester";
const INVALID_PROFILE = 'Invalid --profile (use letters, numbers, "_", "-" only)';

/** What a command line does to a fresh environment: the env after, and the argv commander gets. */
function withFlags(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const e: NodeJS.ProcessEnv = { HOME, ...env };
  const result = applyProfileFlags(argv, e);
  return { ...result, env: e, paths: result.error ? undefined : resolvePaths(e) };
}

describe("resolvePaths", () => {
  test("defaults to ~/.openclaw/openclaw.json", () => {
    assert.deepEqual(resolvePaths({ HOME: "/nonexistent-home" }), {
      home: "/nonexistent-home",
      stateDir: "/nonexistent-home/.openclaw",
      configPath: "/nonexistent-home/.openclaw/openclaw.json",
      profile: undefined,
    });
  });

  test("OPENCLAW_STATE_DIR moves the state dir and the config with it", () => {
    const p = resolvePaths({ HOME, OPENCLAW_STATE_DIR: "/srv/claw" });
    assert.equal(p.stateDir, "/srv/claw");
    assert.equal(p.configPath, "/srv/claw/openclaw.json");
  });

  test("OPENCLAW_CONFIG_PATH moves only the config", () => {
    const p = resolvePaths({ HOME, OPENCLAW_CONFIG_PATH: "/etc/claw.json5" });
    assert.equal(p.stateDir, `${HOME}/.openclaw`);
    assert.equal(p.configPath, "/etc/claw.json5");
  });

  test("~ in the variables means the home dir", () => {
    const p = resolvePaths({ HOME, OPENCLAW_STATE_DIR: "~/state", OPENCLAW_CONFIG_PATH: "~/c.json" });
    assert.equal(p.stateDir, `${HOME}/state`);
    assert.equal(p.configPath, `${HOME}/c.json`);
    assert.equal(expandHome("~", { HOME }), HOME);
    assert.equal(expandHome("/abs/~x", { HOME }), "/abs/~x");
  });

  test("OPENCLAW_HOME overrides HOME", () => {
    assert.equal(resolvePaths({ HOME, OPENCLAW_HOME: "/other" }).stateDir, "/other/.openclaw");
  });

  describe("legacy state dirs", () => {
    let home: string;
    before(async () => {
      home = await mkdtemp(path.join(os.tmpdir(), "openclaw-paths-"));
      await mkdir(path.join(home, ".clawdbot"));
    });
    after(() => rm(home, { recursive: true, force: true }));

    test("an existing ~/.clawdbot is used when ~/.openclaw is missing", () => {
      assert.equal(resolvePaths({ HOME: home }).stateDir, path.join(home, ".clawdbot"));
    });

    test("~/.openclaw wins once it exists", async () => {
      await mkdir(path.join(home, ".openclaw"));
      assert.equal(resolvePaths({ HOME: home }).stateDir, path.join(home, ".openclaw"));
    });
  });
});

describe("applyProfileFlags", () => {
  test("--profile work selects ~/.openclaw-work and is removed from argv", () => {
    const r = withFlags(["--profile", "work", "config", "get", "x"]);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.argv, ["config", "get", "x"]);
    assert.equal(r.env["OPENCLAW_PROFILE"], "work");
    assert.equal(r.paths?.stateDir, `${HOME}/.openclaw-work`);
    assert.equal(r.paths?.configPath, `${HOME}/.openclaw-work/openclaw.json`);
  });

  test("--profile=work works too, and other leading flags are passed on", () => {
    const r = withFlags(["--no-color", "--profile=work", "status"]);
    assert.deepEqual(r.argv, ["--no-color", "status"]);
    assert.equal(r.paths?.stateDir, `${HOME}/.openclaw-work`);
  });

  test("profile default means no suffix", () => {
    assert.equal(withFlags(["--profile", "default", "status"]).paths?.stateDir, `${HOME}/.openclaw`);
  });

  test("OPENCLAW_PROFILE selects the same profile as the flag", () => {
    const r = withFlags(["status"], { OPENCLAW_PROFILE: "work" });
    assert.equal(r.paths?.stateDir, `${HOME}/.openclaw-work`);
  });

  test("--dev is profile dev with gateway port 19001", () => {
    const r = withFlags(["--dev", "gateway", "run"]);
    assert.deepEqual(r.argv, ["gateway", "run"]);
    assert.equal(r.paths?.stateDir, `${HOME}/.openclaw-dev`);
    assert.equal(r.env["OPENCLAW_PROFILE"], "dev");
    assert.equal(r.env["OPENCLAW_GATEWAY_PORT"], "19001");
  });

  test("--dev keeps a port the user already set", () => {
    assert.equal(
      withFlags(["--dev", "status"], { OPENCLAW_GATEWAY_PORT: "20000" }).env["OPENCLAW_GATEWAY_PORT"],
      "20000",
    );
  });

  test("explicit OPENCLAW_STATE_DIR and OPENCLAW_CONFIG_PATH win over the profile", () => {
    const r = withFlags(["--profile", "work", "status"], {
      OPENCLAW_STATE_DIR: "/srv/state",
      OPENCLAW_CONFIG_PATH: "/srv/conf.json",
    });
    assert.equal(r.paths?.stateDir, "/srv/state");
    assert.equal(r.paths?.configPath, "/srv/conf.json");
  });

  test("an explicit OPENCLAW_STATE_DIR alone also carries the config path", () => {
    const r = withFlags(["--profile", "work", "status"], { OPENCLAW_STATE_DIR: "/srv/state" });
    assert.equal(r.paths?.configPath, "/srv/state/openclaw.json");
  });

  for (const bad of ["a b", "../x", "wörk", "x/y", ""]) {
    test(`profile ${JSON.stringify(bad)} is rejected`, () => {
      const r = withFlags(["--profile", bad, "status"]);
      assert.equal(r.error, INVALID_PROFILE);
      assert.equal(r.env["OPENCLAW_STATE_DIR"], undefined, "nothing is applied");
    });
  }

  test("--profile without a name is rejected", () => {
    assert.equal(withFlags(["--profile"]).error, INVALID_PROFILE);
  });

  test("an invalid OPENCLAW_PROFILE is rejected the same way", () => {
    assert.equal(withFlags(["status"], { OPENCLAW_PROFILE: "a/b" }).error, INVALID_PROFILE);
  });

  test("--dev with --profile is an error, in either order", () => {
    assert.equal(
      withFlags(["--dev", "--profile", "x", "status"]).error,
      "Cannot combine --dev with --profile",
    );
    assert.equal(
      withFlags(["--profile", "x", "--dev", "status"]).error,
      "Cannot combine --dev with --profile",
    );
  });

  test("flags after the first non-flag word are not profile flags", () => {
    const r = withFlags(["config", "set", "--profile", "work", "--dev"]);
    assert.equal(r.error, undefined);
    assert.deepEqual(r.argv, ["config", "set", "--profile", "work", "--dev"]);
    assert.equal(r.env["OPENCLAW_PROFILE"], undefined);
    assert.equal(r.env["OPENCLAW_GATEWAY_PORT"], undefined);
    assert.equal(r.paths?.stateDir, `${HOME}/.openclaw`);
  });
});

import assert from "node:assert/strict";
import { readFile, stat, writeFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import JSON5 from "json5";
import {
  type CliResult,
  copyFixtureState,
  createTestHome,
  fileExists,
  runCli,
  type TestHome,
} from "../harness/gateway.ts";

// Every secret any test here puts in a store, the env or stdin: none may reach any output.
const SECRETS = [
  "sk-fixture-a",
  "sk-fixture-b",
  "sk-ant-oat01-pasted-token-0123456789",
  "sk-openai-stdin-key-0123456789",
  "sk-ant-env-key-0123456789",
];
const NOT_ALLOWED = 'Model "openai/gpt-5.2" is not allowed. Use /model to list available models.';

async function models(
  args: string[],
  h: TestHome,
  opts: { input?: string; env?: Record<string, string> } = {},
) {
  const r = await runCli(
    ["models", ...args],
    { ...h.env, ...opts.env },
    opts.input ? { input: opts.input } : {},
  );
  for (const secret of SECRETS) {
    assert.ok(
      !r.stdout.includes(secret) && !r.stderr.includes(secret),
      `${args.join(" ")} printed ${secret}`,
    );
  }
  return r;
}

function assertExit(r: CliResult, code: number): void {
  assert.equal(r.code, code, `exit code\nstdout: ${r.stdout}\nstderr: ${r.stderr}`);
}

function json<T = Record<string, unknown>>(r: CliResult): T {
  assertExit(r, 0);
  return JSON.parse(r.stdout) as T;
}

interface StatusJson {
  resolvedDefault: string;
  agentId: string;
  defaultModelUsable: boolean;
  auth: {
    shellEnvFallback: { enabled: boolean };
    missingProvidersInUse: string[];
    providers: {
      provider: string;
      effective: { source: string; expiresAt?: string } | null;
      order: string[];
    }[];
    unusableProfiles: {
      profileId: string;
      kind: string;
      reason: string;
      until: string;
      errorCount: number;
    }[];
  };
}

interface ListJson {
  count: number;
  models: {
    ref: string;
    name: string | null;
    provider: string;
    contextWindow: number | null;
    tags: string[];
    aliases: string[];
    auth: boolean;
    input: string[];
  }[];
}

const effective = (s: StatusJson, provider: string) =>
  s.auth.providers.find((p) => p.provider === provider)?.effective ?? null;

async function fixtureHome(): Promise<TestHome> {
  const h = await createTestHome();
  await copyFixtureState(h.home);
  return h;
}

const storePath = (h: TestHome, agent = "main") =>
  path.join(h.stateDir, "agents", agent, "agent", "auth-profiles.json");
const readJson = async (file: string) => JSON5.parse(await readFile(file, "utf8"));

describe("models status and list on the 2026.2.26 fixture state", () => {
  let h: TestHome;
  before(async () => {
    h = await fixtureHome();
  });
  after(() => h.cleanup());

  test("status --json: provider fixture resolves profile:fixture:a; the expired cooldown is not listed", async () => {
    const s = json<StatusJson>(await models(["status", "--json"], h));
    assert.equal(s.resolvedDefault, "fixture/m1");
    assert.equal(s.agentId, "main");
    assert.equal(effective(s, "fixture")?.source, "profile:fixture:a");
    assert.deepEqual(s.auth.unusableProfiles, []);
    assert.deepEqual(s.auth.missingProvidersInUse, []);
    assert.equal(s.auth.shellEnvFallback.enabled, false);
    assert.deepEqual(json<StatusJson>(await models(["--json"], h)), s, "`models` alone is `models status`");
  });

  test("status text says Shell env: off (OBS-12); --check and --plain", async () => {
    const text = await models([], h);
    assertExit(text, 0);
    assert.match(text.stdout, /^Shell env\s*: off$/m);
    assert.match(text.stdout, /fixture \(in use\): effective=profile:fixture:a/);
    assertExit(await models(["status", "--check"], h), 0);
    assert.equal((await models(["status", "--plain"], h)).stdout, "fixture/m1\n");
  });

  test("status --agent work reads that agent's store", async () => {
    const s = json<StatusJson>(await models(["status", "--json", "--agent", "work"], h));
    assert.equal(s.agentId, "work");
    assert.equal(effective(s, "fixture")?.source, "profile:fixture:a");
    const bad = await models(["status", "--agent", "nobody"], h);
    assertExit(bad, 1);
    assert.match(bad.stderr, /Unknown agent "nobody"\. Agents: main, work/);
  });

  test("list --json shows the configured model with its catalog data and tags", async () => {
    const l = json<ListJson>(await models(["list", "--json"], h));
    assert.equal(l.count, 1);
    assert.deepEqual(l.models[0], {
      ref: "fixture/m1",
      name: "Fixture M1",
      provider: "fixture",
      contextWindow: 128000,
      input: ["text"],
      aliases: [],
      tags: ["default", "configured"],
      known: true,
      auth: true,
    });
    assert.equal((await models(["list", "--plain"], h)).stdout, "fixture/m1\n");
  });
});

describe("cooldowns and auth order on a copy of the fixture", () => {
  test("a cooldown in the future is listed under unusableProfiles with reason rate_limit (OBS-13)", async (t) => {
    const h = await fixtureHome();
    t.after(() => h.cleanup());
    const store = await readJson(storePath(h));
    const until = Date.now() + 3_600_000;
    store.usageStats["fixture:a"].cooldownUntil = until;
    await writeFile(storePath(h), JSON.stringify(store, null, 2));
    const s = json<StatusJson>(await models(["status", "--json"], h));
    assert.deepEqual(
      s.auth.unusableProfiles.map(({ profileId, kind, reason, until, errorCount }) => ({
        profileId,
        kind,
        reason,
        until,
        errorCount,
      })),
      [
        {
          profileId: "fixture:a",
          kind: "cooldown",
          reason: "rate_limit",
          until: new Date(until).toISOString(),
          errorCount: 1,
        },
      ],
    );
    assert.equal(effective(s, "fixture")?.source, "profile:fixture:b");
  });

  test("order set, get and clear edit the agent's auth-profiles.json", async (t) => {
    const h = await fixtureHome();
    t.after(() => h.cleanup());
    const set = json(
      await models(["auth", "order", "set", "--provider", "fixture", "fixture:b", "fixture:a", "--json"], h),
    );
    assert.deepEqual(set["order"], ["fixture:b", "fixture:a"]);
    const got = json(await models(["auth", "order", "get", "--provider", "fixture", "--json"], h));
    assert.deepEqual(got, { ...set });
    assert.deepEqual((await readJson(storePath(h))).order, { fixture: ["fixture:b", "fixture:a"] });
    const s = json<StatusJson>(await models(["status", "--json"], h));
    assert.equal(effective(s, "fixture")?.source, "profile:fixture:b");

    const before = await readFile(storePath(h), "utf8");
    const bad = await models(["auth", "order", "set", "--provider", "fixture", "fixture:zzz"], h);
    assertExit(bad, 1);
    assert.match(
      bad.stderr,
      /Unknown auth profile "fixture:zzz" for provider "fixture" in .*\. Known: fixture:a, fixture:b/,
    );
    assert.equal(await readFile(storePath(h), "utf8"), before, "a refused order leaves the store untouched");

    json(await models(["auth", "order", "clear", "--provider", "fixture", "--json"], h));
    assert.equal(
      json(await models(["auth", "order", "get", "--provider", "fixture", "--json"], h))["order"],
      null,
    );
    assert.equal((await readJson(storePath(h))).order, undefined);
  });
});

describe("paste-token where the config lists the provider's profiles", () => {
  test("the new profile joins auth.profiles and auth.order, so rotation can reach it", async (t) => {
    const h = await fixtureHome();
    t.after(() => h.cleanup());
    const args = ["auth", "paste-token", "--provider", "fixture", "--profile-id", "fixture:tok", "--json"];
    json(await models(args, h, { input: "sk-ant-oat01-pasted-token-0123456789\n" }));
    const auth = (await readJson(h.configPath)).auth;
    assert.deepEqual(auth.profiles["fixture:tok"], { provider: "fixture", mode: "token" });
    assert.deepEqual(auth.order.fixture, ["fixture:a", "fixture:b", "fixture:tok"]);
    const s = json<StatusJson>(await models(["status", "--json"], h));
    assert.deepEqual(s.auth.providers.find((p) => p.provider === "fixture")?.order, [
      "fixture:a",
      "fixture:b",
      "fixture:tok",
    ]);
  });
});

describe("models auth on a fresh home", () => {
  test("paste-token reads stdin, stores a token profile (0600) and never prints it", async (t) => {
    const h = await createTestHome();
    t.after(() => h.cleanup());
    const empty = await models(["auth", "paste-token", "--provider", "anthropic"], h);
    assertExit(empty, 1);
    assert.match(empty.stderr, /No token on stdin/);

    const startedAt = Date.now();
    const r = json(
      await models(["auth", "paste-token", "--provider", "anthropic", "--expires-in", "30d", "--json"], h, {
        input: "sk-ant-oat01-pasted-token-0123456789\n",
      }),
    );
    assert.equal(r["profileId"], "anthropic:manual");
    const file = storePath(h);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    const stored = (await readJson(file)).profiles["anthropic:manual"];
    assert.equal(stored.type, "token");
    assert.equal(stored.provider, "anthropic");
    assert.equal(stored.token, "sk-ant-oat01-pasted-token-0123456789");
    const thirtyDays = 30 * 86_400_000;
    assert.ok(stored.expires >= startedAt + thirtyDays && stored.expires <= Date.now() + thirtyDays);

    const s = json<StatusJson>(await models(["status", "--json", "--check"], h));
    assert.equal(effective(s, "anthropic")?.source, "profile:anthropic:manual");
    assert.equal(effective(s, "anthropic")?.expiresAt, new Date(stored.expires).toISOString());
  });

  test("add --api-key-stdin stores <provider>:default; list --all adds that provider's catalog", async (t) => {
    const h = await createTestHome();
    t.after(() => h.cleanup());
    const r = json(
      await models(["auth", "add", "--provider", "openai", "--api-key-stdin", "--json"], h, {
        input: "sk-openai-stdin-key-0123456789\n",
      }),
    );
    assert.equal(r["profileId"], "openai:default");
    assert.deepEqual((await readJson(storePath(h))).profiles["openai:default"], {
      type: "api_key",
      provider: "openai",
      key: "sk-openai-stdin-key-0123456789",
    });
    const l = json<ListJson>(await models(["list", "--all", "--json"], h));
    assert.deepEqual([...new Set(l.models.map((m) => m.provider))].sort(), ["anthropic", "openai"]);
    assert.equal(l.models.find((m) => m.ref === "openai/gpt-5.2")?.auth, true);
    assert.equal(l.models.find((m) => m.ref === "anthropic/claude-opus-4-6")?.auth, false);
    const only = json<ListJson>(await models(["list", "--all", "--provider", "openai", "--json"], h));
    assert.ok(only.count > 1 && only.models.every((m) => m.provider === "openai"));
  });

  test("status --check fails without a key for the default model and passes with one in the env", async (t) => {
    const h = await createTestHome();
    t.after(() => h.cleanup());
    const missing = await models(["status", "--check", "--json"], h);
    assertExit(missing, 1);
    const s = JSON.parse(missing.stdout) as StatusJson;
    assert.equal(s.resolvedDefault, "anthropic/claude-opus-4-6");
    assert.deepEqual(s.auth.missingProvidersInUse, ["anthropic"]);
    const withKey = json<StatusJson>(
      await models(["status", "--check", "--json"], h, {
        env: { ANTHROPIC_API_KEY: "sk-ant-env-key-0123456789" },
      }),
    );
    assert.equal(effective(withKey, "anthropic")?.source, "env:ANTHROPIC_API_KEY");
  });
});

const USER_CONFIG = `// mine
{
  futureSection: { keep: "me" },
  agents: {
    defaults: {
      workspace: "~/ws",
      model: { primary: "anthropic/claude-opus-4-6", fallbacks: ["openai/gpt-5.2"] },
    },
  },
}
`;

describe("models set, aliases and fallbacks edit the config through writeConfig", () => {
  test("set and set-image accept an alias, keep fallbacks and unknown keys; an unknown model is refused", async (t) => {
    const h = await createTestHome({ configText: USER_CONFIG });
    t.after(() => h.cleanup());
    const r = json(await models(["set", "sonnet", "--json"], h));
    assert.equal(r["primary"], "anthropic/claude-sonnet-4-6");
    json(await models(["set-image", "openai/gpt-5.2", "--json"], h));
    assert.deepEqual(await readJson(h.configPath), {
      futureSection: { keep: "me" },
      agents: {
        defaults: {
          workspace: "~/ws",
          model: { primary: "anthropic/claude-sonnet-4-6", fallbacks: ["openai/gpt-5.2"] },
          imageModel: { primary: "openai/gpt-5.2" },
        },
      },
    });
    assert.ok(await fileExists(`${h.configPath}.bak`), "writeConfig kept a backup");

    const before = await readFile(h.configPath, "utf8");
    const bad = await models(["set", "nope/x"], h);
    assertExit(bad, 1);
    assert.match(bad.stderr, /^Unknown model: nope\/x$/m);
    assert.equal(await readFile(h.configPath, "utf8"), before);
  });

  test("with agents.defaults.models set, a model outside it is refused with the FAQ text (MOD-5)", async (t) => {
    const h = await createTestHome({
      config: { agents: { defaults: { models: { "anthropic/claude-opus-4-6": { alias: "big" } } } } },
    });
    t.after(() => h.cleanup());
    const before = await readFile(h.configPath, "utf8");
    for (const cmd of ["set", "set-image"]) {
      const r = await models([cmd, "openai/gpt-5.2"], h);
      assertExit(r, 1);
      assert.equal(r.stderr.split("\n")[0], NOT_ALLOWED);
    }
    assert.equal(await readFile(h.configPath, "utf8"), before);
    json(await models(["set", "big", "--json"], h));
    assert.equal((await readJson(h.configPath)).agents.defaults.model.primary, "anthropic/claude-opus-4-6");
  });

  test("aliases add, list and remove round-trip; the model entry and its params stay", async (t) => {
    const h = await createTestHome({
      config: {
        futureSection: { keep: "me" },
        agents: { defaults: { models: { "openai/gpt-5-mini": { params: { temperature: 0.2 } } } } },
      },
    });
    t.after(() => h.cleanup());
    json(await models(["aliases", "add", "fast", "openai/gpt-5-mini", "--json"], h));
    json(await models(["aliases", "add", "big", "opus", "--json"], h));
    assert.deepEqual(json(await models(["aliases", "list", "--json"], h)), {
      aliases: { fast: "openai/gpt-5-mini", big: "anthropic/claude-opus-4-6" },
    });
    json(await models(["aliases", "remove", "fast", "--json"], h));
    const missing = await models(["aliases", "remove", "fast"], h);
    assertExit(missing, 1);
    assert.match(missing.stderr, /Alias "fast" not found\. Aliases: big/);
    assert.deepEqual(await readJson(h.configPath), {
      futureSection: { keep: "me" },
      agents: {
        defaults: {
          models: {
            "openai/gpt-5-mini": { params: { temperature: 0.2 } },
            "anthropic/claude-opus-4-6": { alias: "big" },
          },
        },
      },
    });
  });

  test("fallbacks add, list, remove and clear; a string model becomes {primary, fallbacks}", async (t) => {
    const h = await createTestHome({
      config: { futureSection: { keep: "me" }, agents: { defaults: { model: "anthropic/claude-opus-4-6" } } },
    });
    t.after(() => h.cleanup());
    assert.deepEqual(json(await models(["fallbacks", "add", "openai/gpt-5.2", "--json"], h)), {
      fallbacks: ["openai/gpt-5.2"],
    });
    json(await models(["fallbacks", "add", "gemini-flash", "--json"], h));
    assert.deepEqual(await readJson(h.configPath), {
      futureSection: { keep: "me" },
      agents: {
        defaults: {
          model: {
            primary: "anthropic/claude-opus-4-6",
            fallbacks: ["openai/gpt-5.2", "google/gemini-3-flash-preview"],
          },
        },
      },
    });
    assert.deepEqual(json(await models(["fallbacks", "list", "--json"], h)), {
      fallbacks: ["openai/gpt-5.2", "google/gemini-3-flash-preview"],
    });
    assert.deepEqual(json(await models(["fallbacks", "remove", "openai/gpt-5.2", "--json"], h)), {
      fallbacks: ["google/gemini-3-flash-preview"],
    });
    const notThere = await models(["fallbacks", "remove", "openai/gpt-5.2"], h);
    assertExit(notThere, 1);
    assert.match(
      notThere.stderr,
      /openai\/gpt-5\.2 is not a fallback\. Fallbacks: google\/gemini-3-flash-preview/,
    );
    assert.deepEqual(json(await models(["fallbacks", "clear", "--json"], h)), { fallbacks: [] });
    assert.deepEqual((await readJson(h.configPath)).agents.defaults.model, {
      primary: "anthropic/claude-opus-4-6",
      fallbacks: [],
    });
  });
});

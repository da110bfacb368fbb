import assert from "node:assert/strict";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { after, before, describe, test } from "node:test";
import {
  type OpenClawConfig,
  type OpenClawConfigInput,
  OpenClawConfigSchema,
} from "../../src/config/schema.ts";
import { type AuthProfileStore, authProfilesPath, readAuthProfiles } from "../../src/models/auth-profiles.ts";
import {
  type CredentialQuery,
  configApiKey,
  MissingCredentialError,
  profileCandidates,
  resolveCredential,
} from "../../src/models/credentials.ts";
import { copyFixtureState, createTestHome, type TestHome } from "../harness/gateway.ts";

// The fixture's fixture:a was rate-limited at 09:14:11.026 UTC with a 60 s cooldown.
const DURING_COOLDOWN = 1795598060000;
const AFTER_COOLDOWN = 1795598200000;

let home: TestHome;
let agentDir: string;
let fixtureConfig: OpenClawConfigInput;
let fixtureStore: AuthProfileStore;

before(async () => {
  home = await createTestHome();
  await copyFixtureState(home.home);
  agentDir = path.join(home.stateDir, "agents", "main", "agent");
  fixtureConfig = JSON.parse(await readFile(path.join(home.stateDir, "openclaw.json"), "utf8"));
  fixtureStore = await readAuthProfiles(agentDir);
});
after(() => home.cleanup());

const config = (input: OpenClawConfigInput = {}): OpenClawConfig => OpenClawConfigSchema.parse(input);

function query(overrides: Partial<CredentialQuery> = {}): CredentialQuery {
  return {
    provider: "fixture",
    config: config(fixtureConfig),
    store: fixtureStore,
    storePath: authProfilesPath(agentDir),
    agentDir,
    env: {},
    now: AFTER_COOLDOWN,
    ...overrides,
  };
}

function missing(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof MissingCredentialError, String(err));
    return err.message;
  }
  assert.fail("expected a MissingCredentialError");
}

describe("with the fixture's auth-profiles.json", () => {
  test("the store reads as OpenClaw wrote it", () => {
    assert.deepEqual(Object.keys(fixtureStore.profiles), ["fixture:a", "fixture:b"]);
    assert.equal(fixtureStore.usageStats?.["fixture:a"]?.cooldownUntil, 1795598111026);
  });

  test("auth.order decides once the cooldown is over", () => {
    assert.deepEqual(profileCandidates(query()), ["fixture:a", "fixture:b"]);
    assert.deepEqual(resolveCredential(query()), {
      apiKey: "sk-fixture-a",
      source: "profile:fixture:a",
      profileId: "fixture:a",
      type: "api_key",
    });
    const reversed = config({
      ...fixtureConfig,
      auth: { ...fixtureConfig.auth, order: { fixture: ["fixture:b", "fixture:a"] } },
    });
    assert.equal(resolveCredential(query({ config: reversed })).profileId, "fixture:b");
  });

  test("the store's own order (models auth order set) wins over auth.order", () => {
    const store = { ...fixtureStore, order: { fixture: ["fixture:b", "fixture:a"] } };
    assert.deepEqual(profileCandidates(query({ store })), ["fixture:b", "fixture:a"]);
  });

  test("a profile in cooldown goes last and is skipped while another is usable", () => {
    assert.deepEqual(profileCandidates(query({ now: DURING_COOLDOWN })), ["fixture:b", "fixture:a"]);
    assert.equal(resolveCredential(query({ now: DURING_COOLDOWN })).apiKey, "sk-fixture-b");
  });

  test("all profiles cooling down is an error, even with an env key around", () => {
    const store: AuthProfileStore = {
      ...fixtureStore,
      usageStats: {
        ...fixtureStore.usageStats,
        "fixture:b": { disabledUntil: DURING_COOLDOWN + 3_600_000, disabledReason: "billing" },
      },
    };
    assert.deepEqual(
      profileCandidates(query({ store, now: DURING_COOLDOWN })),
      ["fixture:a", "fixture:b"],
      "soonest usable first",
    );
    assert.equal(
      missing(() => resolveCredential(query({ store, now: DURING_COOLDOWN }))),
      "No available auth profile for fixture (all in cooldown or unavailable).",
    );
  });

  test("the session's pinned profile comes first while usable", () => {
    assert.equal(resolveCredential(query({ preferredProfile: "fixture:b" })).profileId, "fixture:b");
    assert.equal(
      resolveCredential(query({ preferredProfile: "fixture:a", now: DURING_COOLDOWN })).profileId,
      "fixture:b",
      "a pinned profile in cooldown is passed over",
    );
    assert.equal(resolveCredential(query({ preferredProfile: "gone:x" })).profileId, "fixture:a");
  });

  test("a profile whose config mode does not match the stored type is not used", () => {
    const cfg = config({
      ...fixtureConfig,
      auth: {
        ...fixtureConfig.auth,
        profiles: { ...fixtureConfig.auth?.profiles, "fixture:a": { provider: "fixture", mode: "oauth" } },
      },
    });
    assert.deepEqual(profileCandidates(query({ config: cfg })), ["fixture:b"]);
  });
});

describe("without an explicit order", () => {
  const anthropicStore: AuthProfileStore = {
    version: 1,
    profiles: {
      "anthropic:key-old": { type: "api_key", provider: "anthropic", key: "sk-ant-api-old" },
      "anthropic:key-new": { type: "api_key", provider: "anthropic", key: "sk-ant-api-new" },
      "anthropic:default": { type: "token", provider: "anthropic", token: "sk-ant-oat01-t" },
      "anthropic:me@example.com": { type: "oauth", provider: "anthropic", access: "acc", refresh: "ref" },
      "openai:default": { type: "api_key", provider: "openai", key: "sk-openai" },
    },
    usageStats: {
      "anthropic:key-old": { lastUsed: 100 },
      "anthropic:key-new": { lastUsed: 200 },
      "anthropic:default": { lastUsed: 300 },
      "anthropic:me@example.com": { lastUsed: 400 },
    },
  };
  const q = (overrides: Partial<CredentialQuery> = {}): CredentialQuery =>
    query({ provider: "anthropic", config: config(), store: anthropicStore, now: 1000, ...overrides });

  test("OAuth, then token, then API keys least recently used first", () => {
    assert.deepEqual(profileCandidates(q()), [
      "anthropic:me@example.com",
      "anthropic:default",
      "anthropic:key-old",
      "anthropic:key-new",
    ]);
    assert.equal(resolveCredential(q()).apiKey, "acc");
  });

  test("an expired token or an empty key is not a candidate", () => {
    const store: AuthProfileStore = {
      version: 1,
      profiles: {
        "anthropic:default": { type: "token", provider: "anthropic", token: "t", expires: 500 },
        "anthropic:empty": { type: "api_key", provider: "anthropic", key: "  " },
        "anthropic:ok": { type: "api_key", provider: "anthropic", key: "sk-ok" },
      },
    };
    assert.deepEqual(profileCandidates(q({ store })), ["anthropic:ok"]);
  });

  test("configured profiles are used before other stored ones", () => {
    const cfg = config({
      auth: { profiles: { "anthropic:key-new": { provider: "anthropic", mode: "api_key" } } },
    });
    assert.deepEqual(profileCandidates(q({ config: cfg })), ["anthropic:key-new"]);
    const drifted = config({
      auth: { profiles: { "anthropic:renamed": { provider: "anthropic", mode: "api_key" } } },
    });
    assert.equal(
      profileCandidates(q({ config: drifted })).length,
      4,
      "configured ids missing from the store fall back to it",
    );
  });
});

describe("without profiles", () => {
  const empty: AuthProfileStore = { version: 1, profiles: {} };
  const q = (provider: string, overrides: Partial<CredentialQuery> = {}): CredentialQuery =>
    query({ provider, config: config(), store: empty, ...overrides });

  test("the provider's env var is used, in OpenClaw's preference order", () => {
    assert.deepEqual(resolveCredential(q("anthropic", { env: { ANTHROPIC_API_KEY: "sk-ant-env" } })), {
      apiKey: "sk-ant-env",
      source: "env:ANTHROPIC_API_KEY",
    });
    assert.equal(
      resolveCredential(q("anthropic", { env: { ANTHROPIC_API_KEY: "k", ANTHROPIC_OAUTH_TOKEN: "oat" } }))
        .apiKey,
      "oat",
    );
    assert.equal(
      resolveCredential(q("google", { env: { GOOGLE_API_KEY: "g2", GEMINI_API_KEY: "g1" } })).apiKey,
      "g1",
    );
  });

  test("then the config's apiKey: a literal, an env var name, or an env SecretRef", () => {
    const withKey = (apiKey: unknown) =>
      config({
        models: { providers: { lmstudio: { baseUrl: "http://localhost:1234/v1", apiKey } } },
      } as OpenClawConfigInput);
    assert.deepEqual(resolveCredential(q("lmstudio", { config: withKey("sk-literal") })), {
      apiKey: "sk-literal",
      source: "config",
    });
    assert.equal(
      resolveCredential(q("lmstudio", { config: withKey("LMSTUDIO_KEY"), env: { LMSTUDIO_KEY: "from-env" } }))
        .apiKey,
      "from-env",
    );
    assert.equal(
      resolveCredential(
        q("lmstudio", { config: withKey({ source: "env", id: "MY_KEY" }), env: { MY_KEY: "ref" } }),
      ).apiKey,
      "ref",
    );
  });

  test("an env var beats the config's apiKey", () => {
    const cfg = config({ models: { providers: { openai: { apiKey: "sk-config" } } } });
    assert.equal(
      resolveCredential(q("openai", { config: cfg, env: { OPENAI_API_KEY: "sk-env" } })).apiKey,
      "sk-env",
    );
  });

  test("nothing at all gives OpenClaw's message, with the store path and agent dir", () => {
    const message = missing(() => resolveCredential(q("openai")));
    assert.ok(message.startsWith('No API key found for provider "openai". Auth store:'), message);
    assert.ok(
      message.includes(
        `Auth store: ${authProfilesPath(agentDir)} (agentDir: ${agentDir}). Configure auth for this agent`,
      ),
    );
  });
});

test("configApiKey leaves an unset env SecretRef unresolved", () => {
  assert.equal(configApiKey({ source: "env", id: "NOPE" }, {}), undefined);
  assert.equal(configApiKey("", {}), undefined);
  assert.equal(configApiKey(undefined, {}), undefined);
});

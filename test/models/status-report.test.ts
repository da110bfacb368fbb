import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { type OpenClawConfigInput, OpenClawConfigSchema } from "../../src/config/schema.ts";
import type { AuthProfileStore } from "../../src/models/auth-profiles.ts";
import {
  buildStatusReport,
  type ModelsStatusReport,
  modelChoiceOf,
  type StatusInput,
  secretHint,
} from "../../src/models/status-report.ts";

// The fixture state's config and store (fixture/openclaw-2026.2.26-state): fixture:a was
// rate-limited at 09:14:11.026 UTC with a 60 s cooldown.
const COOLDOWN_UNTIL = 1795598111026;
const DURING_COOLDOWN = 1795598060000;
const AFTER_COOLDOWN = 1795598200000;

const FIXTURE_CONFIG: OpenClawConfigInput = {
  models: {
    mode: "merge",
    providers: {
      fixture: {
        baseUrl: "http://127.0.0.1:41881/v1",
        api: "openai-completions",
        models: [{ id: "m1", name: "Fixture M1", contextWindow: 128000, maxTokens: 4096 }],
      },
    },
  },
  auth: {
    profiles: {
      "fixture:a": { provider: "fixture", mode: "api_key" },
      "fixture:b": { provider: "fixture", mode: "api_key" },
    },
    order: { fixture: ["fixture:a", "fixture:b"] },
  },
  agents: { defaults: { model: { primary: "fixture/m1" } } },
};

const FIXTURE_STORE: AuthProfileStore = {
  version: 1,
  profiles: {
    "fixture:a": { type: "api_key", provider: "fixture", key: "sk-fixture-a" },
    "fixture:b": { type: "api_key", provider: "fixture", key: "sk-fixture-b" },
  },
  usageStats: {
    "fixture:a": {
      lastUsed: 1795598007394,
      errorCount: 1,
      failureCounts: { rate_limit: 1 },
      lastFailureAt: 1795598051026,
      cooldownUntil: COOLDOWN_UNTIL,
    },
    "fixture:b": { lastUsed: 1795598051024, errorCount: 0 },
  },
};

const SECRETS = [
  "sk-fixture-a",
  "sk-fixture-b",
  "sk-ant-env-key-0123456789",
  "tok-expired-0123456789",
  "lm-config-key-0123",
];

function report(
  overrides: Partial<Omit<StatusInput, "config">> & { config?: OpenClawConfigInput } = {},
): ModelsStatusReport {
  const config = OpenClawConfigSchema.parse(overrides.config ?? FIXTURE_CONFIG);
  const r = buildStatusReport({
    configPath: "/home/u/.openclaw/openclaw.json",
    agentId: "main",
    agentDir: "/home/u/.openclaw/agents/main/agent",
    authStorePath: "/home/u/.openclaw/agents/main/agent/auth-profiles.json",
    model: modelChoiceOf(config.agents?.defaults?.model ?? "anthropic/claude-opus-4-6"),
    imageModel: modelChoiceOf(config.agents?.defaults?.imageModel),
    store: FIXTURE_STORE,
    env: {},
    now: AFTER_COOLDOWN,
    ...overrides,
    config,
  });
  const text = JSON.stringify(r);
  for (const secret of SECRETS) assert.ok(!text.includes(secret), `the report must not contain ${secret}`);
  return r;
}

const provider = (r: ModelsStatusReport, id: string) => {
  const p = r.auth.providers.find((x) => x.provider === id);
  assert.ok(p, `provider ${id} in ${JSON.stringify(r.auth.providers)}`);
  return p;
};

describe("models status report", () => {
  test("the fixture after its cooldown: fixture:a is used and nothing is unusable", () => {
    const r = report();
    assert.equal(r.resolvedDefault, "fixture/m1");
    assert.equal(r.defaultModelUsable, true);
    const fixture = provider(r, "fixture");
    assert.equal(fixture.inUse, true);
    assert.deepEqual(fixture.effective, {
      source: "profile:fixture:a",
      profileId: "fixture:a",
      hint: "sk-f…(12 chars)",
    });
    assert.deepEqual(fixture.order, ["fixture:a", "fixture:b"]);
    assert.deepEqual(
      fixture.profiles.map((p) => [p.id, p.state]),
      [
        ["fixture:a", "ok"],
        ["fixture:b", "ok"],
      ],
    );
    assert.deepEqual(r.auth.unusableProfiles, []);
    assert.deepEqual(r.auth.missingProvidersInUse, []);
    assert.deepEqual(r.auth.shellEnvFallback, { enabled: false });
  });

  test("during the cooldown fixture:a is listed with reason rate_limit and fixture:b is used (OBS-13)", () => {
    const r = report({ now: DURING_COOLDOWN });
    assert.deepEqual(r.auth.unusableProfiles, [
      {
        profileId: "fixture:a",
        provider: "fixture",
        kind: "cooldown",
        reason: "rate_limit",
        until: new Date(COOLDOWN_UNTIL).toISOString(),
        untilMs: COOLDOWN_UNTIL,
        remainingMs: COOLDOWN_UNTIL - DURING_COOLDOWN,
        errorCount: 1,
      },
    ]);
    const fixture = provider(r, "fixture");
    assert.equal(fixture.effective?.source, "profile:fixture:b");
    assert.deepEqual(fixture.order, ["fixture:b", "fixture:a"]);
    assert.equal(fixture.profiles.find((p) => p.id === "fixture:a")?.state, "cooldown");
  });

  test("a billing disable is kind disabled with its disabledReason", () => {
    const until = AFTER_COOLDOWN + 5 * 3_600_000;
    const store: AuthProfileStore = {
      ...FIXTURE_STORE,
      usageStats: {
        "fixture:b": {
          disabledUntil: until,
          disabledReason: "billing",
          errorCount: 1,
          failureCounts: { billing: 1 },
        },
      },
    };
    const r = report({ store });
    assert.equal(r.auth.unusableProfiles.length, 1);
    assert.equal(r.auth.unusableProfiles[0]?.kind, "disabled");
    assert.equal(r.auth.unusableProfiles[0]?.reason, "billing");
    assert.equal(r.auth.unusableProfiles[0]?.until, new Date(until).toISOString());
  });

  test("all profiles cooling down: no credential, the run's message, and --check fails", () => {
    const store: AuthProfileStore = {
      ...FIXTURE_STORE,
      usageStats: {
        "fixture:a": { cooldownUntil: AFTER_COOLDOWN + 60_000, errorCount: 1, failureCounts: { timeout: 1 } },
        "fixture:b": {
          cooldownUntil: AFTER_COOLDOWN + 300_000,
          errorCount: 2,
          failureCounts: { rate_limit: 2 },
        },
      },
    };
    const r = report({ store });
    const fixture = provider(r, "fixture");
    assert.equal(fixture.effective, null);
    assert.equal(fixture.error, "No available auth profile for fixture (all in cooldown or unavailable).");
    assert.deepEqual(
      r.auth.unusableProfiles.map((u) => [u.profileId, u.reason]),
      [
        ["fixture:a", "timeout"],
        ["fixture:b", "rate_limit"],
      ],
    );
    assert.equal(r.defaultModelUsable, false);
    assert.deepEqual(r.auth.missingProvidersInUse, ["fixture"]);
  });

  test("nothing configured: the built-in default has no key", () => {
    const r = report({ config: {}, store: { version: 1, profiles: {} } });
    assert.equal(r.defaultModel, "anthropic/claude-opus-4-6");
    assert.equal(r.defaultModelUsable, false);
    assert.deepEqual(r.auth.missingProvidersInUse, ["anthropic"]);
    assert.equal(provider(r, "anthropic").error, 'No API key found for provider "anthropic".');
  });

  test("an expired token is skipped for the env key; its expiry is reported", () => {
    const expires = AFTER_COOLDOWN - 1000;
    const store: AuthProfileStore = {
      version: 1,
      profiles: {
        "anthropic:manual": {
          type: "token",
          provider: "anthropic",
          token: "tok-expired-0123456789",
          expires,
        },
      },
    };
    const r = report({ config: {}, store, env: { ANTHROPIC_API_KEY: "sk-ant-env-key-0123456789" } });
    const anthropic = provider(r, "anthropic");
    assert.equal(anthropic.effective?.source, "env:ANTHROPIC_API_KEY");
    assert.equal(anthropic.effective?.hint, "sk-a…(25 chars)");
    assert.deepEqual(anthropic.profiles, [
      {
        id: "anthropic:manual",
        type: "token",
        state: "expired",
        hint: "tok-…(22 chars)",
        expiresAt: new Date(expires).toISOString(),
        expired: true,
      },
    ]);
    assert.equal(r.defaultModelUsable, true);
  });

  test("a valid token reports its expiry on the effective credential", () => {
    const expires = AFTER_COOLDOWN + 30 * 86_400_000;
    const store: AuthProfileStore = {
      version: 1,
      profiles: {
        "anthropic:manual": {
          type: "token",
          provider: "anthropic",
          token: "tok-expired-0123456789",
          expires,
        },
      },
    };
    const r = report({ config: {}, store });
    assert.deepEqual(provider(r, "anthropic").effective, {
      source: "profile:anthropic:manual",
      profileId: "anthropic:manual",
      hint: "tok-…(22 chars)",
      expiresAt: new Date(expires).toISOString(),
    });
  });

  test("a custom provider's config apiKey is source config; aliases, fallbacks and image model are shown", () => {
    const r = report({
      config: {
        models: {
          providers: { lmstudio: { baseUrl: "http://127.0.0.1:1234/v1", apiKey: "lm-config-key-0123" } },
        },
        agents: {
          defaults: {
            model: { primary: "local", fallbacks: ["openai/gpt-5.2"] },
            imageModel: "google/gemini-3-flash-preview",
            models: { "lmstudio/qwen": { alias: "local" }, "openai/gpt-5.2": {} },
          },
        },
        env: { shellEnv: { enabled: true } },
      },
      store: { version: 1, profiles: {} },
    });
    assert.equal(r.defaultModel, "local");
    assert.equal(r.resolvedDefault, "lmstudio/qwen");
    assert.deepEqual(r.aliases, { local: "lmstudio/qwen" });
    assert.deepEqual(r.allowed, ["lmstudio/qwen", "openai/gpt-5.2"]);
    assert.deepEqual(r.fallbacks, ["openai/gpt-5.2"]);
    assert.equal(r.imageModel, "google/gemini-3-flash-preview");
    assert.deepEqual(provider(r, "lmstudio").effective, { source: "config", hint: "lm-c…(18 chars)" });
    assert.deepEqual(r.auth.missingProvidersInUse, ["google", "openai"]);
    assert.equal(r.defaultModelUsable, true);
    assert.deepEqual(r.auth.shellEnvFallback, { enabled: true });
  });

  test("a configured profile missing from the store is reported as missing", () => {
    const r = report({ store: { version: 1, profiles: {} } });
    assert.deepEqual(
      provider(r, "fixture").profiles.map((p) => [p.id, p.state]),
      [
        ["fixture:a", "missing"],
        ["fixture:b", "missing"],
      ],
    );
  });

  test("secretHint shows at most four characters and the length", () => {
    assert.equal(secretHint("sk-abcdefghij"), "sk-a…(13 chars)");
    assert.equal(secretHint("short"), "…(5 chars)");
  });
});

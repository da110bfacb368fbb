import assert from "node:assert/strict";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, test } from "node:test";
import { type OpenClawConfigInput, OpenClawConfigSchema } from "../../src/config/schema.ts";
import type { AuthProfileStore } from "../../src/models/auth-profiles.ts";
import { awsRegion, detectAwsCredentials } from "../../src/models/aws-credentials.ts";
import {
  type CredentialQuery,
  MissingCredentialError,
  resolveCredential,
} from "../../src/models/credentials.ts";
import { buildStatusReport } from "../../src/models/status-report.ts";

const HOME = "/home/someone";
const config = (input: OpenClawConfigInput = {}) => OpenClawConfigSchema.parse(input);
const EMPTY: AuthProfileStore = { version: 1, profiles: {} };

describe("which AWS credentials the SDK's default chain would find", () => {
  const files =
    (...present: string[]) =>
    (file: string) =>
      present.includes(file);
  const rows: [string, NodeJS.ProcessEnv, string[], string | undefined][] = [
    ["nothing at all", {}, [], undefined],
    ["a Bedrock API key", { AWS_BEARER_TOKEN_BEDROCK: "abc" }, [], "env:AWS_BEARER_TOKEN_BEDROCK"],
    ["static keys", { AWS_ACCESS_KEY_ID: "AKIA1", AWS_SECRET_ACCESS_KEY: "s" }, [], "env:AWS_ACCESS_KEY_ID"],
    [
      "temporary keys",
      { AWS_ACCESS_KEY_ID: "ASIA1", AWS_SECRET_ACCESS_KEY: "s", AWS_SESSION_TOKEN: "t" },
      [],
      "env:AWS_ACCESS_KEY_ID+AWS_SESSION_TOKEN",
    ],
    ["a key id without its secret", { AWS_ACCESS_KEY_ID: "AKIA1" }, [], undefined],
    ["blank values", { AWS_ACCESS_KEY_ID: " ", AWS_SECRET_ACCESS_KEY: " ", AWS_PROFILE: "" }, [], undefined],
    ["a named profile", { AWS_PROFILE: "work" }, [], "profile:work"],
    ["the shared credentials file", {}, [`${HOME}/.aws/credentials`], "file:~/.aws/credentials"],
    ["the shared config file (SSO)", {}, [`${HOME}/.aws/config`], "file:~/.aws/config"],
    [
      "a credentials file named by AWS_SHARED_CREDENTIALS_FILE",
      { AWS_SHARED_CREDENTIALS_FILE: "/etc/aws/creds" },
      ["/etc/aws/creds", `${HOME}/.aws/credentials`],
      "file:/etc/aws/creds",
    ],
    [
      "an overridden path that does not exist",
      { AWS_CONFIG_FILE: "/nope" },
      [`${HOME}/.aws/config`],
      undefined,
    ],
    [
      "an ECS task role",
      { AWS_CONTAINER_CREDENTIALS_RELATIVE_URI: "/v2/creds" },
      [],
      "container credentials (AWS_CONTAINER_CREDENTIALS_*)",
    ],
    [
      "a web identity (EKS)",
      { AWS_WEB_IDENTITY_TOKEN_FILE: "/var/run/token" },
      [],
      "env:AWS_WEB_IDENTITY_TOKEN_FILE",
    ],
    [
      "keys win over a profile, as in the SDK's chain",
      { AWS_PROFILE: "work", AWS_ACCESS_KEY_ID: "AKIA1", AWS_SECRET_ACCESS_KEY: "s" },
      [],
      "env:AWS_ACCESS_KEY_ID",
    ],
  ];
  for (const [name, env, present, expected] of rows) {
    test(name, () => {
      const found = detectAwsCredentials({ env: { HOME, ...env }, fileExists: files(...present) });
      assert.equal(found?.detail, expected);
    });
  }

  test("the real file check looks under HOME", async () => {
    const home = await mkdtemp(path.join(os.tmpdir(), "aws-home-"));
    try {
      assert.equal(detectAwsCredentials({ env: { HOME: home } }), undefined);
      await mkdir(path.join(home, ".aws"));
      await writeFile(path.join(home, ".aws", "credentials"), "[default]\naws_access_key_id = AKIA1\n");
      assert.equal(detectAwsCredentials({ env: { HOME: home } })?.detail, "file:~/.aws/credentials");
    } finally {
      await rm(home, { recursive: true, force: true });
    }
  });
});

test("the region: AWS_REGION, then AWS_DEFAULT_REGION, then models.bedrockDiscovery.region", () => {
  const cfg = config({ models: { bedrockDiscovery: { region: "ap-south-1" } } });
  assert.equal(awsRegion({ AWS_REGION: "eu-west-1", AWS_DEFAULT_REGION: "us-west-2" }, cfg), "eu-west-1");
  assert.equal(awsRegion({ AWS_DEFAULT_REGION: "us-west-2" }, cfg), "us-west-2");
  assert.equal(awsRegion({}, cfg), "ap-south-1");
  assert.equal(awsRegion({}, config()), undefined);
});

describe("resolving a credential for an AWS provider", () => {
  const KEYS = {
    HOME: "/nonexistent",
    AWS_ACCESS_KEY_ID: "AKIAEXAMPLE",
    AWS_SECRET_ACCESS_KEY: "very-secret-value",
  };
  const query = (
    provider: string,
    input: OpenClawConfigInput,
    env: NodeJS.ProcessEnv,
    store = EMPTY,
  ): CredentialQuery => ({
    provider,
    config: config(input),
    store,
    storePath: "/state/agents/main/agent/auth-profiles.json",
    agentDir: "/state/agents/main/agent",
    env,
    now: 1_800_000_000_000,
  });
  const bearerProfile: AuthProfileStore = {
    version: 1,
    profiles: {
      "amazon-bedrock:default": { type: "api_key", provider: "amazon-bedrock", key: "bedrock-api-key" },
    },
  };

  test("the built-in Bedrock provider uses the host's credentials without any key of ours", () => {
    const cred = resolveCredential(query("amazon-bedrock", {}, { ...KEYS, AWS_REGION: "eu-west-3" }));
    assert.deepEqual(cred, {
      apiKey: "",
      source: "aws-sdk",
      awsChain: "env:AWS_ACCESS_KEY_ID",
      awsRegion: "eu-west-3",
    });
  });

  test("a custom provider speaking bedrock-converse-stream with auth aws-sdk", () => {
    const input = {
      models: {
        providers: {
          corp: {
            baseUrl: "https://vpce.example",
            api: "bedrock-converse-stream" as const,
            auth: "aws-sdk" as const,
            models: [{ id: "m" }],
          },
        },
      },
    };
    assert.equal(
      resolveCredential(query("corp", input, { HOME: "/nonexistent", AWS_PROFILE: "corp" })).awsChain,
      "profile:corp",
    );
    // An explicit aws-sdk mode goes to the SDK even when a stored key exists for the provider.
    const stored: AuthProfileStore = {
      version: 1,
      profiles: { "corp:k": { type: "api_key", provider: "corp", key: "k" } },
    };
    assert.equal(resolveCredential(query("corp", input, KEYS, stored)).source, "aws-sdk");
  });

  test("without auth aws-sdk, a stored Bedrock API key or a config apiKey comes first", () => {
    assert.equal(
      resolveCredential(query("amazon-bedrock", {}, KEYS, bearerProfile)).source,
      "profile:amazon-bedrock:default",
    );
    const withKey = { models: { providers: { "amazon-bedrock": { apiKey: "config-bedrock-key" } } } };
    assert.equal(resolveCredential(query("amazon-bedrock", withKey, KEYS)).source, "config");
  });

  test("no AWS credentials on the host: an error that names what to set", () => {
    assert.throws(
      () => resolveCredential(query("amazon-bedrock", {}, { HOME: "/nonexistent" })),
      (err: unknown) =>
        err instanceof MissingCredentialError &&
        /^No AWS credentials found for provider "amazon-bedrock"/.test(err.message) &&
        /AWS_ACCESS_KEY_ID/.test(err.message) &&
        /AWS_PROFILE/.test(err.message) &&
        /AWS_BEARER_TOKEN_BEDROCK/.test(err.message),
    );
  });

  test("other providers are untouched by AWS credentials", () => {
    assert.throws(
      () => resolveCredential(query("openai", {}, KEYS)),
      (err: unknown) =>
        err instanceof MissingCredentialError && /^No API key found for provider "openai"/.test(err.message),
    );
    const apiKeyMode = {
      models: { providers: { br: { api: "bedrock-converse-stream" as const, auth: "api-key" as const } } },
    };
    assert.throws(
      () => resolveCredential(query("br", apiKeyMode, KEYS)),
      /No API key found for provider "br"/,
    );
  });

  test("models status shows the aws-sdk source and where the SDK looks, never a secret", () => {
    const report = buildStatusReport(reportInput());
    const bedrock = report.auth.providers.find((p) => p.provider === "amazon-bedrock");
    assert.deepEqual(bedrock?.effective, { source: "aws-sdk", hint: "env:AWS_ACCESS_KEY_ID" });
    assert.deepEqual(report.auth.missingProvidersInUse, []);
    assert.ok(!JSON.stringify(report).includes(KEYS.AWS_SECRET_ACCESS_KEY));

    const without = buildStatusReport({ ...reportInput(), env: { HOME: "/nonexistent" } });
    const missing = without.auth.providers.find((p) => p.provider === "amazon-bedrock");
    assert.equal(missing?.effective, null);
    assert.match(missing?.error ?? "", /No AWS credentials found/);
    assert.deepEqual(without.auth.missingProvidersInUse, ["amazon-bedrock"]);
  });

  function reportInput() {
    return {
      config: config({ agents: { defaults: { model: { primary: "amazon-bedrock/amazon.nova-pro-v1:0" } } } }),
      configPath: "/state/openclaw.json",
      agentId: "main",
      agentDir: "/state/agents/main/agent",
      authStorePath: "/state/agents/main/agent/auth-profiles.json",
      model: { primary: "amazon-bedrock/amazon.nova-pro-v1:0", fallbacks: [] },
      imageModel: { primary: undefined, fallbacks: [] },
      store: EMPTY,
      env: KEYS,
      now: 1_800_000_000_000,
    };
  }
});

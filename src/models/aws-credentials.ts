import { statSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { OpenClawConfig } from "../config/schema.ts";

/** pi-ai's (and OpenClaw's) id of the built-in Amazon Bedrock provider. */
export const BEDROCK_PROVIDER = "amazon-bedrock";

/**
 * Where the AWS SDK's default credential chain will find credentials on this host: a description
 * for `models status` and logs (`env:AWS_ACCESS_KEY_ID`, `profile:work`, `file:~/.aws/config`),
 * never a secret. The SDK reads the secrets itself, so none passes through us.
 */
export interface AwsCredentialSource {
  kind: "bearer-token" | "access-keys" | "profile" | "shared-files" | "container" | "web-identity";
  detail: string;
}

type ProviderConfig = NonNullable<NonNullable<OpenClawConfig["models"]>["providers"]>[string];

/**
 * Whether requests of this provider authenticate through the AWS SDK instead of a key we hold
 * (reference-gateway §3 `models.providers.<id>.auth: "aws-sdk"`): said explicitly, or implied by
 * the built-in Bedrock provider or a custom one speaking `bedrock-converse-stream` when no other
 * auth mode is set. Pure.
 */
export function usesAwsSdkAuth(provider: string, config: OpenClawConfig): boolean {
  const p: ProviderConfig | undefined = config.models?.providers?.[provider];
  if (p?.auth !== undefined) return p.auth === "aws-sdk";
  return provider === BEDROCK_PROVIDER || p?.api === "bedrock-converse-stream";
}

/** Only the auth mode itself says the SDK chain goes first; otherwise stored keys are tried before it. */
export function awsSdkAuthIsExplicit(provider: string, config: OpenClawConfig): boolean {
  return config.models?.providers?.[provider]?.auth === "aws-sdk";
}

export interface AwsHost {
  env: NodeJS.ProcessEnv;
  /** Whether a file exists; injected so the detection table is testable without a home dir. */
  fileExists?: (file: string) => boolean;
}

/**
 * Finds what the SDK's default chain would use, in the order the SDK and pi-ai's Bedrock client
 * prefer them: the Bedrock bearer token (pi-ai sends it instead of signing), static keys in the
 * environment, a named profile, the shared credentials/config files (which also hold SSO and
 * `credential_source` profiles), then container and web-identity roles. `undefined` when none is
 * present. An EC2 instance role alone is not detected: finding it takes a network call to the
 * metadata service, which would stall every turn on hosts without one.
 */
export function detectAwsCredentials(host: AwsHost): AwsCredentialSource | undefined {
  const env = host.env;
  const set = (name: string): boolean => (env[name]?.trim() ?? "") !== "";
  if (set("AWS_BEARER_TOKEN_BEDROCK"))
    return { kind: "bearer-token", detail: "env:AWS_BEARER_TOKEN_BEDROCK" };
  if (set("AWS_ACCESS_KEY_ID") && set("AWS_SECRET_ACCESS_KEY")) {
    return {
      kind: "access-keys",
      detail: set("AWS_SESSION_TOKEN") ? "env:AWS_ACCESS_KEY_ID+AWS_SESSION_TOKEN" : "env:AWS_ACCESS_KEY_ID",
    };
  }
  if (set("AWS_PROFILE")) return { kind: "profile", detail: `profile:${env["AWS_PROFILE"]!.trim()}` };
  const exists = host.fileExists ?? isFile;
  for (const file of sharedFiles(env)) {
    if (exists(file.path)) return { kind: "shared-files", detail: `file:${file.shown}` };
  }
  if (set("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") || set("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    return { kind: "container", detail: "container credentials (AWS_CONTAINER_CREDENTIALS_*)" };
  }
  if (set("AWS_WEB_IDENTITY_TOKEN_FILE"))
    return { kind: "web-identity", detail: "env:AWS_WEB_IDENTITY_TOKEN_FILE" };
  return undefined;
}

/** The SDK's shared files: `AWS_SHARED_CREDENTIALS_FILE`/`AWS_CONFIG_FILE`, else under `~/.aws`. */
function sharedFiles(env: NodeJS.ProcessEnv): { path: string; shown: string }[] {
  const home = env["HOME"] || env["USERPROFILE"] || os.homedir();
  const pick = (override: string | undefined, name: string) =>
    override?.trim()
      ? { path: override.trim(), shown: override.trim() }
      : { path: path.join(home, ".aws", name), shown: `~/.aws/${name}` };
  return [pick(env["AWS_SHARED_CREDENTIALS_FILE"], "credentials"), pick(env["AWS_CONFIG_FILE"], "config")];
}

// One stat per file, only for AWS providers whose credentials are not in the environment; the
// credential resolver is synchronous for all of its callers, and a stat costs microseconds.
function isFile(file: string): boolean {
  return statSync(file, { throwIfNoEntry: false })?.isFile() ?? false;
}

/**
 * The region a request should be signed for when the host names one (`AWS_REGION`, then
 * `AWS_DEFAULT_REGION`, then `models.bedrockDiscovery.region`); `undefined` leaves it to pi-ai's
 * Bedrock client (the region of a standard endpoint baseUrl, the profile's, else us-east-1).
 */
export function awsRegion(env: NodeJS.ProcessEnv, config: OpenClawConfig): string | undefined {
  return (
    env["AWS_REGION"]?.trim() ||
    env["AWS_DEFAULT_REGION"]?.trim() ||
    config.models?.bedrockDiscovery?.region?.trim() ||
    undefined
  );
}

/** What to do when an AWS provider finds nothing (the first sentence is the one users search for). */
export function missingAwsCredentialsMessage(provider: string): string {
  return (
    `No AWS credentials found for provider "${provider}" (auth: aws-sdk). ` +
    "Set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN for temporary credentials), " +
    "AWS_PROFILE with a profile in ~/.aws/credentials or ~/.aws/config (run `aws configure` or `aws sso login`), " +
    "or AWS_BEARER_TOKEN_BEDROCK, in the gateway's environment or ~/.openclaw/.env; " +
    "set AWS_REGION for a region other than us-east-1."
  );
}

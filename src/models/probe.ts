import type { OpenClawConfig } from "../config/schema.ts";
import type { AuthProfileStore } from "./auth-profiles.ts";
import { type ResolvedModel, resolveModel } from "./catalog.ts";
import { type ResolvedCredential, resolveCredential } from "./credentials.ts";
import { classifyFailure, type FailureReason } from "./failure.ts";
import { formatModelRef, resolveModelRef } from "./model-ref.ts";
import { streamModel } from "./stream.ts";

/** One credential to try against one model: a stored profile, or the env/config key. */
export interface ProbeTarget {
  provider: string;
  modelRef: string;
  /** `profile:<id>`, `env:<NAME>` or `config`. */
  source: string;
  profileId?: string;
}

export interface ProbeResult extends ProbeTarget {
  ok: boolean;
  latencyMs: number;
  /** Why it failed, in the failover vocabulary (`auth`, `rate_limit`, `billing`…). */
  reason?: FailureReason;
  error?: string;
}

export interface ProbePlanInput {
  config: OpenClawConfig;
  store: AuthProfileStore;
  storePath: string;
  agentDir: string;
  env: NodeJS.ProcessEnv;
  now: number;
  /** Model refs in use (default, fallbacks, image), aliases allowed: each provider is probed with its first. */
  refs: string[];
  provider?: string;
  profileId?: string;
}

/**
 * What `models status --probe` tries (reference-gateway §6): for every provider in use, each of its
 * stored profiles (cooling down or not: the probe is how a user learns whether a key works again)
 * and, when it has none, the env or config key — against the first in-use model of that provider.
 * Narrowed by `--probe-provider` / `--probe-profile`. Pure.
 */
export function planProbes(input: ProbePlanInput): ProbeTarget[] {
  const aliases = Object.fromEntries(
    Object.entries(input.config.agents?.defaults?.models ?? {}).flatMap(([ref, v]) =>
      v?.alias ? [[v.alias, ref]] : [],
    ),
  );
  const modelOf = new Map<string, string>();
  for (const text of input.refs) {
    const ref = resolveModelRef(text, aliases);
    if (ref && !modelOf.has(ref.provider)) modelOf.set(ref.provider, formatModelRef(ref));
  }
  const targets: ProbeTarget[] = [];
  for (const [provider, modelRef] of modelOf) {
    if (input.provider && provider !== input.provider) continue;
    const profiles = Object.entries(input.store.profiles)
      .filter(([, cred]) => cred.provider === provider)
      .map(([id]) => id);
    for (const id of profiles) {
      if (input.profileId && id !== input.profileId) continue;
      targets.push({ provider, modelRef, source: `profile:${id}`, profileId: id });
    }
    if (profiles.length > 0 || input.profileId) continue;
    const keyless = credentialFor(input, provider, undefined);
    if (keyless) targets.push({ provider, modelRef, source: keyless.source });
  }
  return targets;
}

/**
 * The key of one target, ignoring cooldowns: a probe asks the provider itself. `undefined` when the
 * profile has no usable secret (expired token) or the provider no key at all.
 */
function credentialFor(
  input: Omit<ProbePlanInput, "refs">,
  provider: string,
  profileId: string | undefined,
): ResolvedCredential | undefined {
  const only = profileId ? input.store.profiles[profileId] : undefined;
  const store: AuthProfileStore = {
    version: input.store.version,
    profiles: only ? { [profileId!]: only } : {},
  };
  try {
    return resolveCredential({ ...input, provider, store });
  } catch {
    return undefined;
  }
}

export interface ProbeOptions {
  timeoutMs: number;
  maxTokens: number;
  concurrency: number;
}

/**
 * Sends one tiny real request per target, `concurrency` at a time, each bounded by `timeoutMs`.
 * Nothing is written: cooldowns and usage stats are the turns' business, not a diagnostic's.
 */
export async function runProbes(
  targets: ProbeTarget[],
  input: Omit<ProbePlanInput, "refs">,
  opts: ProbeOptions,
): Promise<ProbeResult[]> {
  const results: ProbeResult[] = new Array(targets.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < targets.length) {
      const i = next++;
      results[i] = await probeOne(targets[i]!, input, opts);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency, targets.length)) }, worker));
  return results;
}

async function probeOne(
  target: ProbeTarget,
  input: Omit<ProbePlanInput, "refs">,
  opts: ProbeOptions,
): Promise<ProbeResult> {
  const t0 = performance.now();
  const done = (fields: Partial<ProbeResult>): ProbeResult => ({
    ...target,
    ok: false,
    latencyMs: Math.round(performance.now() - t0),
    ...fields,
  });
  const credential = credentialFor(input, target.provider, target.profileId);
  if (!credential) return done({ reason: "auth", error: "no usable secret (missing or expired)" });
  let model: ResolvedModel;
  try {
    const ref = resolveModelRef(target.modelRef, {});
    if (!ref) return done({ reason: "model_not_found", error: `Unknown model: ${target.modelRef}` });
    model = await resolveModel(ref, input.config);
  } catch (err) {
    return done({ reason: "model_not_found", error: (err as Error).message });
  }
  const signal = AbortSignal.timeout(opts.timeoutMs);
  const stream = await streamModel(
    model,
    { messages: [{ role: "user", content: "Reply with OK.", timestamp: Date.now() }] },
    {
      apiKey: credential.apiKey,
      signal,
      maxTokens: opts.maxTokens,
      ...(credential.projectId ? { projectId: credential.projectId } : {}),
      ...(credential.awsRegion ? { awsRegion: credential.awsRegion } : {}),
    },
  );
  for await (const ev of stream) {
    if (ev.type === "done") return done({ ok: true });
    if (ev.type === "error") {
      const message = signal.aborted
        ? `no answer within ${opts.timeoutMs} ms`
        : (ev.error.errorMessage ?? "failed");
      return done({ reason: signal.aborted ? "timeout" : classifyFailure(message), error: message });
    }
  }
  return done({ reason: "unknown", error: "the stream ended without a result" });
}

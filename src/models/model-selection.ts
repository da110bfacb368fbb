import type { OpenClawConfig } from "../config/schema.ts";
import {
  type AuthProfileStore,
  authProfilesPath,
  EMPTY_AUTH_STORE,
  mergeAuthStores,
  readAuthProfiles,
} from "./auth-profiles.ts";
import { type ResolvedModel, resolveModel } from "./catalog.ts";
import { MissingCredentialError, type ResolvedCredential, resolveCredential } from "./credentials.ts";
import { formatModelRef, resolveModelRef } from "./model-ref.ts";
import { currentCredential, OAuthRefreshError } from "./oauth/refresh.ts";

/** One concrete try: a model and the credential to call it with. */
export interface Attempt {
  ref: string;
  model: ResolvedModel;
  credential: ResolvedCredential;
}

export interface SelectionContext {
  config: OpenClawConfig;
  /** Model refs or aliases in preference order: the session's or agent's model, then fallbacks. */
  chain: string[];
  agentDir: string;
  /** The main agent's dir, whose profiles back up another agent's; undefined for main itself. */
  mainAgentDir: string | undefined;
  env: NodeJS.ProcessEnv;
  now: () => number;
  /** The session's pinned profile, preferred while usable. */
  pinnedProfile?: string;
}

/** What this turn already ruled out: credentials that failed, and models that cannot serve. */
export interface Tried {
  credentials: Set<string>;
  models: Set<string>;
  /** Why each model or credential was passed over, for "All models failed (n): …". */
  notes: string[];
}

export function newTried(): Tried {
  return { credentials: new Set(), models: new Set(), notes: [] };
}

export function credentialKey(ref: string, credential: ResolvedCredential): string {
  return `${ref}|${credential.profileId ?? credential.source}`;
}

async function readStores(ctx: SelectionContext): Promise<AuthProfileStore> {
  const own = await readAuthProfiles(ctx.agentDir);
  const main = ctx.mainAgentDir ? await readAuthProfiles(ctx.mainAgentDir) : EMPTY_AUTH_STORE;
  return mergeAuthStores(own, main);
}

function aliasesOf(config: OpenClawConfig): Record<string, string> {
  return Object.fromEntries(
    Object.entries(config.agents?.defaults?.models ?? {}).flatMap(([ref, v]) =>
      v?.alias ? [[v.alias, ref]] : [],
    ),
  );
}

/**
 * The next attempt of a turn (reference-agent §6.6): the chain's models in order; within a model,
 * its usable credentials in rotation order, skipping those that already failed this turn. Reads the
 * auth store each time, so cooldowns written by a failure are seen. Returns the reason when
 * nothing is left: a single model's own message (e.g. `No API key found for provider "…"`), or
 * `All models failed (n): …`.
 */
export async function selectAttempt(
  ctx: SelectionContext,
  tried: Tried,
): Promise<Attempt | { error: string }> {
  const store = await readStores(ctx);
  const aliases = aliasesOf(ctx.config);
  let firstError: string | undefined;
  for (const text of ctx.chain) {
    const parsed = resolveModelRef(text, aliases);
    const ref = parsed ? formatModelRef(parsed) : text;
    if (tried.models.has(ref)) continue;
    const pass = (why: string, alreadyNoted = false): void => {
      tried.models.add(ref);
      if (!alreadyNoted) tried.notes.push(`${ref}: ${why}`);
      firstError ??= why;
    };
    if (!parsed) {
      pass(`Unknown model: ${text} (expected provider/model or an alias)`);
      continue;
    }
    let model: ResolvedModel;
    try {
      model = await resolveModel(parsed, ctx.config);
    } catch (err) {
      pass((err as Error).message);
      continue;
    }
    const hadProfiles = Object.values(store.profiles).some((p) => p.provider === parsed.provider);
    // Each pass rules out one more profile whose OAuth refresh failed, until one works or none is left.
    for (;;) {
      // Rule out credentials that already failed: profiles by id, keyless sources by marking them used.
      const failedProfiles = [...tried.credentials]
        .filter((k) => k.startsWith(`${ref}|profile:`))
        .map((k) => k.slice(`${ref}|profile:`.length));
      const remaining: AuthProfileStore = {
        ...store,
        profiles: Object.fromEntries(
          Object.entries(store.profiles).filter(([id]) => !failedProfiles.includes(id)),
        ),
      };
      try {
        if (hadProfiles && Object.values(remaining.profiles).every((p) => p.provider !== parsed.provider)) {
          pass(`every auth profile for ${parsed.provider} failed in this turn`, true);
          break;
        }
        const credential = resolveCredential({
          provider: parsed.provider,
          config: ctx.config,
          store: remaining,
          storePath: authProfilesPath(ctx.agentDir),
          agentDir: ctx.agentDir,
          env: ctx.env,
          now: ctx.now(),
          ...(ctx.pinnedProfile ? { preferredProfile: ctx.pinnedProfile } : {}),
        });
        if (tried.credentials.has(credentialKey(ref, credential))) {
          pass(`the ${credential.source} key failed in this turn`, true);
          break;
        }
        try {
          return { ref, model, credential: await currentCredential(ctx, credential) };
        } catch (err) {
          if (!(err instanceof OAuthRefreshError)) throw err;
          tried.credentials.add(credentialKey(ref, credential));
          tried.notes.push(`${ref} (${credential.profileId}): ${err.message}`);
          firstError ??= err.message;
        }
      } catch (err) {
        if (!(err instanceof MissingCredentialError)) throw err;
        pass(err.message);
        break;
      }
    }
  }
  const single = ctx.chain.length === 1 && tried.credentials.size === 0;
  return {
    error:
      single && firstError
        ? firstError
        : `All models failed (${tried.notes.length}): ${tried.notes.join("; ")}`,
  };
}

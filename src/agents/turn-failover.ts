import type { ImageContent } from "@earendil-works/pi-ai";
import type { OpenClawConfig } from "../config/schema.ts";
import type { Logger } from "../infra/logger.ts";
import { updateAuthProfiles } from "../models/auth-profiles.ts";
import type { FailoverHooks } from "../models/failover.ts";
import { blamesCredential } from "../models/failure.ts";
import {
  type Attempt,
  newTried,
  type SelectionContext,
  selectAttempt,
  type Tried,
} from "../models/model-selection.ts";
import { failedAssistantMessage } from "../models/stream.ts";
import {
  type CooldownPolicy,
  DEFAULT_COOLDOWN_POLICY,
  withFailure,
  withSuccess,
} from "../models/usage-stats.ts";
import { normalizeAgentId } from "../sessions/session-key.ts";
import type { SessionEntry } from "../sessions/store.ts";
import type { TranscriptWriter } from "../sessions/transcript-writer.ts";
import { type ResolvedAgent, resolveAgent } from "./agent-config.ts";

/**
 * Which models a turn may use, in order: the session's override (then the agent's fallbacks,
 * ending at the configured primary, as reference-agent §6.6 says), else the agent's model and
 * its fallbacks. A user-pinned profile is preferred; an automatic pin only while it works.
 */
export function selectionContext(
  config: OpenClawConfig,
  agent: ResolvedAgent,
  entry: SessionEntry,
  stateDir: string,
  env: NodeJS.ProcessEnv,
  now: () => number,
): SelectionContext {
  const override =
    entry.providerOverride && entry.modelOverride
      ? `${entry.providerOverride}/${entry.modelOverride}`
      : undefined;
  const chain = override
    ? [override, ...agent.fallbacks, agent.modelRef]
    : [agent.modelRef, ...agent.fallbacks];
  return {
    config,
    chain: [...new Set(chain)],
    agentDir: agent.agentDir,
    // The `main` agent's store backs every other agent, the default one included (reference §6.5).
    mainAgentDir: mainDirFor(agent, config, stateDir, env),
    env,
    now,
    ...(entry.authProfileOverride ? { pinnedProfile: entry.authProfileOverride } : {}),
  };
}

function mainDirFor(
  agent: ResolvedAgent,
  config: OpenClawConfig,
  stateDir: string,
  env: NodeJS.ProcessEnv,
): string | undefined {
  const main = resolveAgent(config, "main", stateDir, env).agentDir;
  return main === agent.agentDir ? undefined : main;
}

export function cooldownPolicy(config: OpenClawConfig): CooldownPolicy {
  const c = config.auth?.cooldowns;
  return {
    billingBackoffHours: c?.billingBackoffHours ?? DEFAULT_COOLDOWN_POLICY.billingBackoffHours,
    billingMaxHours: c?.billingMaxHours ?? DEFAULT_COOLDOWN_POLICY.billingMaxHours,
    failureWindowHours: c?.failureWindowHours ?? DEFAULT_COOLDOWN_POLICY.failureWindowHours,
  };
}

/**
 * What a turn does around failover: a failed attempt is logged, recorded in the transcript as
 * OpenClaw records it (an empty assistant message with the provider's error) and, when the
 * credential is to blame, cooled down in the agent's auth store; a success refreshes the
 * profile's stats and `lastGood`.
 */
export function failoverHooks(h: {
  agentDir: string;
  writer: TranscriptWriter;
  log: Logger;
  now: () => Date;
  sessionKey: string;
  policy: CooldownPolicy;
  registerSecret: ((secret: string) => void) | undefined;
}): FailoverHooks {
  return {
    async onFailure(attempt, reason, message) {
      const profileId = attempt.credential.profileId;
      h.log.warn("model attempt failed; trying the next candidate", {
        sessionKey: h.sessionKey,
        model: attempt.ref,
        profile: profileId,
        reason,
        error: message,
      });
      if (profileId && blamesCredential(reason)) {
        await updateAuthProfiles(h.agentDir, (store) => {
          store.usageStats = {
            ...store.usageStats,
            [profileId]: withFailure(store.usageStats?.[profileId], reason, h.now().getTime(), h.policy),
          };
        });
      }
    },
    async onRetry(failed, message) {
      const at = h.now();
      await h.writer.append(at, {
        type: "message",
        message: failedAssistantMessage(failed.model, message, at.getTime()),
      });
    },
    async onSuccess(attempt) {
      h.registerSecret?.(attempt.credential.apiKey);
      const profileId = attempt.credential.profileId;
      if (!profileId) return;
      await updateAuthProfiles(h.agentDir, (store) => {
        store.usageStats = {
          ...store.usageStats,
          [profileId]: withSuccess(store.usageStats?.[profileId], h.now().getTime()),
        };
        store.lastGood = { ...store.lastGood, [attempt.model.provider]: profileId };
      });
    },
  };
}

/** An image in a user message, as the model layer takes it. */
export type TurnImage = ImageContent;

export interface ImageRouting {
  selection: SelectionContext;
  tried: Tried;
  first: Attempt | { error: string };
  /** The images the model gets (none when it cannot see them and no image model is set). */
  images: TurnImage[];
  /** Said to the model in place of images it cannot see. */
  note?: string;
  /** The turn runs on `imageModel`'s chain. */
  imageModel: boolean;
}

/** `agents.list[].imageModel`, else `agents.defaults.imageModel`: primary then fallbacks. */
export function imageModelChain(config: OpenClawConfig, agentId: string): string[] {
  const own = config.agents?.list?.find((a) => normalizeAgentId(a.id) === agentId)?.imageModel;
  const spec = own ?? config.agents?.defaults?.imageModel;
  if (spec === undefined) return [];
  if (typeof spec === "string") return [spec];
  return [...new Set([spec.primary, ...(spec.fallbacks ?? [])].filter((r): r is string => !!r))];
}

/**
 * The first attempt of a turn, taking its images into account (reference-agent §6.1): when the
 * chosen model's `input` lacks `image`, the turn runs on `imageModel` instead, failing with
 * `All image models failed (n): …` when none of those can run; without an `imageModel` the images
 * are dropped and the model is told so.
 */
export async function selectForImages(
  selection: SelectionContext,
  config: OpenClawConfig,
  agentId: string,
  images: TurnImage[],
): Promise<ImageRouting> {
  const tried = newTried();
  const first = await selectAttempt(selection, tried);
  if (images.length === 0 || "error" in first || first.model.input.includes("image"))
    return { selection, tried, first, images, imageModel: false };
  const chain = imageModelChain(config, agentId);
  if (chain.length === 0) {
    const what = images.length === 1 ? "An image was" : `${images.length} images were`;
    return {
      selection,
      tried,
      first,
      images: [],
      note: `[${what} attached, but ${first.ref} cannot see images and no agents.defaults.imageModel is set.]`,
      imageModel: false,
    };
  }
  const imageSelection = { ...selection, chain };
  const imageTried = newTried();
  const picked = await selectAttempt(imageSelection, imageTried);
  return {
    selection: imageSelection,
    tried: imageTried,
    first:
      "error" in picked
        ? { error: `All image models failed (${imageTried.notes.length}): ${imageTried.notes.join("; ")}` }
        : picked,
    images,
    imageModel: true,
  };
}

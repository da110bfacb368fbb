import { randomUUID } from "node:crypto";
import path from "node:path";
import type { ResolvedModel } from "../models/catalog.ts";
import type { ResolvedCredential } from "../models/credentials.ts";
import {
  readSessionStore,
  type SessionEntry,
  transcriptFileName,
  updateSessionStore,
} from "../sessions/store.ts";
import type { SystemPromptReport } from "./prompt-report.ts";

/**
 * A new session entry with the fields a 2026.2.26 `sessions.json` carries for a direct chat, so
 * OpenClaw's own tools read our entries as theirs.
 */
export function newSessionEntry(dir: string, key: string, channel: string, now: number): SessionEntry {
  const sessionId = randomUUID();
  return {
    sessionId,
    updatedAt: now,
    systemSent: false,
    abortedLastRun: false,
    chatType: "direct",
    deliveryContext: { channel },
    lastChannel: channel,
    origin: { provider: channel, surface: channel, chatType: "direct" },
    sessionFile: path.join(dir, transcriptFileName(sessionId, key)),
    compactionCount: 0,
  };
}

/** Returns the entry for `key`, creating it (and writing the index) only when missing. */
export async function ensureSessionEntry(
  storeFile: string,
  key: string,
  dir: string,
  channel: string,
  now: number,
): Promise<SessionEntry> {
  // The common case (the entry exists) needs no lock: entries are only ever replaced whole.
  const existing = (await readSessionStore(storeFile))[key];
  if (existing) return existing;
  return updateSessionStore(storeFile, (store) => {
    store[key] ??= newSessionEntry(dir, key, channel, now);
    return store[key];
  });
}

export interface TurnOutcome {
  now: Date;
  channel: string;
  aborted: boolean;
  model?: ResolvedModel;
  credential?: ResolvedCredential;
  usage?: { input: number; output: number; cacheRead: number; cacheWrite: number; total: number };
  report?: SystemPromptReport;
}

const EMPTY_SKILLS_SNAPSHOT = { prompt: "", skills: [], resolvedSkills: [], version: 0 };

/** Records a finished turn on the session entry: model, auth pin, usage, prompt report, routing. */
export async function recordTurn(
  storeFile: string,
  key: string,
  base: SessionEntry,
  t: TurnOutcome,
): Promise<void> {
  await updateSessionStore(storeFile, (store) => {
    const current = store[key] ?? base;
    const next: SessionEntry = {
      ...current,
      updatedAt: t.now.getTime(),
      abortedLastRun: t.aborted,
      systemSent: true,
      deliveryContext: { ...(current["deliveryContext"] as object | undefined), channel: t.channel },
      lastChannel: t.channel,
    };
    next["skillsSnapshot"] ??= EMPTY_SKILLS_SNAPSHOT;
    if (t.model) {
      next.modelProvider = t.model.provider;
      next.model = t.model.id;
      next.contextTokens = t.model.contextWindow;
    }
    if (t.credential?.profileId && current.authProfileOverrideSource !== "user") {
      next.authProfileOverride = t.credential.profileId;
      next.authProfileOverrideSource = "auto";
      next["authProfileOverrideCompactionCount"] = (current["compactionCount"] as number | undefined) ?? 0;
    }
    if (t.report) next["systemPromptReport"] = t.report;
    if (t.usage) {
      next.inputTokens = t.usage.input;
      next.outputTokens = t.usage.output;
      next.cacheRead = t.usage.cacheRead;
      next.cacheWrite = t.usage.cacheWrite;
      next.totalTokens = t.usage.total;
      next["totalTokensFresh"] = true;
    }
    store[key] = next;
  });
}

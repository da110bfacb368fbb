import { randomUUID } from "node:crypto";
import { rename } from "node:fs/promises";
import path from "node:path";
import { isErrno } from "../infra/errors.ts";
import {
  type SessionEntry,
  sessionStorePath,
  sessionsDir,
  transcriptFileName,
  transcriptPath,
  updateSessionStore,
} from "./store.ts";

/** Per-run counters and automatic pins that belong to the old session, not the key. */
const CLEARED_ON_RESET = [
  "inputTokens",
  "outputTokens",
  "totalTokens",
  "totalTokensFresh",
  "cacheRead",
  "cacheWrite",
  "systemPromptReport",
  "authProfileOverride",
  "authProfileOverrideSource",
  "authProfileOverrideCompactionCount",
  // 2.26 clears the thinking level with the session (reference-agent §1.6); other levels stay.
  "thinkingLevel",
];

/** `.reset.<ts>` suffix of an archived transcript (reference-gateway §4). */
export function archiveSuffix(kind: "reset" | "deleted", now: Date): string {
  return `.${kind}.${now.toISOString().replace(/:/g, "-")}`;
}

/**
 * Gives a session key a new session id (SES-4): settings the user chose (model override, levels,
 * labels) stay, counters and automatic pins go, and the old transcript is kept on disk, archived
 * as `<file>.reset.<ts>`.
 */
export async function resetSession(
  stateDir: string,
  agentId: string,
  key: string,
  now: Date,
): Promise<{ previous: SessionEntry | undefined; next: SessionEntry }> {
  const dir = sessionsDir(stateDir, agentId);
  const { previous, next } = await updateSessionStore(sessionStorePath(stateDir, agentId), (store) => {
    const previous = store[key];
    const sessionId = randomUUID();
    const next: SessionEntry = {
      ...previous,
      sessionId,
      updatedAt: now.getTime(),
      sessionFile: path.join(dir, transcriptFileName(sessionId, key)),
      systemSent: false,
      abortedLastRun: false,
    };
    // A profile the user pinned (`/model x@profile`) survives; an automatic pin is chosen afresh.
    const cleared =
      previous?.authProfileOverrideSource === "user"
        ? CLEARED_ON_RESET.filter((k) => !k.startsWith("authProfileOverride"))
        : CLEARED_ON_RESET;
    for (const k of cleared) delete (next as Record<string, unknown>)[k];
    store[key] = next;
    return { previous, next };
  });
  if (previous) {
    const file = transcriptPath(previous, dir);
    try {
      await rename(file, `${file}${archiveSuffix("reset", now)}`);
    } catch (err) {
      if (!isErrno(err, "ENOENT")) throw err; // never written: nothing to archive
    }
  }
  return { previous, next };
}

import path from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../infra/atomic-file.ts";
import { readJsonIfExists } from "../infra/json-file.ts";
import { withLockFile } from "../infra/lock-file.ts";

/**
 * One entry of `sessions.json` (reference-gateway §4). Loose: OpenClaw writes many fields we do
 * not use yet (skillsSnapshot, systemPromptReport…) and they must survive our rewrites.
 */
export const SessionEntrySchema = z.looseObject({
  sessionId: z.string(),
  updatedAt: z.number(),
  sessionFile: z.string().optional(),
  chatType: z.string().optional(),
  label: z.string().optional(),
  abortedLastRun: z.boolean().optional(),
  systemSent: z.boolean().optional(),
  modelProvider: z.string().optional(),
  model: z.string().optional(),
  providerOverride: z.string().optional(),
  modelOverride: z.string().optional(),
  authProfileOverride: z.string().optional(),
  authProfileOverrideSource: z.string().optional(),
  inputTokens: z.number().optional(),
  outputTokens: z.number().optional(),
  totalTokens: z.number().optional(),
  cacheRead: z.number().optional(),
  cacheWrite: z.number().optional(),
  contextTokens: z.number().optional(),
});
export type SessionEntry = z.infer<typeof SessionEntrySchema>;
export type SessionMap = Record<string, SessionEntry>;

const SessionMapSchema = z.record(z.string(), SessionEntrySchema);

export function sessionsDir(stateDir: string, agentId: string): string {
  return path.join(stateDir, "agents", agentId, "sessions");
}

export function sessionStorePath(stateDir: string, agentId: string): string {
  return path.join(sessionsDir(stateDir, agentId), "sessions.json");
}

/** Reads the session index; a missing file is empty, a corrupt one throws naming the file. */
export async function readSessionStore(file: string): Promise<SessionMap> {
  const raw = await readJsonIfExists(file);
  if (raw === undefined) return {};
  const parsed = SessionMapSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  // One bad entry must not hide the others: keep those that parse, report the rest.
  if (raw && typeof raw === "object" && !Array.isArray(raw)) {
    const out: SessionMap = {};
    for (const [key, value] of Object.entries(raw)) {
      const one = SessionEntrySchema.safeParse(value);
      if (one.success) out[key] = one.data;
    }
    return out;
  }
  throw new Error(`${file} is not a session index (expected an object of session entries)`);
}

/**
 * Read-modify-write of `sessions.json` under its lock, written atomically. The mutator returns
 * the value to hand back to the caller. Writes only when the mutator changed something.
 */
export async function updateSessionStore<T>(file: string, mutate: (store: SessionMap) => T): Promise<T> {
  return withLockFile(file, async () => {
    const raw = await readJsonIfExists(file);
    const store = await readSessionStore(file);
    const before = JSON.stringify(store);
    const result = mutate(store);
    if (JSON.stringify(store) !== before || raw === undefined) {
      // Entries that did not parse are carried over untouched rather than dropped.
      const carried = raw && typeof raw === "object" ? (raw as Record<string, unknown>) : {};
      const merged: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(carried))
        if (!(k in store) && !SessionEntrySchema.safeParse(v).success) merged[k] = v;
      await writeFileAtomic(file, JSON.stringify({ ...merged, ...store }, null, 2), { mode: 0o600 });
    }
    return result;
  });
}

/**
 * The transcript file of an entry: its `sessionFile` when that lives in this sessions dir (a state
 * dir moved to another home keeps working), else `<sessionId>.jsonl` next to the index.
 */
export function transcriptPath(entry: SessionEntry, dir: string): string {
  return entry.sessionFile && path.dirname(entry.sessionFile) === dir
    ? entry.sessionFile
    : path.join(dir, `${entry.sessionId}.jsonl`);
}

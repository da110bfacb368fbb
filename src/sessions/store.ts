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
  // Compaction cycles, and the cycle whose pre-compaction memory flush already ran (reference-agent §3.4).
  compactionCount: z.number().optional(),
  memoryFlushAt: z.number().optional(),
  memoryFlushCompactionCount: z.number().optional(),
  // The `/queue` override (reference-agent §3.7): mode, debounce, cap and overflow policy.
  queueMode: z.string().optional(),
  queueDebounceMs: z.number().optional(),
  queueCap: z.number().optional(),
  queueDrop: z.string().optional(),
  // Directive levels set by `/think`, `/verbose`, `/reasoning`, `/elevated` (reference-agent §1.6, §2.8).
  thinkingLevel: z.string().optional(),
  verboseLevel: z.string().optional(),
  reasoningLevel: z.string().optional(),
  elevatedLevel: z.string().optional(),
});
export type SessionEntry = z.infer<typeof SessionEntrySchema>;
export type SessionMap = Record<string, SessionEntry>;

export function sessionsDir(stateDir: string, agentId: string): string {
  return path.join(stateDir, "agents", agentId, "sessions");
}

export function sessionStorePath(stateDir: string, agentId: string): string {
  return path.join(sessionsDir(stateDir, agentId), "sessions.json");
}

/** Reads the session index; a missing file is empty, a corrupt one throws naming the file. */
export async function readSessionStore(file: string): Promise<SessionMap> {
  return sessionsFromRaw(file, await readJsonIfExists(file));
}

function sessionsFromRaw(file: string, raw: unknown): SessionMap {
  if (raw === undefined) return {};
  if (!raw || typeof raw !== "object" || Array.isArray(raw)) {
    throw new Error(`${file} is not a session index (expected an object of session entries)`);
  }
  // One bad entry must not hide the others: keep those that parse; the writer carries the rest over.
  const out: SessionMap = {};
  for (const [key, value] of Object.entries(raw)) {
    const one = SessionEntrySchema.safeParse(value);
    if (one.success) out[key] = inKeyOrderOf(value as object, one.data);
  }
  return out;
}

/**
 * zod puts the schema's keys first; the file's own order is kept instead, so that a rewrite of
 * OpenClaw's sessions.json changes only the values that changed.
 */
function inKeyOrderOf<T extends object>(raw: object, parsed: T): T {
  const values = parsed as Record<string, unknown>;
  const ordered: Record<string, unknown> = {};
  for (const key of Object.keys(raw)) if (key in values) ordered[key] = values[key];
  for (const [key, value] of Object.entries(values)) if (!(key in ordered)) ordered[key] = value;
  return ordered as T;
}

/**
 * Read-modify-write of `sessions.json` under its lock, written atomically. The mutator returns
 * the value to hand back to the caller. Writes only when the mutator changed something.
 */
export async function updateSessionStore<T>(file: string, mutate: (store: SessionMap) => T): Promise<T> {
  return withLockFile(file, async () => {
    const raw = await readJsonIfExists(file);
    const store = sessionsFromRaw(file, raw);
    const before = JSON.stringify(store);
    const result = mutate(store);
    if (raw === undefined || JSON.stringify(store) !== before) {
      await writeFileAtomic(file, JSON.stringify(withUnreadable(raw, store), null, 2), { mode: 0o600 });
    }
    return result;
  });
}

/** Entries that did not parse are written back untouched and in their place, never dropped. */
function withUnreadable(raw: unknown, store: SessionMap): Record<string, unknown> {
  if (!raw || typeof raw !== "object") return store;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(raw)) {
    if (key in store) out[key] = store[key];
    else if (!SessionEntrySchema.safeParse(value).success) out[key] = value;
  }
  for (const [key, value] of Object.entries(store)) if (!(key in out)) out[key] = value;
  return out;
}

/**
 * The transcript file name of a new session: `<sessionId>.jsonl`, or for a thread or forum-topic
 * session `<sessionId>-topic-<threadId>.jsonl` as OpenClaw names them (reference-gateway §4).
 */
export function transcriptFileName(sessionId: string, sessionKey: string): string {
  const thread = /:(?:topic|thread):([^:]+)$/.exec(sessionKey)?.[1];
  return thread
    ? `${sessionId}-topic-${thread.replace(/[^A-Za-z0-9._-]/g, "_")}.jsonl`
    : `${sessionId}.jsonl`;
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

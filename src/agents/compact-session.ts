import type { OpenClawConfig } from "../config/schema.ts";
import { newTried, selectAttempt } from "../models/model-selection.ts";
import {
  readSessionStore,
  type SessionEntry,
  sessionStorePath,
  sessionsDir,
  transcriptPath,
  updateSessionStore,
} from "../sessions/store.ts";
import { readTranscript, type TranscriptEntry } from "../sessions/transcript.ts";
import { TranscriptWriter } from "../sessions/transcript-writer.ts";
import { resolveAgent } from "./agent-config.ts";
import { estimateTokens, planCompaction, summarize } from "./compaction.ts";
import { selectionContext } from "./turn-failover.ts";

export interface CompactRequest {
  config: OpenClawConfig;
  stateDir: string;
  env: NodeJS.ProcessEnv;
  agentId: string;
  sessionKey: string;
  instructions?: string;
  now: () => Date;
  signal: AbortSignal;
}

export type CompactOutcome =
  | { ok: true; summarized: number; tokensBefore: number; tokensAfter: number }
  | { ok: false; message: string };

/**
 * Compacts a session (reference-agent §3.4): older turns are summarized by the session's model into
 * a `compaction` entry that keeps recent turns verbatim; the transcript keeps every line, so the
 * summary is what the model sees from then on and a restart resumes from it. The caller holds the
 * session's lane (no turn runs meanwhile).
 */
export async function compactSession(
  req: CompactRequest,
  known?: { entry: SessionEntry; entries: TranscriptEntry[] },
): Promise<CompactOutcome> {
  const agent = resolveAgent(req.config, req.agentId, req.stateDir, req.env);
  const dir = sessionsDir(req.stateDir, agent.id);
  const entry =
    known?.entry ?? (await readSessionStore(sessionStorePath(req.stateDir, agent.id)))[req.sessionKey];
  if (!entry) return { ok: false, message: "Nothing to compact yet in this session." };
  const file = transcriptPath(entry, dir);
  const entries = known?.entries ?? (await readTranscript(file)).entries;
  const keep = req.config.agents?.defaults?.compaction?.keepRecentTokens;
  const plan = planCompaction(entries, keep);
  if (!plan) return { ok: false, message: "Nothing to compact yet: the session is only the latest turn." };
  const attempt = await selectAttempt(
    selectionContext(req.config, agent, entry, req.stateDir, req.env, () => req.now().getTime()),
    newTried(),
  );
  if ("error" in attempt) return { ok: false, message: `Cannot compact: ${attempt.error}` };
  const summary = await summarize(attempt, plan.older, req.instructions, req.signal);
  await new TranscriptWriter(file, entries).append(req.now(), {
    type: "compaction",
    summary,
    firstKeptEntryId: plan.firstKeptEntryId,
    tokensBefore: plan.tokensBefore,
  });
  await updateSessionStore(sessionStorePath(req.stateDir, agent.id), (store) => {
    const current = store[req.sessionKey];
    if (current) current["compactionCount"] = ((current["compactionCount"] as number | undefined) ?? 0) + 1;
  });
  const tokensAfter = plan.tokensBefore - estimateTokens(plan.older) + Math.ceil(summary.length / 4);
  return { ok: true, summarized: plan.older.length, tokensBefore: plan.tokensBefore, tokensAfter };
}

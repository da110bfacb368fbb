import { randomUUID } from "node:crypto";
import path from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../../infra/atomic-file.ts";
import { readJsonIfExists } from "../../infra/json-file.ts";
import { withLockFile } from "../../infra/lock-file.ts";

// `~/.openclaw/exec-approvals.json` (reference-agent §2.7, 2026.2.26's ExecApprovalsFileSchema).
// Loose objects: keys this build does not use (socket, argPattern, newer fields) survive a rewrite.

const AllowlistEntry = z.looseObject({
  id: z.string().optional(),
  pattern: z.string(),
  argPattern: z.string().optional(),
  lastUsedAt: z.number().int().optional(),
  lastUsedCommand: z.string().optional(),
  lastResolvedPath: z.string().optional(),
});
export type AllowlistEntry = z.infer<typeof AllowlistEntry>;

const PolicyFields = {
  security: z.string().optional(),
  ask: z.string().optional(),
  askFallback: z.string().optional(),
  autoAllowSkills: z.boolean().optional(),
};

const AgentApprovals = z.looseObject({ ...PolicyFields, allowlist: z.array(AllowlistEntry).optional() });
export type AgentApprovals = z.infer<typeof AgentApprovals>;

export const ExecApprovalsFile = z.looseObject({
  version: z.literal(1),
  socket: z.looseObject({ path: z.string().optional(), token: z.string().optional() }).optional(),
  defaults: z.looseObject(PolicyFields).optional(),
  agents: z.record(z.string(), AgentApprovals).optional(),
});
export type ExecApprovalsFile = z.infer<typeof ExecApprovalsFile>;

export function execApprovalsPath(stateDir: string): string {
  return path.join(stateDir, "exec-approvals.json");
}

/**
 * Reads the approvals file; a missing file is `{version: 1}` (nothing allowlisted). A corrupt or
 * invalid file throws: exec must not run on a policy it could not read.
 */
export async function readExecApprovals(file: string): Promise<ExecApprovalsFile> {
  const raw = await readJsonIfExists(file);
  if (raw === undefined) return { version: 1 };
  const parsed = ExecApprovalsFile.safeParse(raw);
  if (!parsed.success) throw new Error(`${file}: ${z.prettifyError(parsed.error)}`);
  return migrateLegacy(parsed.data);
}

/** 2026.2.26 migrates the legacy `agents.default` to `agents.main`. */
function migrateLegacy(file: ExecApprovalsFile): ExecApprovalsFile {
  const legacy = file.agents?.["default"];
  if (!legacy) return file;
  const { default: _legacy, ...others } = file.agents ?? {};
  const main = others["main"] ?? {};
  const allowlist = [...(main.allowlist ?? []), ...(legacy.allowlist ?? [])];
  return {
    ...file,
    agents: { ...others, main: { ...legacy, ...main, ...(allowlist.length > 0 ? { allowlist } : {}) } },
  };
}

/**
 * One agent's view of the file: its own entry over `defaults`, with the `*` agent's allowlist
 * (what `openclaw approvals allowlist add --agent "*"` writes) added to its own.
 */
export function agentView(file: ExecApprovalsFile, agentId: string): AgentApprovals {
  const own = file.agents?.[agentId] ?? {};
  const all = file.agents?.["*"] ?? {};
  return {
    ...file.defaults,
    ...own,
    allowlist: [...(own.allowlist ?? []), ...(all.allowlist ?? [])],
  };
}

/** Read-modify-write under the file's lock, written atomically (owner-only). */
export async function updateExecApprovals(
  file: string,
  change: (current: ExecApprovalsFile) => ExecApprovalsFile,
): Promise<ExecApprovalsFile> {
  return withLockFile(file, async () => {
    const next = change(await readExecApprovals(file));
    await writeFileAtomic(file, `${JSON.stringify(next, null, 2)}\n`);
    return next;
  });
}

function withAgent(
  file: ExecApprovalsFile,
  agentId: string,
  change: (a: AgentApprovals) => AgentApprovals,
): ExecApprovalsFile {
  const agents = { ...file.agents };
  agents[agentId] = change(agents[agentId] ?? {});
  return { ...file, agents };
}

/** Marks allowlist entries as used by a command (`lastUsedAt`, `lastUsedCommand`, `lastResolvedPath`). */
export async function recordAllowlistUse(
  file: string,
  agentId: string,
  uses: { pattern: string; resolvedPath: string }[],
  command: string,
  now: number,
): Promise<void> {
  if (uses.length === 0) return;
  await updateExecApprovals(file, (current) => {
    let next = current;
    for (const owner of [agentId, "*"]) {
      if (!next.agents?.[owner]?.allowlist) continue;
      next = withAgent(next, owner, (a) => ({
        ...a,
        allowlist: (a.allowlist ?? []).map((e) => {
          const use = uses.find((u) => u.pattern === e.pattern);
          return use
            ? { ...e, lastUsedAt: now, lastUsedCommand: command, lastResolvedPath: use.resolvedPath }
            : e;
        }),
      }));
    }
    return next;
  });
}

/** "Allow always": adds each resolved path (not already there) to the agent's allowlist. */
export async function addAllowlistPaths(
  file: string,
  agentId: string,
  resolvedPaths: string[],
  command: string,
  now: number,
): Promise<void> {
  await updateExecApprovals(file, (current) =>
    withAgent(current, agentId, (a) => {
      const list = [...(a.allowlist ?? [])];
      for (const p of new Set(resolvedPaths)) {
        if (list.some((e) => e.pattern === p)) continue;
        list.push({
          id: randomUUID(),
          pattern: p,
          lastUsedAt: now,
          lastUsedCommand: command,
          lastResolvedPath: p,
        });
      }
      return { ...a, allowlist: list };
    }),
  );
}

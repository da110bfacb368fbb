import { mkdir, open, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline/promises";
import { listAgentIds, resolveAgent } from "../../agents/agent-config.ts";
import type { OpenClawConfig } from "../../config/schema.ts";
import { writeConfig } from "../../config/write.ts";
import { isErrno, UserFacingError } from "../../infra/errors.ts";
import { DEFAULT_AGENT_ID, normalizeAgentId } from "../../sessions/session-key.ts";
import { sessionsDir } from "../../sessions/store.ts";
import type { CliContext } from "../context.ts";
import { printJson } from "../context.ts";
import { hasAgent, withoutAgent } from "./agents-edit.ts";

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch (err) {
    if (isErrno(err, "ENOENT")) return false;
    throw err;
  }
}

/** The user's Trash: `~/.Trash` on macOS, the freedesktop.org trash elsewhere. */
function trashDir(env: NodeJS.ProcessEnv): string {
  const home = env["HOME"] || os.homedir();
  if (process.platform === "darwin") return path.join(home, ".Trash");
  return path.join(env["XDG_DATA_HOME"] || path.join(home, ".local", "share"), "Trash");
}

function localStamp(d: Date): string {
  const p = (n: number): string => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/**
 * Moves a file or directory to the Trash, so a deleted agent can still be recovered (2.26 moves
 * them with the `trash` tool). On Linux this follows the freedesktop.org trash layout: the item
 * under `files/`, a `.trashinfo` naming where it came from under `info/`, the info written first
 * (exclusively) to claim the name. Returns false when the move is impossible (another filesystem,
 * no permission); the item is then left where it is.
 */
async function moveToTrash(item: string, env: NodeJS.ProcessEnv, now: Date): Promise<boolean> {
  const dir = trashDir(env);
  const mac = process.platform === "darwin";
  const files = mac ? dir : path.join(dir, "files");
  const info = path.join(dir, "info");
  try {
    await mkdir(files, { recursive: true, mode: 0o700 });
    if (!mac) await mkdir(info, { recursive: true, mode: 0o700 });
    const base = path.basename(item);
    for (let n = 1; n < 1000; n++) {
      const name = n === 1 ? base : `${base} ${n}`;
      const infoFile = path.join(info, `${name}.trashinfo`);
      if (!mac && !(await claimTrashName(infoFile, item, now))) continue;
      const target = path.join(files, name);
      if (await exists(target)) {
        if (!mac) await rm(infoFile, { force: true });
        continue;
      }
      try {
        await rename(item, target);
        return true;
      } catch (err) {
        if (!mac) await rm(infoFile, { force: true });
        throw err;
      }
    }
    return false;
  } catch (err) {
    if (isErrno(err, "EXDEV") || isErrno(err, "EACCES") || isErrno(err, "EPERM") || isErrno(err, "EBUSY"))
      return false;
    throw err;
  }
}

/** Writes the `.trashinfo` exclusively; false when another item already holds the name. */
async function claimTrashName(infoFile: string, item: string, now: Date): Promise<boolean> {
  let fh: Awaited<ReturnType<typeof open>>;
  try {
    fh = await open(infoFile, "wx", 0o600);
  } catch (err) {
    if (isErrno(err, "EEXIST")) return false;
    throw err;
  }
  try {
    await fh.writeFile(
      `[Trash Info]\nPath=${encodeURI(path.resolve(item))}\nDeletionDate=${localStamp(now)}\n`,
    );
  } finally {
    await fh.close();
  }
  return true;
}

async function confirm(question: string): Promise<boolean> {
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  try {
    return /^y(es)?$/i.test((await rl.question(`${question} (y/N) `)).trim());
  } finally {
    rl.close();
  }
}

/**
 * `openclaw agents delete <id>` (2.26): removes the agent's config entry, its bindings and its
 * `tools.agentToAgent.allow` entry through the config writer, then moves its workspace, agentDir
 * and sessions to the Trash. `main` cannot be deleted. A directory another agent still uses (a
 * shared workspace) is left alone.
 */
export async function deleteAgent(
  ctx: CliContext,
  config: OpenClawConfig,
  input: string,
  opts: { force?: boolean; json?: boolean },
): Promise<void> {
  const say = (line: string): void => {
    if (!opts.json) process.stdout.write(`${line}\n`);
  };
  const agentId = normalizeAgentId(input);
  if (agentId !== input.trim()) say(`Normalized agent id to "${agentId}".`);
  if (agentId === DEFAULT_AGENT_ID) throw new UserFacingError(`"${DEFAULT_AGENT_ID}" cannot be deleted.`);
  if (!(config.agents?.list ?? []).some((a) => normalizeAgentId(a.id) === agentId))
    throw new UserFacingError(`Agent "${agentId}" not found.`);
  if (!opts.force) {
    if (!process.stdin.isTTY) throw new UserFacingError("Non-interactive session. Re-run with --force.");
    if (!(await confirm(`Delete agent "${agentId}" and prune workspace/state?`))) {
      say("Cancelled.");
      return;
    }
  }
  const { stateDir } = ctx.paths;
  const agent = resolveAgent(config, agentId, stateDir, ctx.env);
  const sessions = sessionsDir(stateDir, agentId);
  let removed = { removedBindings: 0, removedAllow: 0 };
  await writeConfig({
    path: ctx.paths.configPath,
    env: ctx.env,
    update: (tree) => {
      if (!hasAgent(tree, agentId)) throw new UserFacingError(`Agent "${agentId}" not found.`);
      const next = withoutAgent(tree, agentId);
      removed = { removedBindings: next.removedBindings, removedAllow: next.removedAllow };
      return next.tree;
    },
  });
  say(`Updated ${ctx.paths.configPath}`);

  const inUse = new Set<string>();
  for (const id of listAgentIds(config).filter((a) => a !== agentId)) {
    const other = resolveAgent(config, id, stateDir, ctx.env);
    inUse.add(path.resolve(other.workspaceDir));
    inUse.add(path.resolve(other.agentDir));
  }
  const trashed: string[] = [];
  const now = new Date();
  for (const dir of [agent.workspaceDir, agent.agentDir, sessions]) {
    if (inUse.has(path.resolve(dir))) {
      say(`Kept (used by another agent): ${dir}`);
      continue;
    }
    if (!(await exists(dir))) continue;
    if (await moveToTrash(dir, ctx.env, now)) {
      trashed.push(dir);
      say(`Moved to Trash: ${dir}`);
    } else say(`Failed to move to Trash (manual delete): ${dir}`);
  }
  if (opts.json) {
    printJson({
      agentId,
      workspace: agent.workspaceDir,
      agentDir: agent.agentDir,
      sessionsDir: sessions,
      ...removed,
      trashed,
    });
    return;
  }
  say(`Deleted agent: ${agentId}`);
}

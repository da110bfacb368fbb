import { mkdir, readFile } from "node:fs/promises";
import path from "node:path";
import type { Command } from "commander";
import { defaultAgentId, listAgentIds, resolveAgent } from "../../agents/agent-config.ts";
import { ensureWorkspace } from "../../agents/workspace.ts";
import { expandHome } from "../../config/paths.ts";
import { CHANNEL_META_KEYS, ChannelsSchema } from "../../config/schema/channels.ts";
import type { OpenClawConfig } from "../../config/schema.ts";
import { writeConfig } from "../../config/write.ts";
import { isErrno, UserFacingError } from "../../infra/errors.ts";
import { DEFAULT_AGENT_ID, normalizeAgentId } from "../../sessions/session-key.ts";
import { sessionsDir } from "../../sessions/store.ts";
import { type CliContext, loadCliContext, printJson } from "../context.ts";
import { registerBindingCommands } from "./agents-bindings.ts";
import { deleteAgent } from "./agents-delete.ts";
import { describeBinding, hasAgent, parseBindSpecs, withAgent, withBindings } from "./agents-edit.ts";
import { requireConfig } from "./models-auth.ts";

// `openclaw agents list|add|delete` (reference-gateway §6 "Agents", MA-1/MA-6): isolated agents,
// each with its own workspace, agentDir (auth profiles) and session store.

/** Channel ids a `--bind` may name: the channels the config schema knows. */
const BINDABLE_CHANNELS = Object.keys(ChannelsSchema.unwrap().shape).filter(
  (k) => !(CHANNEL_META_KEYS as readonly string[]).includes(k),
);

interface AgentSummary {
  id: string;
  name?: string;
  identityName?: string;
  identityEmoji?: string;
  identitySource?: "identity" | "config";
  workspace: string;
  agentDir: string;
  model?: string;
  bindings: number;
  bindingDetails?: string[];
  routes?: string[];
  isDefault: boolean;
}

/** `- **Name:** Molty` lines of IDENTITY.md; template placeholders (empty, `(…)`) do not count. */
function identityField(text: string, field: string): string | undefined {
  const m = new RegExp(`^[ \\t]*[-*]?[ \\t]*\\**${field}\\**[ \\t]*:[ \\t]*\\**[ \\t]*(.*)$`, "im").exec(
    text,
  );
  const value = m?.[1]?.replace(/\*+/g, "").trim();
  return value && !value.startsWith("(") ? value : undefined;
}

async function readIdentity(workspace: string): Promise<{ name?: string; emoji?: string } | undefined> {
  let text: string;
  try {
    text = await readFile(path.join(workspace, "IDENTITY.md"), "utf8");
  } catch (err) {
    if (isErrno(err, "ENOENT") || isErrno(err, "ENOTDIR")) return undefined;
    throw err;
  }
  const name = identityField(text, "Name");
  const emoji = identityField(text, "Emoji");
  return name || emoji ? { ...(name ? { name } : {}), ...(emoji ? { emoji } : {}) } : undefined;
}

async function summarize(ctx: CliContext, config: OpenClawConfig, details: boolean): Promise<AgentSummary[]> {
  const bindings = config.bindings ?? [];
  const defaultId = defaultAgentId(config);
  const out: AgentSummary[] = [];
  for (const id of listAgentIds(config)) {
    const agent = resolveAgent(config, id, ctx.paths.stateDir, ctx.env);
    const entry = config.agents?.list?.find((a) => normalizeAgentId(a.id) === id);
    const fromFile = await readIdentity(agent.workspaceDir);
    const identityName = fromFile?.name ?? entry?.identity?.name?.trim();
    const identityEmoji = fromFile?.emoji ?? entry?.identity?.emoji?.trim();
    const own = bindings.filter((b) => normalizeAgentId(b.agentId) === id);
    const routes = own.map((b) => describeBinding(b));
    out.push({
      id,
      ...(entry?.name?.trim() ? { name: entry.name.trim() } : {}),
      ...(identityName ? { identityName } : {}),
      ...(identityEmoji ? { identityEmoji } : {}),
      ...(fromFile
        ? { identitySource: "identity" as const }
        : identityName || identityEmoji
          ? { identitySource: "config" as const }
          : {}),
      workspace: agent.workspaceDir,
      agentDir: agent.agentDir,
      model: agent.modelRef,
      bindings: own.length,
      ...(details && routes.length > 0 ? { bindingDetails: routes } : {}),
      ...(routes.length > 0
        ? { routes }
        : id === defaultId
          ? { routes: ["default (no explicit rules)"] }
          : {}),
      isDefault: id === defaultId,
    });
  }
  return out;
}

function formatSummary(s: AgentSummary): string {
  const tag = s.isDefault ? " (default)" : "";
  const lines = [`- ${s.name && s.name !== s.id ? `${s.id}${tag} (${s.name})` : `${s.id}${tag}`}`];
  const identity = [s.identityEmoji, s.identityName].filter(Boolean).join(" ");
  if (identity) {
    const source = s.identitySource === "identity" ? " (IDENTITY.md)" : " (config)";
    lines.push(`  Identity: ${identity}${source}`);
  }
  lines.push(`  Workspace: ${s.workspace}`, `  Agent dir: ${s.agentDir}`);
  if (s.model) lines.push(`  Model: ${s.model}`);
  lines.push(`  Routing rules: ${s.bindings}`);
  if (s.routes?.length) lines.push(`  Routing: ${s.routes.join(", ")}`);
  if (s.bindingDetails?.length) lines.push("  Routing rules:", ...s.bindingDetails.map((b) => `    - ${b}`));
  return lines.join("\n");
}

async function listCommand(opts: { json?: boolean; bindings?: boolean }): Promise<void> {
  const ctx = await loadCliContext();
  const summaries = await summarize(ctx, requireConfig(ctx), opts.bindings === true);
  if (opts.json) return printJson(summaries);
  const lines = ["Agents:", ...summaries.map(formatSummary)];
  lines.push("Routing rules map channel/account/peer to an agent. Use --bindings for full rules.");
  process.stdout.write(`${lines.join("\n")}\n`);
}

interface AddOptions {
  workspace?: string;
  model?: string;
  agentDir?: string;
  bind?: string[];
  json?: boolean;
  nonInteractive?: boolean;
}

function userPath(p: string, env: NodeJS.ProcessEnv): string {
  return path.resolve(expandHome(p.trim(), env));
}

/**
 * Adds an agent (2.26 `agents add`, non-interactive path): the config entry and bindings go
 * through the one config writer, then the workspace is seeded from the templates. There is no
 * wizard here, so a missing `--workspace` takes the one the wizard offers, `<state>/workspace-<id>`.
 */
async function addCommand(nameArg: string | undefined, opts: AddOptions): Promise<void> {
  const ctx = await loadCliContext();
  const config = requireConfig(ctx);
  const name = nameArg?.trim();
  if (!name) throw new UserFacingError("Agent name is required (openclaw agents add <name>).");
  const agentId = normalizeAgentId(name);
  if (agentId === DEFAULT_AGENT_ID)
    throw new UserFacingError(`"${DEFAULT_AGENT_ID}" is reserved. Choose another name.`);
  const say = (line: string): void => {
    if (!opts.json) process.stdout.write(`${line}\n`);
  };
  if (agentId !== name) say(`Normalized agent id to "${agentId}".`);
  const workspace = opts.workspace?.trim()
    ? userPath(opts.workspace, ctx.env)
    : path.join(ctx.paths.stateDir, `workspace-${agentId}`);
  const agentDir = opts.agentDir?.trim()
    ? userPath(opts.agentDir, ctx.env)
    : path.join(ctx.paths.stateDir, "agents", agentId, "agent");
  const model = opts.model?.trim() || undefined;
  const parsed = parseBindSpecs(agentId, opts.bind ?? [], BINDABLE_CHANNELS);
  if (parsed.errors.length > 0) throw new UserFacingError(parsed.errors.join("\n"));

  let bindings: Omit<ReturnType<typeof withBindings>, "tree"> = { added: [], skipped: [], conflicts: [] };
  await writeConfig({
    path: ctx.paths.configPath,
    env: ctx.env,
    update: (tree) => {
      // Checked against the file as it is under the lock, not as it was read a moment ago.
      if (hasAgent(tree, agentId)) throw new UserFacingError(`Agent "${agentId}" already exists.`);
      const withEntry = withAgent(tree, defaultAgentId(config), {
        id: agentId,
        name,
        workspace,
        agentDir,
        ...(model ? { model } : {}),
      });
      const result = withBindings(withEntry, parsed.bindings);
      bindings = result;
      return result.tree;
    },
  });
  say(`Updated ${ctx.paths.configPath}`);
  await ensureWorkspace(workspace, { skipBootstrap: config.agents?.defaults?.skipBootstrap === true });
  await mkdir(agentDir, { recursive: true, mode: 0o700 });
  await mkdir(sessionsDir(ctx.paths.stateDir, agentId), { recursive: true, mode: 0o700 });
  const conflicts = bindings.conflicts.map(
    (c) => `${describeBinding(c.binding)} (agent=${c.existingAgentId})`,
  );
  if (opts.json) {
    printJson({
      agentId,
      name,
      workspace,
      agentDir,
      ...(model ? { model } : {}),
      bindings: {
        added: bindings.added.map(describeBinding),
        skipped: bindings.skipped.map(describeBinding),
        conflicts,
      },
    });
    return;
  }
  say(`Agent: ${agentId}`);
  say(`Workspace: ${workspace}`);
  say(`Agent dir: ${agentDir}`);
  if (model) say(`Model: ${model}`);
  if (conflicts.length > 0) {
    process.stderr.write(
      `Skipped bindings already claimed by another agent:\n${conflicts.map((c) => `- ${c}`).join("\n")}\n`,
    );
  }
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function registerAgentsCommands(program: Command): void {
  const agents = program
    .command("agents")
    .description("manage isolated agents (workspaces, auth, routing)")
    .action(() => listCommand({}));
  agents
    .command("list")
    .description("list the configured agents and their routing")
    .option("--json", "machine-readable output")
    .option("--bindings", "include the full routing rules")
    .action((opts: { json?: boolean; bindings?: boolean }) => listCommand(opts));
  agents
    .command("add [name]")
    .description("add an agent with its own workspace, agentDir and sessions")
    .option("--workspace <dir>", "workspace directory (default: <state dir>/workspace-<id>)")
    .option("--model <id>", "the agent's default model (provider/model)")
    .option("--agent-dir <dir>", "where its auth profiles live (default: <state dir>/agents/<id>/agent)")
    .option("--bind <channel[:accountId]>", "route a channel (account) to this agent; repeatable", collect)
    .option("--non-interactive", "never prompt")
    .option("--json", "machine-readable output")
    .action((name: string | undefined, opts: AddOptions) => addCommand(name, opts));
  agents
    .command("delete <id>")
    .description("delete an agent: its config entry, its bindings, and its files (to the Trash)")
    .option("--force", "do not ask for confirmation")
    .option("--json", "machine-readable output")
    .action(async (id: string, opts: { force?: boolean; json?: boolean }) => {
      const ctx = await loadCliContext();
      await deleteAgent(ctx, requireConfig(ctx), id, opts);
    });
  registerBindingCommands(agents, BINDABLE_CHANNELS);
}

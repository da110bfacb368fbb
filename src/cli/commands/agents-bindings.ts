import type { Command } from "commander";
import { defaultAgentId, listAgentIds } from "../../agents/agent-config.ts";
import type { OpenClawConfig } from "../../config/schema.ts";
import { writeConfig } from "../../config/write.ts";
import { UserFacingError } from "../../infra/errors.ts";
import { normalizeAgentId } from "../../sessions/session-key.ts";
import { type CliContext, loadCliContext, printJson } from "../context.ts";
import {
  describeBinding,
  type NewBinding,
  parseBindSpecs,
  withBindings,
  withoutBindings,
  withUpgradedBindings,
} from "./agents-edit.ts";
import { requireConfig } from "./models-auth.ts";

// `openclaw agents bindings|bind|unbind` (reference-gateway §6 "Agents"): the routing rules of
// `bindings[]`, edited through the one config writer.

interface BindOptions {
  agent?: string;
  bind?: string[];
  all?: boolean;
  json?: boolean;
}

/** `--agent` (which must exist), else the current default agent, as the docs say. */
function targetAgent(config: OpenClawConfig, agent: string | undefined): string {
  const id = agent === undefined ? defaultAgentId(config) : normalizeAgentId(agent);
  if (!listAgentIds(config).includes(id)) throw new UserFacingError(`Agent "${id}" not found.`);
  return id;
}

function out(opts: { json?: boolean }, lines: string[]): void {
  if (!opts.json && lines.length > 0) process.stdout.write(`${lines.join("\n")}\n`);
}

async function listBindings(opts: { agent?: string; json?: boolean }): Promise<void> {
  const ctx = await loadCliContext();
  const config = requireConfig(ctx);
  const agentId = opts.agent === undefined ? undefined : targetAgent(config, opts.agent);
  const rows = (config.bindings ?? [])
    .filter((b) => agentId === undefined || normalizeAgentId(b.agentId) === agentId)
    .map((b) => ({ agentId: normalizeAgentId(b.agentId), match: b.match, description: describeBinding(b) }));
  if (opts.json) return printJson(rows);
  if (rows.length === 0)
    return out(opts, [agentId ? `No routing bindings for agent "${agentId}".` : "No routing bindings."]);
  out(opts, ["Routing bindings:", ...rows.map((r) => `- ${r.agentId} <- ${r.description}`)]);
}

function specsOf(agentId: string, values: string[] | undefined, channels: readonly string[]): NewBinding[] {
  const parsed = parseBindSpecs(agentId, values ?? [], channels);
  if (parsed.errors.length > 0) throw new UserFacingError(parsed.errors.join("\n"));
  return parsed.bindings;
}

async function bind(ctx: CliContext, opts: BindOptions, channels: readonly string[]): Promise<void> {
  const agentId = targetAgent(requireConfig(ctx), opts.agent);
  const wanted = specsOf(agentId, opts.bind, channels);
  if (wanted.length === 0) throw new UserFacingError("Provide at least one --bind <channel[:accountId]>.");
  let result = {
    added: [] as NewBinding[],
    updated: [] as NewBinding[],
    skipped: [] as NewBinding[],
    conflicts: [] as string[],
  };
  await writeConfig({
    path: ctx.paths.configPath,
    env: ctx.env,
    update: (tree) => {
      const upgraded = withUpgradedBindings(tree, wanted);
      const next = withBindings(upgraded.tree, upgraded.rest);
      result = {
        added: next.added,
        updated: upgraded.updated,
        skipped: next.skipped,
        conflicts: next.conflicts.map((c) => `${describeBinding(c.binding)} (agent=${c.existingAgentId})`),
      };
      return next.tree;
    },
  });
  const describe = (list: NewBinding[]): string[] => list.map((b) => describeBinding(b));
  if (opts.json) {
    printJson({
      agentId,
      added: describe(result.added),
      updated: describe(result.updated),
      skipped: describe(result.skipped),
      conflicts: result.conflicts,
    });
  } else {
    const section = (title: string, items: string[]): string[] =>
      items.length > 0 ? [title, ...items.map((i) => `- ${i}`)] : [];
    out(opts, [
      ...section("Added bindings:", describe(result.added)),
      ...section("Updated bindings:", describe(result.updated)),
      ...section("Skipped (already bound):", describe(result.skipped)),
    ]);
    if (result.conflicts.length > 0)
      process.stderr.write(
        `Skipped bindings already claimed by another agent:\n${result.conflicts.map((c) => `- ${c}`).join("\n")}\n`,
      );
  }
  if (result.conflicts.length > 0) process.exitCode = 1;
}

async function unbind(ctx: CliContext, opts: BindOptions, channels: readonly string[]): Promise<void> {
  const agentId = targetAgent(requireConfig(ctx), opts.agent);
  const hasSpecs = (opts.bind ?? []).length > 0;
  if (opts.all === hasSpecs)
    throw new UserFacingError("Use either --all or one or more --bind values, not both.");
  const specs = opts.all ? ("all" as const) : specsOf(agentId, opts.bind, channels);
  let result: ReturnType<typeof withoutBindings> | undefined;
  await writeConfig({
    path: ctx.paths.configPath,
    env: ctx.env,
    update: (tree) => {
      result = withoutBindings(tree, agentId, specs);
      return result.tree;
    },
  });
  const removed = (result?.removed ?? []).map((b) => describeBinding(b as { match: object }));
  const missing = (result?.missing ?? []).map((b) => describeBinding(b));
  const conflicts = (result?.conflicts ?? []).map(
    (c) => `${describeBinding(c.binding)} (agent=${c.existingAgentId})`,
  );
  if (opts.json) return printJson({ agentId, removed, missing, conflicts });
  out(opts, [
    ...(removed.length > 0
      ? ["Removed bindings:", ...removed.map((r) => `- ${r}`)]
      : ["No bindings removed."]),
    ...(missing.length > 0 ? ["Not bound:", ...missing.map((m) => `- ${m}`)] : []),
  ]);
  if (conflicts.length > 0)
    process.stderr.write(`Bound to another agent (kept):\n${conflicts.map((c) => `- ${c}`).join("\n")}\n`);
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Adds `bindings`, `bind` and `unbind` under `openclaw agents`. */
export function registerBindingCommands(agents: Command, channels: readonly string[]): void {
  agents
    .command("bindings")
    .description("list the routing bindings")
    .option("--agent <id>", "only this agent's")
    .option("--json", "machine-readable output")
    .action((opts: { agent?: string; json?: boolean }) => listBindings(opts));
  agents
    .command("bind")
    .description("route channels (accounts) to an agent")
    .option("--agent <id>", "the agent (default: the default agent)")
    .option("--bind <channel[:accountId]>", "repeatable", collect)
    .option("--json", "machine-readable output")
    .action(async (opts: BindOptions) => bind(await loadCliContext(), opts, channels));
  agents
    .command("unbind")
    .description("remove routing bindings of an agent")
    .option("--agent <id>", "the agent (default: the default agent)")
    .option("--bind <channel[:accountId]>", "repeatable", collect)
    .option("--all", "remove all of the agent's bindings")
    .option("--json", "machine-readable output")
    .action(async (opts: BindOptions) => unbind(await loadCliContext(), opts, channels));
}

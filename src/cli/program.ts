import { Command } from "commander";
import { UserFacingError } from "../infra/errors.ts";
import { packageVersion } from "../infra/version.ts";
import { registerAgentCommand } from "./commands/agent.ts";
import { registerAgentsCommands } from "./commands/agents.ts";
import { registerChannelsCommands } from "./commands/channels.ts";
import { registerConfigCommands } from "./commands/config.ts";
import { registerDashboardCommand } from "./commands/dashboard.ts";
import { registerDevicesCommands } from "./commands/devices.ts";
import { registerGatewayCommands } from "./commands/gateway.ts";
import { registerHealthCommands } from "./commands/health.ts";
import { registerLogsCommand } from "./commands/logs.ts";
import { registerMessageCommands } from "./commands/message.ts";
import { registerModelsCommands } from "./commands/models.ts";
import { registerNodesCommands } from "./commands/nodes.ts";
import { registerPairingCommands } from "./commands/pairing.ts";
import { registerSessionsCommands } from "./commands/sessions.ts";

/** The command tree. Command modules import their heavy dependencies inside their actions. */
export async function buildProgram(): Promise<Command> {
  const program = new Command("openclaw")
    .description("OpenClaw: your self-hosted personal AI assistant gateway")
    .version(packageVersion(), "-V, --version")
    .option("--dev", "use the dev profile (~/.openclaw-dev, port 19001)")
    .option("--profile <name>", "use an isolated profile (~/.openclaw-<name>)")
    .option("--no-color", "disable colors")
    .showHelpAfterError()
    .exitOverride()
    .hook("preAction", rejectLateProfileFlags);
  registerGatewayCommands(program);
  registerHealthCommands(program);
  registerAgentCommand(program);
  registerAgentsCommands(program);
  registerSessionsCommands(program);
  registerConfigCommands(program);
  registerLogsCommand(program);
  registerModelsCommands(program);
  registerPairingCommands(program);
  registerChannelsCommands(program);
  registerMessageCommands(program);
  registerDevicesCommands(program);
  registerDashboardCommand(program);
  registerNodesCommands(program);
  return program;
}

/**
 * `main.ts` applies and strips `--dev`/`--profile` found before the first word (CLI-7), so when
 * commander still sees them here they came after the command and would be silently ignored: a
 * `config set … --profile work` would then edit the default profile's file.
 */
function rejectLateProfileFlags(program: Command): void {
  const { dev, profile } = program.opts<{ dev?: boolean; profile?: string }>();
  if (!dev && profile === undefined) return;
  const flag = dev ? "--dev" : `--profile ${profile}`;
  throw new UserFacingError(
    `${flag} must come before the command (e.g. \`openclaw ${flag} status\`); after it, it would be ignored`,
  );
}

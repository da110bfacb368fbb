import { Command } from "commander";
import { packageVersion } from "../infra/version.ts";
import { registerAgentCommand } from "./commands/agent.ts";
import { registerConfigCommands } from "./commands/config.ts";
import { registerGatewayCommands } from "./commands/gateway.ts";
import { registerHealthCommands } from "./commands/health.ts";
import { registerLogsCommand } from "./commands/logs.ts";

/** The command tree. Command modules import their heavy dependencies inside their actions. */
export async function buildProgram(): Promise<Command> {
  const program = new Command("openclaw")
    .description("OpenClaw: your self-hosted personal AI assistant gateway")
    .version(packageVersion(), "-V, --version")
    .option("--dev", "use the dev profile (~/.openclaw-dev, port 19001)")
    .option("--profile <name>", "use an isolated profile (~/.openclaw-<name>)")
    .option("--no-color", "disable colors")
    .showHelpAfterError()
    .exitOverride();
  registerGatewayCommands(program);
  registerHealthCommands(program);
  registerAgentCommand(program);
  registerConfigCommands(program);
  registerLogsCommand(program);
  return program;
}

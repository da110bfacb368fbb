import type { Command } from "commander";
import JSON5 from "json5";
import { formatIssues } from "../../config/issues.ts";
import { getAtPath, parsePathExpr, setAtPath, unsetAtPath } from "../../config/path-expr.ts";
import { writeConfig } from "../../config/write.ts";
import { UserFacingError } from "../../infra/errors.ts";
import { type CliContext, loadCliContext } from "../context.ts";

/** A value typed on the command line: JSON5 when it parses, otherwise the raw string (CFG-14). */
export function parseCliValue(text: string): unknown {
  try {
    return JSON5.parse(text);
  } catch (err) {
    if (!(err instanceof SyntaxError)) throw err;
    return text;
  }
}

function parsePath(expr: string): ReturnType<typeof parsePathExpr> {
  try {
    return parsePathExpr(expr);
  } catch (err) {
    throw new UserFacingError((err as Error).message);
  }
}

/**
 * Why a key may look unset: a config that fails to parse or resolve reads as empty, so "not set"
 * alone would send the user looking in the wrong place.
 */
function configProblems(ctx: CliContext): string {
  if (ctx.snapshot.valid) return "";
  return `${ctx.paths.configPath} has problems:\n${formatIssues(ctx.snapshot.errors)}\n`;
}

export function registerConfigCommands(program: Command): void {
  const config = program
    .command("config")
    .description("read and edit openclaw.json (validated, with backups)");

  config
    .command("get <path>")
    .description("print the value at a dot/bracket path (e.g. gateway.auth.token, agents.list[0].id)")
    .option("--json", "print JSON")
    .action(async (expr: string, opts: { json?: boolean }) => {
      const ctx = await loadCliContext();
      const parts = parsePath(expr);
      const value =
        getAtPath(ctx.snapshot.source, parts) ??
        (ctx.snapshot.valid ? getAtPath(ctx.snapshot.config, parts) : undefined);
      if (value === undefined) {
        process.stderr.write(`${expr} is not set\n${configProblems(ctx)}`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(
        typeof value === "string" && !opts.json ? `${value}\n` : `${JSON.stringify(value, null, 2)}\n`,
      );
    });

  config
    .command("set <path> <value>")
    .description("set one key (value parsed as JSON5, else taken as a string); the rest of the file is kept")
    .action(async (expr: string, raw: string) => {
      const ctx = await loadCliContext();
      const parts = parsePath(expr);
      const value = parseCliValue(raw);
      await writeConfig({
        path: ctx.paths.configPath,
        env: ctx.env,
        update: (cur) => setAtPath(cur, parts, value),
      });
      process.stdout.write(`Updated ${expr} in ${ctx.paths.configPath}\n`);
    });

  config
    .command("unset <path>")
    .description("remove one key; the rest of the file is kept")
    .action(async (expr: string) => {
      const ctx = await loadCliContext();
      const parts = parsePath(expr);
      if (getAtPath(ctx.snapshot.source, parts) === undefined) {
        if (ctx.snapshot.valid) {
          process.stdout.write(`${expr} was not set\n`);
          return;
        }
        // A file that does not read cleanly may well hold the key: "not set" would be a guess.
        process.stderr.write(`${expr} was not found\n${configProblems(ctx)}`);
        process.exitCode = 1;
        return;
      }
      await writeConfig({
        path: ctx.paths.configPath,
        env: ctx.env,
        update: (cur) => unsetAtPath(cur, parts).tree,
      });
      process.stdout.write(`Removed ${expr} from ${ctx.paths.configPath}\n`);
    });
}

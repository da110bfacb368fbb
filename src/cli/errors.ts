import { GatewayRequestError, GatewayUnreachableError } from "../client/gateway-client.ts";
import { ConfigError, formatIssues } from "../config/issues.ts";
import { UserFacingError } from "../infra/errors.ts";

/** The CLI's edge: every error becomes a message on stderr and an exit code, never a stack for users. */
export function reportCliError(err: unknown): number {
  if (err instanceof UserFacingError) {
    process.stderr.write(`${err.name === "GatewayLockError" ? "GatewayLockError: " : ""}${err.message}\n`);
    return err.exitCode;
  }
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n${formatIssues(err.issues)}\n`);
    return 1;
  }
  if (err instanceof GatewayUnreachableError) {
    process.stderr.write(`${err.message}\nIs the gateway running? Start it with \`openclaw gateway run\`.\n`);
    return 1;
  }
  if (err instanceof GatewayRequestError) {
    process.stderr.write(`gateway error ${err.code}: ${err.message}\n`);
    return 1;
  }
  if (
    err &&
    typeof err === "object" &&
    "code" in err &&
    String((err as { code: unknown }).code).startsWith("commander.")
  ) {
    return (err as { exitCode?: number }).exitCode ?? 1;
  }
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  return 1;
}

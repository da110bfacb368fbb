import { ConfigError, formatPath } from "./issues.ts";

const VAR = /\$?\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces `${VAR}` in every string of the tree with the variable's value (also mid-string);
 * `$${VAR}` stays a literal `${VAR}` (CFG-6). A missing variable is an error naming it and the key path.
 */
export function substituteEnvVars(
  value: unknown,
  env: NodeJS.ProcessEnv,
  at: (string | number)[] = [],
): unknown {
  if (typeof value === "string") return substituteString(value, env, at);
  if (Array.isArray(value)) return value.map((v, i) => substituteEnvVars(v, env, [...at, i]));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, substituteEnvVars(v, env, [...at, k])]),
    );
  }
  return value;
}

function substituteString(text: string, env: NodeJS.ProcessEnv, at: (string | number)[]): string {
  if (!text.includes("${")) return text;
  return text.replace(VAR, (match, name: string) => {
    if (match.startsWith("$$")) return match.slice(1);
    const v = env[name];
    if (v === undefined) {
      const where = formatPath(at);
      throw new ConfigError(`${where}: environment variable ${name} is not set (referenced as \${${name}})`, [
        { path: where, message: `environment variable ${name} is not set` },
      ]);
    }
    return v;
  });
}

import { access, readdir, readFile, realpath } from "node:fs/promises";
import path from "node:path";
import { isErrno } from "../../infra/errors.ts";

/** Gemini CLI's OAuth client (an "installed app" client: Google documents its secret as not secret). */
export interface GeminiOAuthClient {
  clientId: string;
  clientSecret?: string;
}

/** No client id: neither set in the environment nor found in an installed Gemini CLI. */
export class GeminiClientNotFoundError extends Error {
  override name = "GeminiClientNotFoundError";
}

const CLIENT_ID_ENV = ["OPENCLAW_GEMINI_OAUTH_CLIENT_ID", "GEMINI_CLI_OAUTH_CLIENT_ID"];
const CLIENT_SECRET_ENV = ["OPENCLAW_GEMINI_OAUTH_CLIENT_SECRET", "GEMINI_CLI_OAUTH_CLIENT_SECRET"];

function firstEnv(env: NodeJS.ProcessEnv, names: string[]): string | undefined {
  for (const n of names) {
    const v = env[n]?.trim();
    if (v) return v;
  }
  return undefined;
}

/**
 * The client Gemini CLI signs in with, as the 2.26 `google-gemini-cli-auth` plugin finds it: the
 * environment first (`OPENCLAW_GEMINI_OAUTH_CLIENT_ID`/`_SECRET`, or `GEMINI_CLI_OAUTH_CLIENT_*`),
 * else read out of the installed CLI's bundled `oauth2.js`, so no client secret ships with us.
 * Throws `GeminiClientNotFoundError`.
 */
export async function resolveGeminiClient(env: NodeJS.ProcessEnv): Promise<GeminiOAuthClient> {
  const clientId = firstEnv(env, CLIENT_ID_ENV);
  if (clientId) {
    const clientSecret = firstEnv(env, CLIENT_SECRET_ENV);
    return clientSecret ? { clientId, clientSecret } : { clientId };
  }
  const found = await clientFromInstalledCli(env.PATH ?? "");
  if (found) return found;
  throw new GeminiClientNotFoundError(
    "Gemini CLI not found. Install it first: brew install gemini-cli (or npm install -g @google/gemini-cli), " +
      "or set GEMINI_CLI_OAUTH_CLIENT_ID.",
  );
}

/** Parses the client id and secret out of Gemini CLI's `code_assist/oauth2.js`. Pure. */
export function parseGeminiClient(source: string): GeminiOAuthClient | undefined {
  const id = /(\d+-[a-z0-9]+\.apps\.googleusercontent\.com)/.exec(source)?.[1];
  const secret = /(GOCSPX-[A-Za-z0-9_-]+)/.exec(source)?.[1];
  return id ? (secret ? { clientId: id, clientSecret: secret } : { clientId: id }) : undefined;
}

async function clientFromInstalledCli(searchPath: string): Promise<GeminiOAuthClient | undefined> {
  const bin = await findOnPath("gemini", searchPath);
  if (!bin) return undefined;
  // <prefix>/bin/gemini → <prefix>/lib/node_modules/@google/gemini-cli/dist/index.js, or similar:
  // two levels up from the resolved script is the package root in every layout npm and brew use.
  const root = path.dirname(path.dirname(await realpath(bin)));
  const file = await findFile(root, "oauth2.js", 8);
  return file ? parseGeminiClient(await readFile(file, "utf8")) : undefined;
}

async function findOnPath(name: string, searchPath: string): Promise<string | undefined> {
  for (const dir of searchPath.split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, name);
    try {
      await access(candidate);
      return candidate;
    } catch (err) {
      if (!isErrno(err, "ENOENT") && !isErrno(err, "ENOTDIR") && !isErrno(err, "EACCES")) throw err;
    }
  }
  return undefined;
}

/** Depth-limited search; `code_assist/oauth2.js` sits a few directories down in gemini-cli-core. */
async function findFile(dir: string, name: string, depth: number): Promise<string | undefined> {
  if (depth <= 0) return undefined;
  let entries: import("node:fs").Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    if (isErrno(err, "ENOENT") || isErrno(err, "ENOTDIR") || isErrno(err, "EACCES")) return undefined;
    throw err;
  }
  const direct = entries.find((e) => e.isFile() && e.name === name);
  if (direct && dir.endsWith("code_assist")) return path.join(dir, name);
  for (const e of entries) {
    if (!e.isDirectory() || e.name.startsWith(".")) continue;
    const found = await findFile(path.join(dir, e.name), name, depth - 1);
    if (found) return found;
  }
  return direct ? path.join(dir, name) : undefined;
}

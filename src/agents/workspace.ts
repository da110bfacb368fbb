import { mkdir, open, readdir } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../infra/atomic-file.ts";
import { isErrno } from "../infra/errors.ts";
import { readTextIfExists } from "../infra/json-file.ts";

/** Injected under "Project Context" in this order (reference-agent §1.3). */
export const BOOTSTRAP_FILE_NAMES = [
  "AGENTS.md",
  "SOUL.md",
  "TOOLS.md",
  "IDENTITY.md",
  "USER.md",
  "HEARTBEAT.md",
  "BOOTSTRAP.md",
] as const;
const SEEDED_FILES = BOOTSTRAP_FILE_NAMES;
/** Injected only when present: optional by design, so a missing one gets no marker. */
const OPTIONAL_FILES = new Set(["BOOTSTRAP.md", "MEMORY.md", "memory.md"]);
const MEMORY_FILES = ["MEMORY.md", "memory.md"];

const STATE_FILE = path.join(".openclaw", "workspace-state.json");

/**
 * Creates the workspace on first use and seeds the bootstrap files, BOOTSTRAP.md included, only
 * when it is brand new (no seeding marker yet). An existing workspace is never modified: the user
 * may have deleted files on purpose. Files are created exclusively, so nothing is overwritten.
 */
export async function ensureWorkspace(
  dir: string,
  opts: { skipBootstrap?: boolean; now?: Date } = {},
): Promise<void> {
  await mkdir(dir, { recursive: true });
  if ((await readTextIfExists(path.join(dir, STATE_FILE))) !== undefined || opts.skipBootstrap) return;
  const present = new Set(await readdir(dir));
  const brandNew = !SEEDED_FILES.some((f) => present.has(f));
  for (const name of SEEDED_FILES) {
    if (name === "BOOTSTRAP.md" && !brandNew) continue;
    const template = await readTextIfExists(new URL(`./templates/${name}`, import.meta.url).pathname);
    if (template !== undefined) await createExclusive(path.join(dir, name), template);
  }
  const state = { version: 1, bootstrapSeededAt: (opts.now ?? new Date()).toISOString() };
  await writeFileAtomic(path.join(dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, { mode: 0o644 });
}

async function createExclusive(file: string, text: string): Promise<void> {
  try {
    const fh = await open(file, "wx", 0o644);
    try {
      await fh.writeFile(text);
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (!isErrno(err, "EEXIST")) throw err;
  }
}

export interface BootstrapCaps {
  maxChars: number;
  totalMaxChars: number;
}

export interface InjectedFile {
  name: string;
  path: string;
  missing: boolean;
  rawChars: number;
  injectedChars: number;
  truncated: boolean;
  content: string;
}

const HEAD_RATIO = 0.7;
const TAIL_RATIO = 0.2;
const MIN_FILE_BUDGET_CHARS = 64;

/**
 * Keeps the head and tail of an oversize file, with OpenClaw's two marker lines set off by blank
 * lines (2.26 `trimBootstrapContent`, reference-agent §1.3).
 */
export function truncateForPrompt(
  name: string,
  text: string,
  allowance: number,
): { content: string; truncated: boolean } {
  if (text.length <= allowance) return { content: text, truncated: false };
  const head = Math.floor(allowance * HEAD_RATIO);
  const tail = Math.floor(allowance * TAIL_RATIO);
  const content = [
    text.slice(0, head),
    "",
    `[...truncated, read ${name} for full content...]`,
    `…(truncated ${name}: kept ${head}+${tail} chars of ${text.length})…`,
    "",
    tail > 0 ? text.slice(-tail) : "",
  ].join("\n");
  return { content, truncated: true };
}

/** Cuts text that still exceeds the remaining total budget, marking the cut with `…` (as 2.26 does). */
function clampToBudget(text: string, budget: number): string {
  if (budget <= 0) return "";
  if (text.length <= budget) return text;
  if (budget <= 3) return text.slice(0, budget);
  return `${text.slice(0, budget - 1)}…`;
}

/**
 * Loads the bootstrap files in injection order under the per-file and total caps (2.26
 * `buildBootstrapContextFiles`): each file gets min(per-file cap, remaining total); a missing
 * required file injects a marker that also counts against the total; once fewer than 64 chars
 * remain, no further file is read. An empty file injects nothing.
 */
export async function loadBootstrapFiles(dir: string, caps: BootstrapCaps): Promise<InjectedFile[]> {
  const names = [...BOOTSTRAP_FILE_NAMES, ...MEMORY_FILES];
  const out: InjectedFile[] = [];
  let remaining = Math.max(1, caps.totalMaxChars);
  for (const name of names) {
    if (remaining <= 0) break;
    const file = path.join(dir, name);
    const raw = await readTextIfExists(file);
    if (raw === undefined) {
      if (OPTIONAL_FILES.has(name)) continue;
      const content = clampToBudget(`[MISSING] Expected at: ${file}`, remaining);
      remaining -= content.length;
      out.push({
        name,
        path: file,
        missing: true,
        rawChars: 0,
        injectedChars: content.length,
        truncated: false,
        content,
      });
      continue;
    }
    if (remaining < MIN_FILE_BUDGET_CHARS) break;
    const text = raw.trimEnd();
    const trimmed = truncateForPrompt(name, text, Math.max(1, Math.min(caps.maxChars, remaining)));
    const content = clampToBudget(trimmed.content, remaining);
    if (!content) continue;
    remaining -= content.length;
    out.push({
      name,
      path: file,
      missing: false,
      rawChars: text.length,
      injectedChars: content.length,
      truncated: trimmed.truncated || content.length < trimmed.content.length,
      content,
    });
  }
  return out;
}

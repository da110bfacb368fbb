import { readFile, rm } from "node:fs/promises";
import { z } from "zod";
import { assertNever } from "../../infra/errors.ts";
import { type DefinedTool, defineTool, ToolError } from "../types.ts";
import { applyHunks, type PatchOp, parsePatch } from "./patch-parse.ts";
import { type FsScope, resolveToolPath } from "./paths.ts";
import { commitStaged, discardStaged, type StagedFile, stageFile } from "./write.ts";

const ApplyPatchArgs = z.object({
  input: z.string().min(1).describe("The whole patch, from *** Begin Patch to *** End Patch."),
});

/**
 * `apply_patch` (reference-agent §2.1): all or nothing. Every hunk is checked against the files
 * before any file changes; new contents are then written to synced temp files and renamed into
 * place, so a failed write leaves every file as it was.
 */
export function createApplyPatchTool(scope: FsScope): DefinedTool {
  return defineTool({
    name: "apply_patch",
    description:
      "Apply a patch to one or more files. Format:\n*** Begin Patch\n*** Add File: <path>\n+<line>\n" +
      "*** Update File: <path>\n[*** Move to: <new path>]\n@@ [a line before the change]\n <context>\n-<old>\n+<new>\n" +
      "*** Delete File: <path>\n*** End Patch\nPaths are relative to the workspace. Nothing changes unless every hunk applies.",
    summary: "Apply multi-file patches",
    schema: ApplyPatchArgs,
    async run(args, signal) {
      const plan = await planPatch(parsePatch(args.input), scope, signal);
      await commitPlan(plan, signal);
      return `Success. Updated the following files:\n${plan.summary.join("\n")}`;
    },
  });
}

interface PatchPlan {
  /** Final state per real path: new content, or `null` for removed. */
  files: Map<string, string | null>;
  /** `A path` / `M path` / `D path`, one per operation. */
  summary: string[];
}

async function planPatch(ops: PatchOp[], scope: FsScope, signal: AbortSignal): Promise<PatchPlan> {
  const files = new Map<string, string | null>();
  const current = async (file: string): Promise<string | undefined> => {
    if (files.has(file)) return files.get(file) ?? undefined;
    return readFile(file, { encoding: "utf8", signal }).catch((err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") return undefined;
      throw err;
    });
  };
  const summary: string[] = [];
  for (const op of ops) {
    const file = await resolveToolPath(scope, op.path);
    switch (op.type) {
      case "add":
        if ((await current(file)) !== undefined) {
          throw new ToolError(`Add File ${op.path}: the file already exists; use Update File to change it.`);
        }
        files.set(file, op.content);
        summary.push(`A ${op.path}`);
        break;
      case "delete":
        if ((await current(file)) === undefined)
          throw new ToolError(`Delete File ${op.path}: file not found.`);
        files.set(file, null);
        summary.push(`D ${op.path}`);
        break;
      case "update": {
        const before = await current(file);
        if (before === undefined) throw new ToolError(`Update File ${op.path}: file not found.`);
        const after = applyHunks(before, op.hunks, op.path);
        if (op.moveTo === undefined) {
          files.set(file, after);
          summary.push(`M ${op.path}`);
          break;
        }
        const dest = await resolveToolPath(scope, op.moveTo);
        if (dest !== file && (await current(dest)) !== undefined) {
          throw new ToolError(`Move to ${op.moveTo}: the file already exists.`);
        }
        files.set(file, null);
        files.set(dest, after);
        summary.push(`M ${op.moveTo}`);
        break;
      }
      default:
        assertNever(op);
    }
  }
  return { files, summary };
}

async function commitPlan(plan: PatchPlan, signal: AbortSignal): Promise<void> {
  const staged: StagedFile[] = [];
  try {
    for (const [file, content] of plan.files) {
      if (content !== null) staged.push(await stageFile(file, content, signal));
    }
  } catch (err) {
    await Promise.all(staged.map(discardStaged));
    throw err;
  }
  // Past this point every new content is on disk; renames and removals do not fail for lack of space.
  for (const s of staged) await commitStaged(s);
  for (const [file, content] of plan.files) {
    if (content === null) await rm(file, { force: true });
  }
}

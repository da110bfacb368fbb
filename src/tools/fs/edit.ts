import { readFile } from "node:fs/promises";
import { z } from "zod";
import { type DefinedTool, defineTool, ToolError } from "../types.ts";
import { type FsScope, hasPath, PATH_REQUIRED, pathFields, pickPath, resolveToolPath } from "./paths.ts";
import { writeFileAtomic } from "./write.ts";

const EditArgs = z
  .object({
    ...pathFields,
    oldText: z.string().optional().describe("Exact text to find; must occur exactly once in the file."),
    old_string: z.string().optional().describe("Alias of `oldText`."),
    newText: z.string().optional().describe("Text that replaces it."),
    new_string: z.string().optional().describe("Alias of `newText`."),
  })
  .refine(hasPath, PATH_REQUIRED)
  .refine((a) => (a.oldText ?? a.old_string) !== undefined, {
    message: "`oldText` is required",
    path: ["oldText"],
  })
  .refine((a) => (a.newText ?? a.new_string) !== undefined, {
    message: "`newText` is required",
    path: ["newText"],
  })
  .transform((a) => ({
    path: pickPath(a),
    oldText: (a.oldText ?? a.old_string)!,
    newText: (a.newText ?? a.new_string)!,
  }));

/** `edit` (reference-agent §2.1): replaces one exact, unique occurrence of `oldText`. */
export function createEditTool(scope: FsScope): DefinedTool {
  return defineTool({
    name: "edit",
    description:
      "Edit a file by replacing an exact text. oldText must match exactly (whitespace and newlines " +
      "included) and occur exactly once; include surrounding lines to make it unique.",
    summary: "Make precise edits to files",
    schema: EditArgs,
    async run(args, signal) {
      const file = await resolveToolPath(scope, args.path);
      const before = await readFile(file, { encoding: "utf8", signal }).catch(
        (err: NodeJS.ErrnoException) => {
          if (err.code === "ENOENT") throw new ToolError(`File not found: ${args.path}`);
          throw err;
        },
      );
      const after = replaceUnique(before, args.oldText, args.newText, args.path);
      await writeFileAtomic(file, after, signal);
      return `Successfully replaced text in ${args.path}.`;
    },
  });
}

/**
 * `content` with the one occurrence of `oldText` replaced. A file with CRLF line endings also matches
 * an `oldText` written with LF (models rarely reproduce `\r`), and keeps its CRLF endings.
 */
export function replaceUnique(content: string, oldText: string, newText: string, shown: string): string {
  if (oldText.length === 0) throw new ToolError("oldText must not be empty.");
  if (oldText === newText) throw new ToolError("oldText and newText are identical; nothing to change.");
  const crlf = content.includes("\r\n") && !oldText.includes("\r\n");
  const haystack = crlf ? content.replaceAll("\r\n", "\n") : content;
  const count = countOccurrences(haystack, oldText);
  if (count === 0) {
    throw new ToolError(
      `Could not find oldText in ${shown} (0 matches). It must match the file exactly, including whitespace and line breaks.`,
    );
  }
  if (count > 1) {
    throw new ToolError(
      `Found ${count} matches of oldText in ${shown}; it must be unique. Add surrounding lines to pick one.`,
    );
  }
  const at = haystack.indexOf(oldText);
  // Slicing, not String.replace: `$&` and friends in newText must stay literal.
  const result = haystack.slice(0, at) + newText + haystack.slice(at + oldText.length);
  return crlf ? result.replace(/\r?\n/g, "\r\n") : result;
}

function countOccurrences(haystack: string, needle: string): number {
  let count = 0;
  for (let i = haystack.indexOf(needle); i !== -1; i = haystack.indexOf(needle, i + needle.length)) count++;
  return count;
}

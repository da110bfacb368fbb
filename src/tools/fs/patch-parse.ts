import { ToolError } from "../types.ts";

// The `apply_patch` envelope (reference-agent §2.1; the format OpenAI's models are trained on):
//   *** Begin Patch
//   *** Add File: <path>        then `+` lines
//   *** Delete File: <path>
//   *** Update File: <path>     then optional `*** Move to: <path>`, then hunks: `@@ [context line]`
//                               followed by ` `/`-`/`+` lines, optionally closed by `*** End of File`
//   *** End Patch

export type PatchOp =
  | { type: "add"; path: string; content: string }
  | { type: "delete"; path: string }
  | { type: "update"; path: string; moveTo: string | undefined; hunks: PatchHunk[] };

export interface HunkLine {
  kind: " " | "-" | "+";
  text: string;
}

export interface PatchHunk {
  /** Text after `@@`: a line to find first; the hunk applies after it. */
  anchor: string | undefined;
  /** Context (` `), removed (`-`) and added (`+`) lines, in patch order. */
  lines: HunkLine[];
  /** `*** End of File`: the hunk matches at the end of the file. */
  atEof: boolean;
}

const BEGIN = "*** Begin Patch";
const END = "*** End Patch";
const ADD = "*** Add File: ";
const DELETE = "*** Delete File: ";
const UPDATE = "*** Update File: ";
const MOVE = "*** Move to: ";
const EOF_MARK = "*** End of File";

/** Parses patch text into file operations; throws a `ToolError` naming the offending line. */
export function parsePatch(text: string): PatchOp[] {
  const lines = text.trim().split(/\r?\n/);
  if (lines[0]?.trim() !== BEGIN) throw new ToolError(`The patch must start with "${BEGIN}".`);
  if (lines.at(-1)?.trim() !== END) throw new ToolError(`The patch must end with "${END}".`);
  const body = lines.slice(1, -1);
  const ops: PatchOp[] = [];
  let i = 0;
  while (i < body.length) {
    const line = body[i]!;
    const lineNo = i + 2;
    if (line.startsWith(ADD)) {
      const content: string[] = [];
      for (i++; i < body.length && !isFileHeader(body[i]!); i++) {
        const l = body[i]!;
        if (!l.startsWith("+")) throw lineError(i + 2, l, `every line of "${ADD.trim()}" starts with "+"`);
        content.push(l.slice(1));
      }
      ops.push({
        type: "add",
        path: filePath(line, ADD, lineNo),
        content: content.map((l) => `${l}\n`).join(""),
      });
    } else if (line.startsWith(DELETE)) {
      ops.push({ type: "delete", path: filePath(line, DELETE, lineNo) });
      i++;
    } else if (line.startsWith(UPDATE)) {
      const path = filePath(line, UPDATE, lineNo);
      i++;
      let moveTo: string | undefined;
      if (body[i]?.startsWith(MOVE)) moveTo = filePath(body[i++]!, MOVE, i + 1);
      const start = i;
      while (i < body.length && !isFileHeader(body[i]!)) i++;
      const hunks = parseHunks(body.slice(start, i), start + 2);
      if (hunks.length === 0 && moveTo === undefined) {
        throw new ToolError(`"${UPDATE}${path}" (line ${lineNo}) has no hunks.`);
      }
      ops.push({ type: "update", path, moveTo, hunks });
    } else if (line.trim() === "") {
      i++;
    } else {
      throw lineError(lineNo, line, `expected "${ADD.trim()}", "${UPDATE.trim()}" or "${DELETE.trim()}"`);
    }
  }
  if (ops.length === 0) throw new ToolError("The patch changes no files.");
  return ops;
}

function parseHunks(lines: string[], firstLineNo: number): PatchHunk[] {
  const hunks: PatchHunk[] = [];
  let hunk: PatchHunk | undefined;
  const open = (anchor: string | undefined): PatchHunk => {
    hunk = { anchor, lines: [], atEof: false };
    hunks.push(hunk);
    return hunk;
  };
  lines.forEach((line, k) => {
    if (line.startsWith("@@")) {
      const anchor = line.slice(2).trim();
      open(anchor === "" ? undefined : anchor);
      return;
    }
    if (line.trim() === EOF_MARK) {
      if (!hunk) throw lineError(firstLineNo + k, line, "end-of-file marker before any hunk");
      hunk.atEof = true;
      return;
    }
    const h = hunk ?? open(undefined); // the first hunk may omit its `@@`
    const kind = line[0];
    const text = line.slice(1);
    // An empty line is an empty context line whose leading space got lost (models often drop it).
    if (line === "" || kind === " " || kind === "-" || kind === "+") {
      h.lines.push({ kind: kind === "-" || kind === "+" ? kind : " ", text });
    } else {
      throw lineError(firstLineNo + k, line, 'hunk lines start with " ", "-" or "+"');
    }
  });
  return hunks;
}

function isFileHeader(line: string): boolean {
  return line.startsWith(ADD) || line.startsWith(DELETE) || line.startsWith(UPDATE);
}

function filePath(line: string, prefix: string, lineNo: number): string {
  const p = line.slice(prefix.length).trim();
  if (p === "") throw new ToolError(`Line ${lineNo}: "${prefix.trim()}" needs a path.`);
  return p;
}

function lineError(lineNo: number, line: string, expected: string): ToolError {
  return new ToolError(`Invalid patch at line ${lineNo} (${JSON.stringify(line)}): ${expected}.`);
}

/**
 * Applies an Update File's hunks to `content`, in order, each searching from where the previous one
 * ended. Lines match exactly, then ignoring trailing whitespace, then ignoring surrounding
 * whitespace. Throws a `ToolError` naming the first hunk that does not apply.
 */
export function applyHunks(content: string, hunks: PatchHunk[], shown: string): string {
  const lines = content.split("\n");
  const endsWithNewline = content === "" || content.endsWith("\n");
  if (content.endsWith("\n") || content === "") lines.pop();
  let cursor = 0;
  hunks.forEach((hunk, n) => {
    const where = `hunk ${n + 1} of "${UPDATE}${shown}"`;
    if (hunk.anchor !== undefined) {
      const at = findSequence(lines, [hunk.anchor], cursor, false);
      if (at === -1) {
        throw new ToolError(
          `The patch does not apply: ${where}: context line "@@ ${hunk.anchor}" not found.`,
        );
      }
      cursor = at + 1;
    }
    let body = hunk.lines;
    const insertOnly = body.every((l) => l.kind === "+");
    if (insertOnly) {
      const insertAt = hunk.anchor === undefined || hunk.atEof ? lines.length : cursor;
      lines.splice(insertAt, 0, ...body.map((l) => l.text));
      cursor = insertAt + body.length;
      return;
    }
    let at = findSequence(lines, oldSide(body), cursor, hunk.atEof);
    if (at === -1 && body.at(-1)?.kind === " " && body.at(-1)?.text === "") {
      // A trailing blank context line often stands for the file's final newline: retry without it.
      body = body.slice(0, -1);
      at = findSequence(lines, oldSide(body), cursor, hunk.atEof);
    }
    if (at === -1) {
      throw new ToolError(
        `The patch does not apply: ${where}: these lines were not found in the file:\n${oldSide(hunk.lines).join("\n")}`,
      );
    }
    const matched = oldSide(body).length;
    const replacement: string[] = [];
    let k = at;
    for (const l of body) {
      // Context keeps the file's own spelling: a fuzzy match must not rewrite lines it only looked at.
      if (l.kind === " ") replacement.push(lines[k++]!);
      else if (l.kind === "-") k++;
      else replacement.push(l.text);
    }
    lines.splice(at, matched, ...replacement);
    cursor = at + replacement.length;
  });
  if (lines.length === 0) return "";
  return lines.join("\n") + (endsWithNewline ? "\n" : "");
}

/** What a hunk expects in the file: its context and removed lines. */
function oldSide(body: HunkLine[]): string[] {
  return body.filter((l) => l.kind !== "+").map((l) => l.text);
}

const NORMALISERS: ReadonlyArray<(s: string) => string> = [(s) => s, (s) => s.trimEnd(), (s) => s.trim()];

function findSequence(lines: string[], pattern: string[], from: number, atEof: boolean): number {
  for (const norm of NORMALISERS) {
    const want = pattern.map(norm);
    const matchesAt = (i: number) => want.every((w, k) => norm(lines[i + k]!) === w);
    const last = lines.length - pattern.length;
    if (atEof && last >= from && matchesAt(last)) return last;
    for (let i = from; i <= last; i++) if (matchesAt(i)) return i;
  }
  return -1;
}

// A deliberately small POSIX shell tokenizer for allowlist decisions (reference-agent §2.7: "chaining
// passes only if every segment does; redirections and $()/backticks are rejected"). It accepts the
// subset of shell whose meaning it can be sure of — words, quotes, escapes and the list/pipe
// operators — and refuses everything else, so a command it cannot read is never allowlisted.

/** One shell word after quote removal. */
export interface ShellWord {
  value: string;
  /**
   * False when the shell would still expand the word (an unquoted glob or brace character, a
   * leading `~` or zsh's leading `=`): its final text is unknown here.
   */
  literal: boolean;
  /** Any part was quoted or escaped: then it is never a reserved word or an assignment. */
  quoted: boolean;
  /** Set for an unquoted leading `NAME=value`. */
  assignment?: { name: string; value: string };
}

export type ParseResult = { ok: true; segments: ShellWord[][] } | { ok: false; reason: string };

const SEPARATORS = new Set([";", "&", "|", "\n"]);
const REJECTED_CHARS: Readonly<Record<string, string>> = {
  "<": "redirections are not allowed",
  ">": "redirections are not allowed",
  "(": "subshells and process substitution are not allowed",
  ")": "subshells and process substitution are not allowed",
  "`": "command substitution is not allowed",
  $: "expansions ($VAR, $(...)) are not allowed",
};
const GLOB_CHARS = new Set(["*", "?", "[", "]", "{", "}"]);
const DOUBLE_QUOTE_ESCAPABLE = new Set(["$", "`", '"', "\\", "\n"]);
const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

interface WordBuilder {
  value: string;
  literal: boolean;
  quoted: boolean;
  started: boolean;
  /** Index of the first unquoted `=` while every earlier character was unquoted, else -1. */
  assignAt: number;
  allUnquoted: boolean;
}

function newWord(): WordBuilder {
  return { value: "", literal: true, quoted: false, started: false, assignAt: -1, allUnquoted: true };
}

function finishWord(w: WordBuilder): ShellWord {
  const out: ShellWord = { value: w.value, literal: w.literal, quoted: w.quoted };
  if (w.assignAt > 0) {
    const name = w.value.slice(0, w.assignAt);
    if (NAME_RE.test(name)) out.assignment = { name, value: w.value.slice(w.assignAt + 1) };
  }
  return out;
}

/**
 * Splits a command line into segments (separated by `;`, `&`, `&&`, `|`, `||` or newlines) of
 * words. Pure. Refuses (`ok: false`) expansions, substitutions, redirections, here-docs, subshells,
 * comments, unbalanced quotes, a dangling escape and empty segments between operators.
 */
export function parseShellWords(input: string): ParseResult {
  const segments: ShellWord[][] = [];
  let current: ShellWord[] = [];
  let word = newWord();
  let i = 0;
  const pushWord = (): void => {
    if (word.started) current.push(finishWord(word));
    word = newWord();
  };
  const endSegment = (op: string): ParseResult | undefined => {
    pushWord();
    if (current.length === 0) {
      // A leading, doubled or dangling operator (`| evil`, `ls ;; x`): not something to guess about.
      if (op !== "\n" || segments.length === 0) return { ok: false, reason: `unexpected "${op}"` };
      return undefined;
    }
    segments.push(current);
    current = [];
    return undefined;
  };
  while (i < input.length) {
    const c = input[i]!;
    if (c === "\0") return { ok: false, reason: "NUL bytes are not allowed" };
    if (c === " " || c === "\t") {
      pushWord();
      i++;
      continue;
    }
    if (SEPARATORS.has(c)) {
      const two = input.slice(i, i + 2);
      if (two === "|&" || two === ";;" || two === ";&")
        return { ok: false, reason: `"${two}" is not allowed` };
      const op = two === "&&" || two === "||" ? two : c;
      if (c === "\n" && current.length === 0 && !word.started) {
        i++;
        continue; // blank line
      }
      const failed = endSegment(op);
      if (failed) return failed;
      i += op.length;
      continue;
    }
    if (REJECTED_CHARS[c]) return { ok: false, reason: REJECTED_CHARS[c] };
    if (c === "#" && !word.started) return { ok: false, reason: "comments are not allowed" };
    if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end < 0) return { ok: false, reason: "unbalanced single quote" };
      word.value += input.slice(i + 1, end);
      word.quoted = true;
      word.started = true;
      word.allUnquoted = false;
      i = end + 1;
      continue;
    }
    if (c === '"') {
      const r = readDoubleQuoted(input, i + 1);
      if (!r.ok) return r;
      word.value += r.value;
      word.quoted = true;
      word.started = true;
      word.allUnquoted = false;
      i = r.next;
      continue;
    }
    if (c === "\\") {
      if (i + 1 >= input.length) return { ok: false, reason: "dangling backslash" };
      const next = input[i + 1]!;
      i += 2;
      if (next === "\n") continue; // line continuation
      word.value += next;
      word.quoted = true;
      word.started = true;
      word.allUnquoted = false;
      continue;
    }
    // An unquoted ordinary character.
    if (GLOB_CHARS.has(c)) word.literal = false;
    if (!word.started && (c === "~" || c === "=")) word.literal = false;
    if (c === "=" && word.allUnquoted && word.assignAt < 0) word.assignAt = word.value.length;
    word.value += c;
    word.started = true;
    i++;
  }
  pushWord();
  if (current.length > 0) segments.push(current);
  else if (segments.length > 0 && /(\|\||&&|\|)\s*$/.test(input)) {
    return { ok: false, reason: "the command ends with an operator" };
  }
  if (segments.length === 0) return { ok: false, reason: "empty command" };
  return { ok: true, segments };
}

function readDoubleQuoted(
  input: string,
  start: number,
): { ok: true; value: string; next: number } | { ok: false; reason: string } {
  let value = "";
  let i = start;
  while (i < input.length) {
    const c = input[i]!;
    if (c === '"') return { ok: true, value, next: i + 1 };
    if (c === "$") return { ok: false, reason: REJECTED_CHARS["$"]! };
    if (c === "`") return { ok: false, reason: REJECTED_CHARS["`"]! };
    if (c === "\0") return { ok: false, reason: "NUL bytes are not allowed" };
    if (c === "\\" && i + 1 < input.length && DOUBLE_QUOTE_ESCAPABLE.has(input[i + 1]!)) {
      if (input[i + 1] !== "\n") value += input[i + 1];
      i += 2;
      continue;
    }
    value += c;
    i++;
  }
  return { ok: false, reason: "unbalanced double quote" };
}

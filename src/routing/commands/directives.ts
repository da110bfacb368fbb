/**
 * Session directives in a chat message (reference-agent §1.6, §2.8, §3.9): `/think`, `/verbose`,
 * `/reasoning`, `/elevated` and their aliases. A message made only of directives sets them on the
 * session; inside a normal message they are one-shot hints, stripped before the model sees the
 * text. Pure.
 */

export const THINK_LEVELS = ["off", "minimal", "low", "medium", "high", "xhigh"] as const;
export type ThinkLevel = (typeof THINK_LEVELS)[number];
export const VERBOSE_LEVELS = ["off", "on", "full"] as const;
export type VerboseLevel = (typeof VERBOSE_LEVELS)[number];
export const REASONING_LEVELS = ["off", "on", "stream"] as const;
export type ReasoningLevel = (typeof REASONING_LEVELS)[number];
export const ELEVATED_LEVELS = ["off", "on", "ask", "full"] as const;
export type ElevatedLevel = (typeof ELEVATED_LEVELS)[number];

export type DirectiveKind = "think" | "verbose" | "reasoning" | "elevated";

const NAMES: Readonly<Record<string, DirectiveKind>> = {
  think: "think",
  thinking: "think",
  t: "think",
  verbose: "verbose",
  v: "verbose",
  reasoning: "reasoning",
  reason: "reasoning",
  elevated: "elevated",
  elev: "elevated",
};

export const LEVELS: Readonly<Record<DirectiveKind, readonly string[]>> = {
  think: THINK_LEVELS,
  verbose: VERBOSE_LEVELS,
  reasoning: REASONING_LEVELS,
  elevated: ELEVATED_LEVELS,
};

/** Spellings OpenClaw accepts besides the level names themselves. */
const THINK_ALIASES: Readonly<Record<string, ThinkLevel>> = {
  on: "low",
  min: "minimal",
  mid: "medium",
  med: "medium",
  "x-high": "xhigh",
  x_high: "xhigh",
  "extra-high": "xhigh",
};

export interface Directive {
  kind: DirectiveKind;
  /** The word after the directive as written; absent for a bare `/think`. */
  arg?: string;
  /** `arg` as a level of this kind; absent when missing or not a level. */
  level?: string;
}

export interface ExtractedDirectives {
  directives: Directive[];
  /** The message without its directives (whitespace where they stood collapsed). */
  rest: string;
  /** The message was nothing but directives: they persist and are acknowledged. */
  only: boolean;
}

/** A level word for `kind`, case-insensitive and with aliases; `undefined` when not one. */
export function normalizeLevel(kind: DirectiveKind, word: string): string | undefined {
  const w = word.toLowerCase();
  if (LEVELS[kind].includes(w)) return w;
  if (kind === "think") return THINK_ALIASES[w];
  return undefined;
}

// `/name`, then optionally `: word`, `:word` or ` word`. The separator belongs to the argument so
// that `/think /verbose on` leaves the space before `/verbose` for the next match.
const DIRECTIVE_RE =
  /(^|\s)\/(thinking|think|t|verbose|v|reasoning|reason|elevated|elev)(?=$|\s|:)(?:(?:\s*:\s*|\s+)([A-Za-z][\w-]*))?:?/gi;

/** Finds the directives of a message. */
export function extractDirectives(text: string): ExtractedDirectives {
  const directives: Directive[] = [];
  const kept: string[] = [];
  const inlineKept: string[] = [];
  let at = 0;
  for (const m of text.matchAll(DIRECTIVE_RE)) {
    const before = text.slice(at, m.index) + (m[1] ?? "");
    kept.push(before);
    inlineKept.push(before);
    const kind = NAMES[m[2]!.toLowerCase()]!;
    const arg = m[3];
    const level = arg === undefined ? undefined : normalizeLevel(kind, arg);
    directives.push({ kind, ...(arg !== undefined ? { arg } : {}), ...(level ? { level } : {}) });
    // Inside a sentence a word that is not a level was never meant for the directive.
    if (arg !== undefined && !level) inlineKept.push(` ${arg} `);
    at = m.index + m[0].length;
  }
  kept.push(text.slice(at));
  inlineKept.push(text.slice(at));
  const tidy = (parts: string[]): string =>
    parts
      .join(" ")
      .replace(/[ \t]{2,}/g, " ")
      .trim();
  if (directives.length > 0 && tidy(kept) === "") return { directives, rest: "", only: true };
  return {
    directives: directives.filter((d) => d.level !== undefined),
    rest: directives.length > 0 ? tidy(inlineKept) : text,
    only: false,
  };
}

/** The one-shot levels a normal message carries (last one of each kind wins). */
export interface InlineHints {
  thinking?: ThinkLevel;
  verbose?: VerboseLevel;
  reasoning?: ReasoningLevel;
  elevated?: ElevatedLevel;
}

export function inlineHints(directives: readonly Directive[]): InlineHints {
  const out: InlineHints = {};
  for (const d of directives) {
    if (!d.level) continue;
    if (d.kind === "think") out.thinking = d.level as ThinkLevel;
    else if (d.kind === "verbose") out.verbose = d.level as VerboseLevel;
    else if (d.kind === "reasoning") out.reasoning = d.level as ReasoningLevel;
    else out.elevated = d.level as ElevatedLevel;
  }
  return out;
}

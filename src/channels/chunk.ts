/**
 * Splits a reply into messages of at most `limit` characters (reference-agent §5.1, MED-6),
 * preferring, in order: a paragraph break, a line break, a sentence end, a space. Only text with
 * none of these within the limit is cut hard, and never inside a surrogate pair. Whitespace at
 * the cut is dropped; no chunk is empty.
 */
export function chunkText(text: string, limit: number, maxLines = Number.POSITIVE_INFINITY): string[] {
  if (limit < 1) throw new RangeError(`chunk limit must be positive (got ${limit})`);
  if (maxLines < 1) throw new RangeError(`line limit must be positive (got ${maxLines})`);
  const chunks: string[] = [];
  let rest = text.trim();
  for (;;) {
    // A message with too many lines is cut after its last allowed line (Discord's 17 lines).
    const lineEnd = nthLineEnd(rest, maxLines);
    const window = Math.min(limit, lineEnd ?? limit);
    if (rest.length <= limit && lineEnd === undefined) break;
    const cut = cutPoint(rest, window);
    const head = rest.slice(0, cut).trimEnd();
    if (head.length > 0) chunks.push(head);
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}

/** The index just past the `n`-th newline, when the text has more than `n` lines; else undefined. */
function nthLineEnd(text: string, n: number): number | undefined {
  if (!Number.isFinite(n)) return undefined;
  let at = -1;
  for (let i = 0; i < n; i++) {
    at = text.indexOf("\n", at + 1);
    if (at < 0) return undefined;
  }
  return at + 1;
}

/** How a channel account cuts replies: `textChunkLimit` within the platform's hard limit, and its line cap. */
export interface ChunkSettings {
  textChunkLimit?: unknown;
  maxLinesPerMessage?: unknown;
}

/**
 * Splits `text` for one account of a channel (reference-agent §5.1, MED-6): `textChunkLimit` (else
 * the platform's default) capped by its hard limit, and `maxLinesPerMessage` (else the platform's
 * default, Discord 17) so a long list is not one wall of text.
 */
export function chunkForChannel(
  text: string,
  capabilities: { maxTextChars: number; defaultChunkChars: number; defaultMaxLines?: number | undefined },
  account: ChunkSettings,
): string[] {
  const configured = typeof account.textChunkLimit === "number" ? account.textChunkLimit : undefined;
  const limit = Math.min(configured ?? capabilities.defaultChunkChars, capabilities.maxTextChars);
  const lines =
    typeof account.maxLinesPerMessage === "number" && account.maxLinesPerMessage > 0
      ? account.maxLinesPerMessage
      : capabilities.defaultMaxLines;
  return chunkText(text, limit, lines ?? Number.POSITIVE_INFINITY);
}

/** A break this early would make tiny messages; below it we look for a weaker break instead. */
const MIN_FILL = 0.3;

function cutPoint(text: string, limit: number): number {
  const window = text.slice(0, limit + 1);
  const floor = Math.floor(limit * MIN_FILL);
  const candidates = [
    lastMatchEnd(window, /\n\s*\n/g),
    lastMatchEnd(window, /\n/g),
    lastMatchEnd(window, /[.!?…]["')\]]?\s/g),
    lastMatchEnd(window, /\s/g),
  ];
  for (const at of candidates) if (at > floor && at <= limit) return at;
  return hardCut(text, limit);
}

function lastMatchEnd(window: string, re: RegExp): number {
  let end = -1;
  for (const m of window.matchAll(re)) end = m.index + m[0].length;
  return end;
}

function hardCut(text: string, limit: number): number {
  const code = text.charCodeAt(limit - 1);
  const splitsPair = code >= 0xd800 && code <= 0xdbff;
  return splitsPair && limit > 1 ? limit - 1 : limit;
}

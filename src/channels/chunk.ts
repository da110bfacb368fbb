/**
 * Splits a reply into messages of at most `limit` characters (reference-agent §5.1, MED-6),
 * preferring, in order: a paragraph break, a line break, a sentence end, a space. Only text with
 * none of these within the limit is cut hard, and never inside a surrogate pair. Whitespace at
 * the cut is dropped; no chunk is empty.
 */
export function chunkText(text: string, limit: number): string[] {
  if (limit < 1) throw new RangeError(`chunk limit must be positive (got ${limit})`);
  const chunks: string[] = [];
  let rest = text.trim();
  while (rest.length > limit) {
    const cut = cutPoint(rest, limit);
    const head = rest.slice(0, cut).trimEnd();
    if (head.length > 0) chunks.push(head);
    rest = rest.slice(cut).trimStart();
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
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

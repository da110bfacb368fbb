/** The silent token: a reply that is exactly this is not delivered (reference-agent §1.5). */
export const SILENT_REPLY_TOKEN = "NO_REPLY";
export const HEARTBEAT_TOKEN = "HEARTBEAT_OK";

export interface ShapedReply {
  text: string;
  /** Nothing to deliver (NO_REPLY, or only a heartbeat acknowledgement). */
  silent: boolean;
}

/**
 * What of a final answer reaches the user, outside heartbeat runs: `NO_REPLY` alone (any case) is
 * silence; a leading or trailing `HEARTBEAT_OK` is stripped and a reply that was only that is
 * dropped; in the middle of a text neither token is special. Pure.
 */
export function shapeReply(text: string): ShapedReply {
  const trimmed = text.trim();
  if (trimmed.toUpperCase() === SILENT_REPLY_TOKEN) return { text: "", silent: true };
  let out = trimmed;
  if (out.startsWith(HEARTBEAT_TOKEN)) out = out.slice(HEARTBEAT_TOKEN.length).trimStart();
  if (out.endsWith(HEARTBEAT_TOKEN)) out = out.slice(0, -HEARTBEAT_TOKEN.length).trimEnd();
  return { text: out === trimmed ? text : out, silent: out === "" };
}

export interface MediaSplit {
  /** The reply without its `MEDIA:` lines (what is left of a line with invalid parts stays). */
  text: string;
  /** Local paths and URLs, in the order they appeared. */
  media: string[];
  /** `[[audio_as_voice]]` was given: attached audio goes as a voice note (Telegram). */
  audioAsVoice: boolean;
}

const AUDIO_AS_VOICE = /[ \t]*\[\[\s*audio_as_voice\s*\]\][ \t]*/g;

const MEDIA_PREFIX = "MEDIA:";
const FENCE = /^(`{3,}|~{3,})/;
const URL_SOURCE = /^https?:\/\/[^\s/$.?#][^\s]*$/i;
/** A relative path without a `./` prefix still counts when it names a file (`out/chart.png`). */
const BARE_RELATIVE = /^[\w@+-][\w@+ .-]*(\/[\w@+ .-]+)*\.[A-Za-z0-9]{1,10}$/;
const QUOTES: Record<string, string> = { '"': '"', "'": "'", "`": "`" };

/**
 * Splits a reply into text and media sources (reference-agent §1.5, MED-1): a line whose trimmed
 * start is `MEDIA:`, outside code fences, is removed and its payload becomes attachments. A
 * quoted payload (`"…"`, `'…'`, backticks) is one source that may contain spaces; otherwise
 * the payload is split at whitespace. Each source must be an http(s) URL or a local path; parts
 * that are neither stay as text, and a line with no valid part is left as it was. The
 * `[[audio_as_voice]]` tag, outside code fences, is removed and reported. Pure.
 */
export function splitMediaDirectives(reply: string): MediaSplit {
  const media: string[] = [];
  const kept: string[] = [];
  let fence: string | undefined;
  let touched = false;
  let audioAsVoice = false;
  for (let line of reply.split("\n")) {
    if (fence === undefined && line.match(AUDIO_AS_VOICE)) {
      audioAsVoice = touched = true;
      line = line.replace(AUDIO_AS_VOICE, " ").trim();
      if (line === "") continue;
    }
    const trimmed = line.trim();
    const marker = FENCE.exec(trimmed)?.[1];
    if (marker) {
      if (fence === undefined) fence = marker[0];
      else if (marker[0] === fence) fence = undefined;
      kept.push(line);
      continue;
    }
    if (fence !== undefined || !trimmed.startsWith(MEDIA_PREFIX)) {
      kept.push(line);
      continue;
    }
    const { sources, invalid } = mediaPayload(trimmed.slice(MEDIA_PREFIX.length).trim());
    if (sources.length === 0) {
      kept.push(line);
      continue;
    }
    touched = true;
    media.push(...sources);
    if (invalid.length > 0) kept.push(invalid.join(" "));
  }
  if (!touched) return { text: reply, media, audioAsVoice };
  return {
    text: kept
      .join("\n")
      .replace(/\n{3,}/g, "\n\n")
      .trim(),
    media,
    audioAsVoice,
  };
}

function mediaPayload(payload: string): { sources: string[]; invalid: string[] } {
  const close = QUOTES[payload[0] ?? ""];
  if (close && payload.length > 2 && payload.endsWith(close)) {
    const source = normalizeSource(payload.slice(1, -1).trim());
    return isMediaSource(source) ? { sources: [source], invalid: [] } : { sources: [], invalid: [payload] };
  }
  const sources: string[] = [];
  const invalid: string[] = [];
  for (const part of payload.split(/\s+/).filter(Boolean)) {
    const source = normalizeSource(part);
    if (!/\s/.test(source) && isMediaSource(source)) sources.push(source);
    else invalid.push(part);
  }
  return { sources, invalid };
}

function normalizeSource(source: string): string {
  return source.startsWith("file://") ? source.slice("file://".length) : source;
}

/** An http(s) URL, or a path: absolute, `./`, `../`, `~/`, or a relative file name with an extension. */
export function isMediaSource(source: string): boolean {
  if (source === "" || source.length > 4096) return false;
  if (URL_SOURCE.test(source)) return URL.canParse(source);
  if (/^[a-z][a-z0-9+.-]*:/i.test(source)) return false; // another scheme (data:, javascript:…)
  if (
    source.startsWith("/") ||
    source.startsWith("./") ||
    source.startsWith("../") ||
    source.startsWith("~/")
  )
    return source.length > 2;
  return BARE_RELATIVE.test(source);
}

/**
 * Slack reacts with emoji *names* (`reactions.add name=eyes`), not characters. The emoji an
 * ack reaction is most often set to, by character; `:name:` passes through as written.
 */
const NAMES: Readonly<Record<string, string>> = {
  "👀": "eyes",
  "✅": "white_check_mark",
  "👍": "+1",
  "👌": "ok_hand",
  "🙏": "pray",
  "🔥": "fire",
  "❤️": "heart",
  "❤": "heart",
  "🤖": "robot_face",
  "🦞": "lobster",
  "🧠": "brain",
  "⏳": "hourglass_flowing_sand",
  "💬": "speech_balloon",
  "👋": "wave",
  "🤔": "thinking_face",
  "🎉": "tada",
  "⚡": "zap",
  "🐾": "feet",
};

/** The Slack name of `emoji`, or `undefined` when there is none we know. Pure. */
export function slackEmojiName(emoji: string): string | undefined {
  const named = /^:([a-z0-9_+'-]+):$/.exec(emoji)?.[1];
  if (named) return named;
  if (/^[a-z0-9_+'-]+$/.test(emoji)) return emoji;
  return NAMES[emoji];
}

// Markdown as models write it → Slack mrkdwn (reference-agent §5.4: `*bold*`, `_italic_`,
// `<url|text>` links). Slack reads `&`, `<` and `>` as control characters everywhere, code included,
// so they are escaped as `&amp;`, `&lt;` and `&gt;`; only the angle-bracket tokens Slack defines
// (`<@U…>`, `<#C…>`, `<!here>`, `<https://…>`) pass through, so a model can still mention people.

/** Private-use characters mark protected pieces while the rest is rewritten. */
const OPEN = "\uE000";
const CLOSE = "\uE001";
const BOLD = "\uE002";
const PROTECTED = new RegExp(`${OPEN}(\\d+)${CLOSE}`, "g");

const FENCE = /```[^\n`]*\n?([\s\S]*?)```/g;
const INLINE_CODE = /`([^`\n]+)`/g;
const IMAGE_OR_LINK = /!?\[([^\]\n]*)\]\(\s*<?([^()\s<>]+)>?(?:\s+"[^"\n]*")?\s*\)/g;
/** Slack's own tokens: user, channel, subteam and special mentions, and bare or labelled links. */
const SLACK_TOKEN = /<(?:[@#!][^<>\s]+|(?:https?|mailto):[^<>\s]+)>/g;
const AUTOLINK = /<((?:https?|mailto):[^<>\s|]+)>/g;

export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Converts markdown to mrkdwn. Pure; unknown syntax passes through as text. */
export function markdownToMrkdwn(markdown: string): string {
  const kept: string[] = [];
  const keep = (piece: string): string => `${OPEN}${kept.push(piece) - 1}${CLOSE}`;

  let text = markdown.replace(FENCE, (_m, code: string) => keep(`\`\`\`\n${escapeMrkdwn(code)}\`\`\``));
  text = text.replace(INLINE_CODE, (_m, code: string) => keep(`\`${escapeMrkdwn(code)}\``));
  text = text.replace(IMAGE_OR_LINK, (_m, label: string, url: string) => {
    const target = url.replace(/[<>|]/g, encodeURIComponent);
    const shown = label.trim();
    return keep(shown && shown !== url ? `<${target}|${escapeMrkdwn(shown)}>` : `<${target}>`);
  });
  text = text.replace(AUTOLINK, (_m, url: string) => keep(`<${url}>`));
  text = text.replace(SLACK_TOKEN, (token) => keep(token));
  text = escapeMrkdwn(text);
  text = text
    .split("\n")
    .map((line) => convertLine(line))
    .join("\n");
  text = text
    .replace(/\*\*(?=\S)([\s\S]*?\S)\*\*/g, `${BOLD}$1${BOLD}`)
    .replace(/__(?=\S)([\s\S]*?\S)__/g, `${BOLD}$1${BOLD}`)
    .replace(/(^|[^*\w])\*(?=\S)([^*\n]*?\S)\*(?![*\w])/g, "$1_$2_")
    .replace(/~~(?=\S)([\s\S]*?\S)~~/g, "~$1~")
    .replaceAll(BOLD, "*");
  // Protected pieces may hold other protected pieces (a link inside nothing else, code inside a
  // fence is already escaped), so one pass restores them all.
  return text.replace(PROTECTED, (_m, i: string) => kept[Number(i)] ?? "");
}

/** Headings become bold lines, list markers bullets; block quotes (`&gt; `) are mrkdwn already. */
function convertLine(line: string): string {
  const heading = /^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
  if (heading) return heading[1] ? `${BOLD}${heading[1].replace(/\*\*/g, "")}${BOLD}` : "";
  const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
  if (bullet) return `${bullet[1]}• ${bullet[2]}`;
  if (/^\s{0,3}([-*_])(\s*\1){2,}\s*$/.test(line)) return "──────────";
  return line;
}

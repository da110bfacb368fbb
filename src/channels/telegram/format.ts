/**
 * Markdown as models write it → the HTML subset Telegram renders with `parse_mode: "HTML"`
 * (reference-agent §5.2; core.telegram.org/bots/api#html-style): `b`, `i`, `s`, `code`, `pre`,
 * `a href`, `blockquote`. Everything else is text, escaped, so raw HTML in a reply shows as
 * written and can never break the message. The output is always well nested, whatever the input
 * (an unclosed fence or `**`, a chunk cut mid-block): unmatched markers stay literal. Pure.
 */
export function markdownToTelegramHtml(markdown: string): string {
  const out: string[] = [];
  const lines = markdown.split("\n");
  let quote: string[] = [];
  const flushQuote = (): void => {
    if (quote.length === 0) return;
    out.push(`<blockquote>${quote.map(inline).join("\n")}</blockquote>`);
    quote = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string;
    const fence = /^\s*```\s*([\w+#.-]*)\s*$/.exec(line);
    if (fence) {
      flushQuote();
      const body: string[] = [];
      let j = i + 1;
      while (j < lines.length && !/^\s*```\s*$/.test(lines[j] as string)) body.push(lines[j++] as string);
      // An unclosed fence (a chunk boundary, a cut-off answer) still renders as code to the end.
      const lang = fence[1] ? ` class="language-${escapeAttr(fence[1])}"` : "";
      out.push(`<pre><code${lang}>${escapeHtml(body.join("\n"))}</code></pre>`);
      i = j;
      continue;
    }
    const quoted = /^\s*>\s?(.*)$/.exec(line);
    if (quoted) {
      quote.push(quoted[1] as string);
      continue;
    }
    flushQuote();
    const heading = /^\s*#{1,6}\s+(.+?)\s*#*\s*$/.exec(line);
    if (heading) {
      out.push(`<b>${inline(heading[1] as string)}</b>`);
      continue;
    }
    const bullet = /^(\s*)[-*+]\s+(.*)$/.exec(line);
    out.push(bullet ? `${bullet[1]}• ${inline(bullet[2] as string)}` : inline(line));
  }
  flushQuote();
  const html = out.join("\n");
  // Emphasis pairs can still overlap (`**a *b** c*`); Telegram refuses crossed tags, so such a
  // message goes out unformatted rather than not at all.
  return isWellNested(html) ? html : escapeHtml(markdown);
}

/** Every tag closed in order; what `parse_mode: "HTML"` needs. */
function isWellNested(html: string): boolean {
  const open: string[] = [];
  for (const m of html.matchAll(/<(\/?)([a-z]+)[^>]*>/g)) {
    if (m[1] === "") open.push(m[2] as string);
    else if (open.pop() !== m[2]) return false;
  }
  return open.length === 0;
}

/** Text safe inside Telegram HTML: the three characters it treats as markup, as entities. */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

function escapeAttr(text: string): string {
  return escapeHtml(text).replace(/"/g, "&quot;");
}

/** Schemes a link may point at; anything else (e.g. `javascript:`) stays plain text. */
const LINK_SCHEMES = /^(https?:|tg:|mailto:)/i;

/**
 * One line's inline markup. Code spans are cut out first (nothing inside them is markup), then
 * links, then emphasis pairs, each only when both ends are present on the line.
 */
function inline(text: string): string {
  const parts: string[] = [];
  let rest = text;
  for (;;) {
    const code = /`([^`\n]+)`/.exec(rest);
    if (!code) break;
    parts.push(emphasis(rest.slice(0, code.index)));
    parts.push(`<code>${escapeHtml(code[1] as string)}</code>`);
    rest = rest.slice(code.index + code[0].length);
  }
  parts.push(emphasis(rest));
  return parts.join("");
}

function emphasis(text: string): string {
  const links: string[] = [];
  // Links become placeholders first, so emphasis markers inside a URL are left alone.
  let s = text.replace(/\[([^\]\n]+)\]\(([^)\s]+)\)/g, (whole, label: string, url: string) => {
    if (!LINK_SCHEMES.test(url)) return whole;
    links.push(`<a href="${escapeAttr(url)}">${escapeHtml(label)}</a>`);
    return `\u0000${links.length - 1}\u0000`;
  });
  s = escapeHtml(s);
  s = s.replace(/\*\*(?=\S)([^*]*?\S)\*\*/g, "<b>$1</b>");
  s = s.replace(/__(?=\S)([^_]*?\S)__/g, "<b>$1</b>");
  s = s.replace(/~~(?=\S)([^~]*?\S)~~/g, "<s>$1</s>");
  // Single `*`/`_` only around words, so `snake_case`, `2*3*4` and globs stay as written.
  s = s.replace(/(^|[^\w*])\*(?=\S)([^*\n]*?\S)\*(?![\w*])/g, "$1<i>$2</i>");
  s = s.replace(/(^|[^\w_])_(?=\S)([^_\n]*?\S)_(?![\w_])/g, "$1<i>$2</i>");
  return s.replace(/\u0000(\d+)\u0000/g, (_m, n: string) => links[Number(n)] ?? "");
}
